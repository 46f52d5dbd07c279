/**
 * Pure framing for WAMP over HTTP long-poll (spec: advanced/transport_http_longpoll.md): the
 * protocols a service offers, protocol negotiation for `open`, splitting a `send` body into
 * messages and framing outgoing messages for `receive`. No I/O.
 *
 * Batching follows the batched WebSocket scheme (spec: advanced/transport_batched_websocket.md):
 * JSON: each message followed by 0x1E; MessagePack: each message preceded by its length as a
 * big-endian uint32. The spec defines no CBOR batching; we use the MessagePack scheme for
 * `wamp.2.cbor.batched` (as autobahn-python's batched CBOR serializer does).
 */
import { SerializationError } from '../../shared/errors.ts';
import { serializerById, subprotocolFor } from '../../shared/serializers/index.ts';
import type { Serializer, SerializerId } from '../../shared/serializers/serializer.ts';

export interface LongPollProtocol {
  /** e.g. 'wamp.2.json' or 'wamp.2.msgpack.batched' */
  readonly name: string;
  readonly serializer: Serializer;
  readonly batched: boolean;
  /** Content-Type of `receive` responses. */
  readonly contentType: string;
}

const RECORD_SEPARATOR = 0x1e;
const LENGTH_PREFIX_BYTES = 4;
const UINT32_MAX = 0xffff_ffff;

const CONTENT_TYPES: Readonly<Record<SerializerId, string>> = {
  json: 'application/json; charset=utf-8',
  msgpack: 'application/x-msgpack',
  cbor: 'application/cbor',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every protocol a service with these serializers speaks: unbatched and `.batched` for each. */
export function longPollProtocols(serializers: readonly SerializerId[]): ReadonlyMap<string, LongPollProtocol> {
  const protocols = new Map<string, LongPollProtocol>();
  for (const id of serializers) {
    const base = subprotocolFor(id);
    const serializer = serializerById(id);
    for (const batched of [false, true]) {
      const name = batched ? `${base}.batched` : base;
      protocols.set(name, { name, serializer, batched, contentType: CONTENT_TYPES[id] });
    }
  }
  return protocols;
}

/**
 * The protocol to speak: the first entry of the client's `protocols` list that we support (the
 * client's order, as for WebSocket subprotocols). Non-string entries are skipped.
 */
export function pickProtocol(offered: readonly unknown[], supported: ReadonlyMap<string, LongPollProtocol>): LongPollProtocol | undefined {
  for (const name of offered) {
    if (typeof name !== 'string') continue;
    const protocol = supported.get(name);
    if (protocol !== undefined) return protocol;
  }
  return undefined;
}

/**
 * A `send` body as the serializer's input units: exactly one message unbatched, one per batch
 * entry batched. Throws SerializationError for an empty body, an empty batch (spec: a batch of
 * length 0 is illegal), a truncated batch entry or invalid UTF-8 on JSON.
 */
export function splitBody(protocol: LongPollProtocol, body: Uint8Array): (string | Uint8Array)[] {
  if (body.byteLength === 0) throw new SerializationError(`empty body on ${protocol.name}: expected ${protocol.batched ? 'a batch of messages' : 'one message'}`);
  const json = !protocol.serializer.binary;
  const parts = !protocol.batched ? [body] : json ? splitJsonBatch(body) : splitLengthPrefixed(body);
  if (!json) return parts;
  return parts.map((part) => {
    try {
      return utf8.decode(part);
    } catch (err) {
      throw new SerializationError(`invalid UTF-8 in a ${protocol.name} body`, { cause: err });
    }
  });
}

function splitJsonBatch(body: Uint8Array): Uint8Array[] {
  // A raw 0x1E can occur neither inside a UTF-8 multi-byte sequence nor unescaped in valid JSON text.
  if (body[body.byteLength - 1] !== RECORD_SEPARATOR) {
    throw new SerializationError('JSON batch does not end with the record separator 0x1E after its last message');
  }
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < body.byteLength; i++) {
    if (body[i] !== RECORD_SEPARATOR) continue;
    if (i === start) throw new SerializationError(`empty message in a JSON batch at byte ${i}`);
    parts.push(body.subarray(start, i));
    start = i + 1;
  }
  return parts;
}

function splitLengthPrefixed(body: Uint8Array): Uint8Array[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (offset < body.byteLength) {
    if (offset + LENGTH_PREFIX_BYTES > body.byteLength) {
      throw new SerializationError(`truncated length prefix at byte ${offset} of a batch`);
    }
    const length = view.getUint32(offset);
    const start = offset + LENGTH_PREFIX_BYTES;
    if (length === 0) throw new SerializationError(`empty message in a batch at byte ${offset}`);
    if (start + length > body.byteLength) {
      throw new SerializationError(`batch entry at byte ${offset} announces ${length} bytes but only ${body.byteLength - start} follow`);
    }
    parts.push(body.subarray(start, start + length));
    offset = start + length;
  }
  return parts;
}

/** One encoded outgoing message as it goes into a `receive` response: framed when batched. */
export function frameMessage(protocol: LongPollProtocol, data: string | Uint8Array): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!protocol.batched) return bytes;
  if (!protocol.serializer.binary) return Buffer.concat([bytes, Buffer.of(RECORD_SEPARATOR)]);
  if (bytes.byteLength > UINT32_MAX) throw new SerializationError('message too large for a batch length prefix');
  const prefix = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES);
  prefix.writeUInt32BE(bytes.byteLength, 0);
  return Buffer.concat([prefix, bytes]);
}
