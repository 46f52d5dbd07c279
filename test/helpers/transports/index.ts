/**
 * The transport matrix: every transport the router serves and the serializers each one speaks,
 * and how to open a ClientConnection for one (transport, serializer) cell of a MatrixRouter.
 */
import type { SerializerId } from '../../../shared/serializers/serializer.ts';
import type { MatrixRouter } from '../matrix-router.ts';
import type { ClientConnection } from './connection.ts';
import { connectLocal } from './local.ts';
import { connectLongPoll } from './longpoll.ts';
import { connectRawSocket } from './rawsocket.ts';
import { connectWebSocket } from './websocket.ts';

export type { ClientConnection } from './connection.ts';

export const TRANSPORTS = ['local', 'websocket', 'rawsocket-tcp', 'rawsocket-unix', 'longpoll'] as const;
export type TransportName = (typeof TRANSPORTS)[number];
/** 'none': the in-process transport passes message objects. */
export type WireSerializer = SerializerId | 'none';

const ALL: readonly SerializerId[] = ['json', 'msgpack', 'cbor'];
export const TRANSPORT_SERIALIZERS: Readonly<Record<TransportName, readonly WireSerializer[]>> = {
  local: ['none'],
  websocket: ALL,
  'rawsocket-tcp': ALL,
  'rawsocket-unix': ALL,
  longpoll: ['json', 'msgpack'],
};

/**
 * Long-poll protocol per serializer: plain JSON as autobahn-js speaks it (one message per
 * receive), batched MessagePack (everything queued per request) so both framings run.
 */
const LONGPOLL_PROTOCOLS: Readonly<Record<SerializerId, string>> = {
  json: 'wamp.2.json', msgpack: 'wamp.2.msgpack.batched', cbor: 'wamp.2.cbor.batched',
};

export interface TransportCase {
  readonly transport: TransportName;
  readonly serializer: WireSerializer;
  /** 'local', 'websocket/json', 'rawsocket-unix/cbor', … */
  readonly label: string;
}

export function transportCase(transport: TransportName, serializer: WireSerializer): TransportCase {
  return { transport, serializer, label: serializer === 'none' ? transport : `${transport}/${serializer}` };
}

export function openConnection(matrix: MatrixRouter, cell: TransportCase): Promise<ClientConnection> {
  const { transport, serializer } = cell;
  if (transport === 'local') return Promise.resolve(connectLocal(matrix.router, matrix.attachOptions));
  if (serializer === 'none') throw new Error(`${transport} needs a serializer`);
  switch (transport) {
    case 'websocket': return connectWebSocket(matrix.websocketUrl, serializer);
    case 'rawsocket-tcp': return connectRawSocket(matrix.tcp, serializer);
    case 'rawsocket-unix': return connectRawSocket(matrix.unix, serializer);
    case 'longpoll': return connectLongPoll(matrix.longpollUrl, LONGPOLL_PROTOCOLS[serializer]);
  }
}
