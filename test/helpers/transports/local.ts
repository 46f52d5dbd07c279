/**
 * In-process connector (router/transports/local.ts): WAMP message objects, no serializer, so there
 * is no raw mode.
 * - openLocal: a pair attached to the router, its client side heard from the start;
 * - connectLocal: typed mode (a ClientConnection for WampTestClient).
 * LocalTestClient (test/helpers/local-client.ts) is the unit tests' richer client on openLocal.
 */
import type { AttachOptions, Router } from '../../../router/index.ts';
import { createLocalPair, type LocalClient, type LocalPeer } from '../../../router/transports/local.ts';
import type { CloseInfo } from '../../../router/transports/peer.ts';
import type { WampMessage } from '../../../shared/wamp/messages.ts';
import { Inbox, type ClientConnection } from './connection.ts';

export interface LocalListener {
  message(message: WampMessage): void;
  closed(info: CloseInfo): void;
}

/** Create a pair, hand every message and the close of its client side to `listener`, then attach the peer. */
export function openLocal(router: Router, options: AttachOptions, listener: LocalListener): { peer: LocalPeer; client: LocalClient } {
  const { peer, client } = createLocalPair();
  client.events.once('close', (info) => { listener.closed(info); });
  client.events.on('message', (message) => { listener.message(message); });
  router.attach(peer, options);
  return { peer, client };
}

/** Typed mode. */
export function connectLocal(router: Router, options: AttachOptions = {}): ClientConnection {
  const inbox = new Inbox();
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => { resolveClosed = resolve; });
  const { client } = openLocal(router, options, {
    message: (message) => { inbox.deliver(message); },
    closed: (info) => {
      inbox.end(`local pair closed${info.reason === undefined ? '' : `: ${info.reason}`}`);
      resolveClosed();
    },
  });
  return {
    name: 'local',
    send(message) {
      client.send(message);
    },
    listen(listener) {
      inbox.listen(listener);
    },
    close() {
      client.close();
      return closed;
    },
  };
}
