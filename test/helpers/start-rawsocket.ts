/**
 * A real router (startTestRouter: WebSocket at /ws on 127.0.0.1, port 0) that also listens for
 * RawSocket on TCP (127.0.0.1, port 0) and on a Unix socket in a fresh temporary directory.
 * `close()` stops the router, every listener, and removes the directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoint, RawSocketTransportConfig } from '../../shared/config/types.ts';
import { startRawSocketTransport, type RawSocketListener, type RawSocketTuning } from '../../router/transports/rawsocket.ts';
import { startTestRouter, type TestRouter, type TestRouterConfig } from './start-router.ts';
import type { RawSocketEndpoint } from './transports/rawsocket.ts';

export interface RawSocketRouterConfig extends TestRouterConfig {
  /** @default 16 MiB */
  readonly maxMessageSize?: number;
  /** Per listener. @default 10_000 */
  readonly maxConnections?: number;
  readonly tuning?: RawSocketTuning;
}

export interface RawSocketTestRouter extends TestRouter {
  readonly tcp: { readonly host: string; readonly port: number };
  readonly unix: { readonly path: string };
  readonly tcpListener: RawSocketListener;
  readonly unixListener: RawSocketListener;
  /** Both RawSocket endpoints, for tests run over each. */
  readonly rawsocket: readonly { readonly name: 'tcp' | 'unix'; readonly endpoint: RawSocketEndpoint }[];
}

export async function startRawSocketRouter(config: RawSocketRouterConfig = {}): Promise<RawSocketTestRouter> {
  const base = await startTestRouter(config);
  const dir = await mkdtemp(join(tmpdir(), 'asexor-rawsocket-'));
  const transport = (endpoint: Endpoint): RawSocketTransportConfig => ({
    type: 'rawsocket',
    endpoint,
    serializers: config.serializers ?? ['json', 'msgpack', 'cbor'],
    options: { maxMessageSize: config.maxMessageSize ?? 16 * 1024 * 1024, maxConnections: config.maxConnections ?? 10_000 },
    ...(config.auth === undefined ? {} : { auth: config.auth }),
  });
  const deps = config.tuning === undefined ? {} : { rawsocket: config.tuning };
  const started: RawSocketListener[] = [];
  try {
    started.push(await startRawSocketTransport(base.router, transport({ type: 'tcp', interface: '127.0.0.1', port: 0 }), deps));
    started.push(await startRawSocketTransport(base.router, transport({ type: 'unix', path: join(dir, 'router.sock') }), deps));
  } catch (err) {
    await base.close();
    await Promise.all(started.map((listener) => listener.close()));
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const [tcpListener, unixListener] = started as [RawSocketListener, RawSocketListener];
  const tcp = { host: tcpListener.address.host, port: tcpListener.address.port };
  const unix = { path: join(dir, 'router.sock') };
  return {
    ...base,
    tcp,
    unix,
    tcpListener,
    unixListener,
    rawsocket: [{ name: 'tcp', endpoint: tcp }, { name: 'unix', endpoint: unix }],
    close: async () => {
      await base.close();
      await Promise.all(started.map((listener) => listener.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
