/** Raw frames of the native spawner protocol (docs/spawner-protocol.md), built by hand for tests. */

/** `u32 length`, `u8 type`, `u32 id`, then the payload; the same layout both ways. */
export function frame(type: number, id: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt32LE(5 + payload.length, 0);
  head.writeUInt8(type, 4);
  head.writeUInt32LE(id, 5);
  return Buffer.concat([head, payload]);
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
