/**
 * A WAMP serializer turns one raw message array into bytes/text and back. It knows nothing about
 * message shapes: `codec.decode` (shared/wamp/codec.ts) validates what `decode` returns.
 */
export type SerializerId = 'json' | 'msgpack' | 'cbor';

export interface Serializer {
  readonly id: SerializerId;
  /** Whether the WebSocket transport uses binary frames (msgpack, cbor) or text frames (json). */
  readonly binary: boolean;
  /** Encode a raw message array. JSON returns a string, the binary serializers a Uint8Array. */
  encode(message: readonly unknown[]): string | Uint8Array;
  /**
   * Decode one message. Throws `SerializationError` (shared/errors.ts) on malformed input;
   * never returns undefined.
   */
  decode(data: string | Uint8Array): unknown;
}
