/**
 * The slow path shared by the binary serializers: a value decoded with maps as `Map`s becomes the
 * plain-object form WAMP code expects. A "__proto__" key becomes an own data property (exactly what
 * JSON.parse does) instead of replacing the object's prototype, and a BigInt within ±2^53 becomes a
 * number (spec: basic/building_blocks.md "IDs": 2^53 is the largest ID).
 * Only used when a cheap byte scan says the fast decoder path could be unsafe or lossy.
 */
import { SerializationError } from '../errors.ts';

const MAX_SAFE_ID_BIGINT = 2n ** 53n;

export type KeyPolicy = 'strings' | 'primitives';

/** Whether `bytes` contains `needle` anywhere (native memmem through a Buffer view; no copy). */
export function bytesInclude(bytes: Uint8Array, needle: Buffer | number): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(needle);
}

export const PROTO_KEY_BYTES: Buffer = Buffer.from('__proto__', 'utf8');

function mapKey(key: unknown, policy: KeyPolicy): string {
  if (typeof key === 'string') return key;
  if (policy === 'primitives' && (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean')) {
    return String(key);
  }
  throw new SerializationError(`map key of type ${typeof key} is not allowed (WAMP dicts have string keys)`);
}

/** defineProperty, not assignment: a "__proto__" key is data, never a prototype change. */
function defineData(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Recursively turn `Map`s into null-safe plain objects and safe BigInts into numbers. */
export function toPlainValue(value: unknown, policy: KeyPolicy): unknown {
  if (typeof value === 'bigint') {
    return value <= MAX_SAFE_ID_BIGINT && value >= -MAX_SAFE_ID_BIGINT ? Number(value) : value;
  }
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) items[i] = toPlainValue(items[i], policy);
    return items;
  }
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value as Map<unknown, unknown>) {
      defineData(out, mapKey(key, policy), toPlainValue(item, policy));
    }
    return out;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    // Already an object (msgpackr records are built as objects even in Map mode): convert its values.
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) defineData(record, key, toPlainValue(record[key], policy));
  }
  return value;
}
