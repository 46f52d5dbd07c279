/**
 * A nesting limit for decoded messages, shared by the three serializers. The router re-encodes what
 * it receives (EVENT, INVOCATION, RESULT), and msgpackr, cborg and JSON.stringify all recurse once
 * per list/dict level: a payload that decodes but cannot be re-encoded (V8's JSON.parse is not
 * recursive, so JSON accepts any depth) would close the RECIPIENT's connection instead of the
 * sender's. Rejecting it at decode makes it the sender's protocol violation
 * (spec: basic/building_blocks.md "Protocol Errors": "Catching error during message encoding/decoding").
 */
import { SerializationError } from '../errors.ts';

/** The deepest list/dict nesting a message may have; the message array itself is level 1. */
export const MAX_NESTING_DEPTH = 256;

/** Whether a list/dict at level `depth` has lists/dicts below it beyond the limit (fast loops: this runs on every big message). */
function tooDeep(value: object, depth: number): boolean {
  if (value instanceof Uint8Array) return false; // bytes are a leaf
  if (depth > MAX_NESTING_DEPTH) return true;
  const items: readonly unknown[] = Array.isArray(value) ? value : Object.values(value);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item === 'object' && item !== null && tooDeep(item, depth + 1)) return true;
  }
  return false;
}

/**
 * Throws SerializationError if `value` nests lists/dicts deeper than MAX_NESTING_DEPTH.
 * @param size the encoded length (bytes or characters): every level costs at least one, so small
 *   messages are not walked at all
 */
export function checkNesting(value: unknown, format: string, size: number): void {
  if (size > MAX_NESTING_DEPTH && typeof value === 'object' && value !== null && tooDeep(value, 1)) {
    throw new SerializationError(`invalid ${format}: lists and dicts nested deeper than ${MAX_NESTING_DEPTH} levels`);
  }
}
