/**
 * wamp.2.msgpack: binary frames, MessagePack v5 so strings (str) and bytes (bin) stay distinct
 * (spec: basic/building_blocks.md "Serializers"). Maps decode to plain objects, bin to plain
 * Uint8Array copies, int64 to number where ≤ 2^53 in magnitude (else BigInt). We never write records
 * or extensions and reject incoming extension types: WAMP only knows integer, string, bool, list, dict
 * (+ payload floats, null, bytes). msgpackr records (its own format, always decoded) become plain objects.
 */
import { Packr, Unpackr, addExtension } from 'msgpackr';
import { SerializationError } from '../errors.ts';
import { checkNesting } from './nesting.ts';
import { PROTO_KEY_BYTES, bytesInclude, toPlainValue } from './plain-values.ts';
import type { Serializer } from './serializer.ts';

const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  encodeUndefinedAsNil: true,
});

// int64AsType 'auto' (number within ±2^53, else BigInt) exists at runtime but not in msgpackr's types.
const baseUnpack = { useRecords: false, int64AsType: 'auto' as 'number', copyBuffers: true } as const;
const unpackr = new Unpackr({ ...baseUnpack, mapsAsObjects: true });
/** Slow path: maps as Map, converted by toPlainValue (used when a "__proto__" key may be present). */
const mapUnpackr = new Unpackr({ ...baseUnpack, mapsAsObjects: false });

/**
 * msgpackr decodes its own extension types (Date, Set, Error, RegExp, typed arrays, object
 * references that build cycles, undefined) for every Unpackr in the process; WAMP peers must not
 * be able to create those, so each one is switched off. Unknown types already throw.
 * This module is the only msgpackr user in the project.
 */
const MSGPACKR_EXTENSION_TYPES = [0x00, 0x42, 0x62, 0x65, 0x69, 0x70, 0x73, 0x74, 0x78, 0xff] as const;
for (const type of MSGPACKR_EXTENSION_TYPES) {
  addExtension({
    type,
    unpack(): never {
      throw new Error(`extension type ${type === 0xff ? -1 : type} is not allowed`);
    },
  });
}

const UINT32_MAX = 0xffff_ffff;
const MAX_ID = 2 ** 53;
const INT32_MIN = -0x8000_0000;

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * msgpackr writes integers outside the 32-bit range as float64, which Python peers decode as
 * float and then reject as IDs ("invalid type float for ID"): spec basic/building_blocks.md "IDs"
 * says IDs are integers. Such numbers become BigInt (written as int64/uint64). Copy-on-write: the
 * message (possibly shared by many recipients) is never mutated, and is returned as is when
 * nothing needs changing.
 */
function widenLargeIntegers(value: unknown): unknown {
  if (typeof value === 'number') {
    const widen = (value > UINT32_MAX || value < INT32_MIN) && value <= MAX_ID && value >= -MAX_ID
      && Number.isInteger(value);
    return widen ? BigInt(value) : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const items = value as readonly unknown[];
    let out: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const widened = widenLargeIntegers(item);
      if (widened !== item) (out ??= items.slice())[i] = widened;
    }
    return out ?? value;
  }
  if (value instanceof Uint8Array || !isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    const widened = widenLargeIntegers(item);
    if (widened !== item) {
      out ??= Object.defineProperties({}, Object.getOwnPropertyDescriptors(value)) as Record<string, unknown>;
      Object.defineProperty(out, key, { value: widened, enumerable: true, writable: true, configurable: true });
    }
  }
  return out ?? value;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const msgpack: Serializer = Object.freeze({
  id: 'msgpack',
  binary: true,
  encode(message: readonly unknown[]): Uint8Array {
    try {
      return packr.pack(widenLargeIntegers(message));
    } catch (error) {
      throw new SerializationError(`cannot encode message as MessagePack: ${errorText(error)}`, { cause: error });
    }
  },
  decode(data: string | Uint8Array): unknown {
    // spec: basic/building_blocks.md "WebSocket Transport": wamp.2.msgpack uses binary frames only
    if (typeof data === 'string') throw new SerializationError('text frame on wamp.2.msgpack');
    // A plain Uint8Array view (not a Buffer) makes decoded bin values plain Uint8Arrays too.
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    try {
      // Trailing bytes make msgpackr throw ("end of buffer not reached").
      const value: unknown = bytesInclude(bytes, PROTO_KEY_BYTES) ? toPlainValue(mapUnpackr.unpack(bytes), 'primitives') : unpackr.unpack(bytes);
      checkNesting(value, 'MessagePack', bytes.byteLength);
      return value;
    } catch (error) {
      if (error instanceof SerializationError) throw error;
      throw new SerializationError(`invalid MessagePack: ${errorText(error)}`, { cause: error });
    }
  },
});
