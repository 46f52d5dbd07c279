/**
 * The serializers and their WebSocket subprotocol names (spec: basic/building_blocks.md
 * "WebSocket Transport"). RawSocket uses the numeric ids in its handshake (advanced/transport_rawsocket.md).
 */
import { cbor } from './cbor.ts';
import { json } from './json.ts';
import { msgpack } from './msgpack.ts';
import type { Serializer, SerializerId } from './serializer.ts';

export { cbor, json, msgpack };
export type { Serializer, SerializerId };

const BY_ID: Readonly<Record<SerializerId, Serializer>> = Object.freeze({ json, msgpack, cbor });

const SUBPROTOCOLS: Readonly<Record<SerializerId, string>> = Object.freeze({
  json: 'wamp.2.json',
  msgpack: 'wamp.2.msgpack',
  cbor: 'wamp.2.cbor',
});

export function serializerById(id: SerializerId): Serializer {
  return BY_ID[id];
}

/** 'wamp.2.json' → json, 'wamp.2.msgpack' → msgpack, 'wamp.2.cbor' → cbor. */
export const WEBSOCKET_SUBPROTOCOLS: Readonly<Record<string, Serializer>> = Object.freeze({
  [SUBPROTOCOLS.json]: json,
  [SUBPROTOCOLS.msgpack]: msgpack,
  [SUBPROTOCOLS.cbor]: cbor,
});

export function subprotocolFor(id: SerializerId): string {
  return SUBPROTOCOLS[id];
}
