/**
 * Start a real router (createRouter + the HTTP/WebSocket transport) on 127.0.0.1, port 0, for
 * integration and interop tests. `close()` stops the listener and the router.
 */
import { createRouter, type Router, type RouterOptions } from '../../router/index.ts';
import { startHttpTransport } from '../../router/transports/http-server.ts';
import type { HttpTransportConfig, RealmConfig, TransportAuthConfig, WebSocketServiceConfig } from '../../shared/config/types.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';
import { openRealm } from './router-fixtures.ts';

export interface TestRouterConfig {
  /** @default one realm 'realm1' whose 'anonymous' role may do everything */
  readonly realms?: readonly RealmConfig[];
  /** Auth block of the main service at `/ws`; undefined = anonymous only (Crossbar rule). */
  readonly auth?: TransportAuthConfig;
  /** More WebSocket services on the same listener, e.g. `{ path: '/ws-dynamic', auth: {…} }`. */
  readonly services?: readonly { readonly path: string; readonly auth?: TransportAuthConfig }[];
  /** @default all three */
  readonly serializers?: readonly SerializerId[];
  readonly router?: Omit<RouterOptions, 'realms'>;
}

export interface TestRouter {
  readonly router: Router;
  readonly port: number;
  /** ws://127.0.0.1:PORT/ws */
  readonly url: string;
  /** ws://127.0.0.1:PORT<path> */
  urlFor(path: string): string;
  close(): Promise<void>;
}

function service(path: string, auth: TransportAuthConfig | undefined, serializers: readonly SerializerId[]): WebSocketServiceConfig {
  return {
    type: 'websocket',
    path,
    serializers,
    options: { maxMessageSize: 16 * 1024 * 1024, autoPingInterval: 0, autoPingTimeout: 10_000 },
    ...(auth === undefined ? {} : { auth }),
  };
}

export async function startTestRouter(config: TestRouterConfig = {}): Promise<TestRouter> {
  const serializers = config.serializers ?? ['json', 'msgpack', 'cbor'];
  const router = createRouter({ ...config.router, realms: config.realms ?? [openRealm()] });
  const transport: HttpTransportConfig = {
    type: 'http',
    endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
    services: [
      service('/ws', config.auth, serializers),
      ...(config.services ?? []).map((s) => service(s.path, s.auth, serializers)),
    ],
  };
  let listener;
  try {
    listener = await startHttpTransport(router, transport);
  } catch (err) {
    await router.close();
    throw err;
  }
  const port = listener.address.port;
  const urlFor = (path: string): string => `ws://127.0.0.1:${port}${path}`;
  return {
    router,
    port,
    url: urlFor('/ws'),
    urlFor,
    close: async () => {
      await router.close();
      await listener.close();
    },
  };
}
