/**
 * wamp.2.json: text frames, UTF-8 JSON (spec: basic/building_blocks.md "Serializers").
 * Binary rule (spec: advanced/serialization_binary_json.md): a byte array travels as a JSON string
 * holding "\u0000" followed by the standard base64 of the bytes; such strings decode to Uint8Array.
 * BigInts (large integers from the binary serializers) are written as exact JSON numbers.
 */
import { SerializationError } from '../errors.ts';
import { checkNesting } from './nesting.ts';
import type { Serializer } from './serializer.ts';

/** JSON.rawJSON (ES2026, in Node ≥ 21) is not in our TS lib yet. */
const JSONWithRaw = JSON as unknown as { rawJSON(text: string): unknown };

/** The 6-character escape `\u0000` as it appears in JSON text; a raw NUL cannot occur in valid JSON. */
const ESCAPED_NUL = '\\u0000';
const NUL = '\u0000';

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether the value holds anything JSON.stringify alone would get wrong (bytes, BigInt). */
function needsReplacer(value: unknown, depth: number): boolean {
  if (typeof value === 'bigint') return true;
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof Uint8Array) return true;
  if (depth > 256) return true; // let the replacer path report absurd nesting
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (needsReplacer(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && needsReplacer((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/**
 * Runs before toJSON's result is used: `this[key]` is the original value, so a Buffer is caught
 * here although Buffer.prototype.toJSON already turned `value` into {type: 'Buffer', data}.
 */
function replacer(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Uint8Array) {
    return NUL + Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64');
  }
  if (typeof value === 'bigint') return JSONWithRaw.rawJSON(value.toString());
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.charCodeAt(0) === 0) {
    // Copy out of Buffer's shared pool into a plain, independent Uint8Array.
    return new Uint8Array(Buffer.from(value.slice(1), 'base64'));
  }
  return value;
}

export const json: Serializer = Object.freeze({
  id: 'json',
  binary: false,
  encode(message: readonly unknown[]): string {
    try {
      return needsReplacer(message, 0) ? JSON.stringify(message, replacer) : JSON.stringify(message);
    } catch (error) {
      throw new SerializationError(`cannot encode message as JSON: ${errorText(error)}`, { cause: error });
    }
  },
  decode(data: string | Uint8Array): unknown {
    // spec: basic/building_blocks.md "WebSocket Transport": wamp.2.json uses text frames only
    if (typeof data !== 'string') throw new SerializationError('binary frame on wamp.2.json');
    let value: unknown;
    try {
      // JSON.parse defines "__proto__" as an own property, never as the prototype.
      value = data.includes(ESCAPED_NUL) ? JSON.parse(data, reviver) as unknown : JSON.parse(data) as unknown;
    } catch (error) {
      throw new SerializationError(`invalid JSON: ${errorText(error)}`, { cause: error });
    }
    checkNesting(value, 'JSON', data.length); // JSON.parse itself accepts any depth
    return value;
  },
});
