/**
 * An autobahn-js transport over an in-process pair (router/transports/local.ts): the embedded worker
 * talks WAMP to the router without sockets or serialization. Messages pass as arrays through the
 * codec (`encode` router → autobahn, `decode` autobahn → router); nothing is serialized.
 *
 * Use it as a Connection transport: `{ type: LOCAL_TRANSPORT, router, auth }`. Each `create()` (one
 * per connection attempt) makes a fresh pair and attaches its router end with `auth` (the
 * transport's auth block, e.g. the in-process worker's own ticket principal).
 */
import type { Router } from '../router/index.ts';
import { createLocalPair, type LocalClient } from '../router/transports/local.ts';
import type { TransportDetails } from '../router/transports/peer.ts';
import type { TransportAuthConfig } from '../shared/config/types.ts';
import { decode, encode } from '../shared/wamp/codec.ts';
import { autobahn, type AbTransport, type AbTransportFactory, type Dict } from './autobahn.ts';

/** The name the factory is registered under in `autobahn.transports`. */
export const LOCAL_TRANSPORT = 'asexor-local';

/** WebSocket close codes autobahn understands: normal, and "protocol error" for a bad message. */
const CLOSE_NORMAL = 1000;
const CLOSE_PROTOCOL_ERROR = 1002;

const DETAILS: TransportDetails = Object.freeze({ kind: 'local', serializer: 'none', peer: 'local:worker' });

export interface LocalTransportOptions {
  readonly type: typeof LOCAL_TRANSPORT;
  readonly router: Router;
  readonly auth?: TransportAuthConfig;
}

function wire(client: LocalClient, transport: AbTransport): void {
  client.events.on('message', (message) => {
    transport.onmessage(encode(message));
  });
  client.events.once('close', (info) => {
    const details = { code: info.code ?? CLOSE_NORMAL, reason: info.reason ?? '', wasClean: info.code === undefined || info.code === CLOSE_NORMAL };
    // Asynchronous, like a WebSocket's close event: never inside the session's own close() call.
    queueMicrotask(() => { transport.onclose(details); });
  });
}

class LocalTransportFactory implements AbTransportFactory {
  readonly type = LOCAL_TRANSPORT;
  readonly #router: Router;
  readonly #auth: TransportAuthConfig | undefined;

  constructor(options: Dict) {
    const { router, auth } = options as unknown as LocalTransportOptions;
    if (typeof router !== 'object' || typeof router.attach !== 'function') {
      throw new TypeError(`the ${LOCAL_TRANSPORT} transport needs a \`router\` (from createRouter)`);
    }
    this.#router = router;
    this.#auth = auth;
  }

  create(): AbTransport {
    const { peer, client } = createLocalPair(DETAILS);
    const transport: AbTransport = {
      protocol: 'wamp.2.local',
      serializer: undefined,
      info: { type: LOCAL_TRANSPORT, url: null, protocol: 'wamp.2.local' },
      onmessage: () => undefined,
      onopen: () => undefined,
      onclose: () => undefined,
      send: (message) => {
        let decoded;
        try {
          decoded = decode(message);
        } catch (error) {
          // Like a real transport that could not encode the message: the connection fails.
          client.close({ code: CLOSE_PROTOCOL_ERROR, reason: error instanceof Error ? error.message : String(error) });
          return;
        }
        client.send(decoded);
      },
      close: (code, reason) => {
        client.close({ code: code ?? CLOSE_NORMAL, reason: reason ?? '' });
      },
    };
    wire(client, transport);
    this.#router.attach(peer, this.#auth === undefined ? {} : { auth: this.#auth });
    // The session sets its handlers right after create() returns: open on the next microtask,
    // unless the router refused the peer already (it is closing).
    queueMicrotask(() => {
      if (!client.closed) transport.onopen();
    });
    return transport;
  }
}

if (!autobahn.transports.isRegistered(LOCAL_TRANSPORT)) autobahn.transports.register(LOCAL_TRANSPORT, LocalTransportFactory);
