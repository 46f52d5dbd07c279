/**
 * wamp.2.cbor: binary frames, CBOR per RFC 8949 (spec: basic/building_blocks.md "Serializers").
 * Maps decode to plain objects with string keys, byte strings to Uint8Array, integers to number
 * when within ±2^53 (else BigInt). Rejected: trailing bytes, undefined, non-string map keys,
 * duplicate map keys, tags, indefinite-length strings (cborg; indefinite arrays and maps are fine).
 */
import { Token, Type, decode as cborDecode, encode as cborEncode } from 'cborg';
import { SerializationError } from '../errors.ts';
import { checkNesting } from './nesting.ts';
import { PROTO_KEY_BYTES, bytesInclude, toPlainValue } from './plain-values.ts';
import type { Serializer } from './serializer.ts';

// (cborg's exported option types resolve to `any` under NodeNext, so the literals stay unannotated.)
const decodeOptions = { useMaps: false, allowUndefined: false, rejectDuplicateMapKeys: true } as const;
/** Slow path: maps as Map, converted by toPlainValue. */
const slowDecodeOptions = { ...decodeOptions, useMaps: true } as const;

const MAX_ID = 2 ** 53;
const MAX_ID_BIGINT = 2n ** 53n;

// Keys are written in insertion order: the default length-first key sort costs time and buys nothing here.
const encodeOptions = {
  mapSorter: undefined,
  ignoreUndefinedProperties: true,
  typeEncoders: {
    undefined: (): Token[] => [new Token(Type.null, null)],
    // cborg writes ±2^53 (not "safe" integers) as floats; IDs must be integers (spec: basic/building_blocks.md "IDs").
    number: (value: number): Token[] | null => {
      if (value === MAX_ID) return [new Token(Type.uint, MAX_ID_BIGINT)];
      if (value === -MAX_ID) return [new Token(Type.negint, -MAX_ID_BIGINT)];
      return null;
    },
  },
} as const;

/** 2^53 and -2^53: cborg returns BigInt beyond ±(2^53 - 1); the slow path turns these into numbers. */
const UINT_2_53 = Buffer.of(0x1b, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
const NEGINT_2_53 = Buffer.of(0x3b, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/**
 * cborg assigns `obj[key] = value`, so a "__proto__" key would replace that object's prototype;
 * the Map-based slow path avoids it. The byte scans are native and keep the common path fast; the key
 * cannot hide in chunks because cborg rejects indefinite-length strings.
 */
function needsSlowPath(bytes: Uint8Array): boolean {
  return bytesInclude(bytes, PROTO_KEY_BYTES) || bytesInclude(bytes, UINT_2_53) || bytesInclude(bytes, NEGINT_2_53);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const cbor: Serializer = Object.freeze({
  id: 'cbor',
  binary: true,
  encode(message: readonly unknown[]): Uint8Array {
    try {
      return cborEncode(message, encodeOptions);
    } catch (error) {
      throw new SerializationError(`cannot encode message as CBOR: ${errorText(error)}`, { cause: error });
    }
  },
  decode(data: string | Uint8Array): unknown {
    // spec: basic/building_blocks.md "WebSocket Transport": wamp.2.cbor uses binary frames only
    if (typeof data === 'string') throw new SerializationError('text frame on wamp.2.cbor');
    try {
      // cborg rejects trailing bytes ("too many terminals").
      const value: unknown = needsSlowPath(data) ? toPlainValue(cborDecode(data, slowDecodeOptions), 'strings') : cborDecode(data, decodeOptions);
      checkNesting(value, 'CBOR', data.byteLength);
      return value;
    } catch (error) {
      if (error instanceof SerializationError) throw error;
      throw new SerializationError(`invalid CBOR: ${errorText(error)}`, { cause: error });
    }
  },
});
