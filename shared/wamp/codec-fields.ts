/**
 * Field validators for codec.ts. Each takes the raw message, the element index, and the message
 * and field names (spec names, joined only when an error is raised so the happy path allocates nothing).
 * Types: spec rfc/text/basic/messages.md "Structure" (id, uri, dict, list) and building_blocks.md "IDs".
 */
import { ProtocolViolationError } from '../errors.ts';
import type { Args, Dict, KwArgs, WampId } from './messages.ts';
import { MAX_ID } from './ids.ts';

export type Raw = readonly unknown[];

const MAX_ID_BIGINT = BigInt(MAX_ID);

/** A short, safe description of a bad value for an error message (never echoes large data). */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'string':
      return value.length <= 32 ? JSON.stringify(value) : 'a long string';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      if (value instanceof Uint8Array) return 'binary';
      return 'an object';
    default:
      return typeof value;
  }
}

function fieldError(message: string, field: string, expected: string, value: unknown): ProtocolViolationError {
  return new ProtocolViolationError(`invalid ${message}.${field}: expected ${expected}, got ${describe(value)}`);
}

/** Throws unless `raw.length` is in [min, max]. */
export function checkLength(raw: Raw, min: number, max: number, message: string): void {
  if (raw.length < min || raw.length > max) {
    throw new ProtocolViolationError(`invalid message length ${raw.length} for ${message}`);
  }
}

/** An object whose prototype is Object.prototype or null: what a decoder produces for a map. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An ID: integer in [1, 2^53]; a BigInt in range (some msgpack/CBOR decoders) becomes a number. */
export function idAt(raw: Raw, index: number, message: string, field: string): WampId {
  const value = raw[index];
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1 && value <= MAX_ID) return value;
  } else if (typeof value === 'bigint' && value >= 1n && value <= MAX_ID_BIGINT) {
    return Number(value);
  }
  throw fieldError(message, field, 'an id (integer in [1, 2^53])', value);
}

/** A non-negative integer (ERROR.REQUEST.Type). */
export function intAt(raw: Raw, index: number, message: string, field: string): number {
  const value = raw[index];
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'bigint' && value >= 0n && value <= MAX_ID_BIGINT) return Number(value);
  throw fieldError(message, field, 'an integer', value);
}

export function dictAt(raw: Raw, index: number, message: string, field: string): Dict {
  const value = raw[index];
  if (isPlainObject(value)) return value;
  throw fieldError(message, field, 'a dict', value);
}

/** A string or URI (URI syntax is context dependent and checked by the router with uri-rules.ts). */
export function stringAt(raw: Raw, index: number, message: string, field: string): string {
  const value = raw[index];
  if (typeof value === 'string') return value;
  throw fieldError(message, field, 'a string', value);
}

interface PayloadTarget {
  args?: Args;
  kwargs?: KwArgs;
}

/**
 * The optional trailing payload `(Arguments|list, (ArgumentsKw|dict))` starting at `start`.
 * Positional layout means ArgumentsKw cannot appear without Arguments. spec: basic/messages.md
 */
export function payloadAt(target: PayloadTarget, raw: Raw, start: number, message: string): void {
  if (raw.length <= start) return;
  const args = raw[start];
  if (!Array.isArray(args)) throw fieldError(message, 'Arguments', 'a list', args);
  target.args = args;
  if (raw.length <= start + 1) return;
  const kwargs = raw[start + 1];
  if (!isPlainObject(kwargs)) throw fieldError(message, 'ArgumentsKw', 'a dict', kwargs);
  target.kwargs = kwargs;
}
