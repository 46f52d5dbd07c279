/**
 * ONE router with every listener, for the transport matrix (test/integration/transport-matrix.test.ts):
 * an http transport on 127.0.0.1:0 with WebSocket at /ws and long-poll at /lp, RawSocket on TCP
 * (127.0.0.1:0) and on a Unix socket in a fresh temporary directory, all started with
 * startTransports from shared/config types and all with the same ticket + WAMP-CRA auth block.
 * The in-process transport attaches with that auth block too (`attachOptions`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRouter, type AttachOptions, type Router } from '../../router/index.ts';
import { deriveKey } from '../../router/auth/crypto.ts';
import { startTransports, type Listener } from '../../router/transports/index.ts';
import type { RealmConfig, TransportAuthConfig, TransportConfig } from '../../shared/config/types.ts';
import { openRole } from './router-fixtures.ts';

export const MATRIX_REALM = 'matrix';
export const USER_ROLE = 'user';
/** Ticket principals (role `user`). */
export const TICKETS = { alice: 'alice-ticket', bob: 'bob-ticket', carol: 'carol-ticket' } as const;
export type TicketUser = keyof typeof TICKETS;
/** A salted WAMP-CRA user: the router stores only the derived key. */
export const CRA_USER = { authid: 'peter', password: 'peter-password', salt: 'matrix-salt' } as const;

const AUTH: TransportAuthConfig = {
  ticket: {
    type: 'static',
    principals: Object.fromEntries(Object.entries(TICKETS).map(([authid, ticket]) => [authid, { ticket, role: USER_ROLE }])),
  },
  wampcra: {
    type: 'static',
    users: { [CRA_USER.authid]: { secret: deriveKey(CRA_USER.password, CRA_USER.salt), role: USER_ROLE, salt: CRA_USER.salt } },
  },
};
const REALM: RealmConfig = { name: MATRIX_REALM, roles: [openRole(USER_ROLE)] };
const SERIALIZERS = ['json', 'msgpack', 'cbor'] as const;

export interface MatrixRouter {
  readonly router: Router;
  /** What `router.attach` gets for in-process clients: the same auth block as the listeners. */
  readonly attachOptions: AttachOptions;
  /** ws://127.0.0.1:PORT/ws */
  readonly websocketUrl: string;
  /** http://127.0.0.1:PORT/lp */
  readonly longpollUrl: string;
  readonly tcp: { readonly host: string; readonly port: number };
  readonly unix: { readonly path: string };
  close(): Promise<void>;
}

export async function startMatrixRouter(): Promise<MatrixRouter> {
  const dir = await mkdtemp(join(tmpdir(), 'asexor-matrix-'));
  const socketPath = join(dir, 'router.sock');
  const transports: TransportConfig[] = [
    {
      type: 'http',
      endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
      services: [
        {
          type: 'websocket', path: '/ws', serializers: SERIALIZERS, auth: AUTH,
          options: { maxMessageSize: 1024 * 1024, autoPingInterval: 0, autoPingTimeout: 10_000 },
        },
        {
          type: 'longpoll', path: '/lp', serializers: ['json', 'msgpack'], auth: AUTH,
          options: { requestTimeout: 2_000, sessionTimeout: 10_000, maxMessageSize: 1024 * 1024, queueLimitBytes: 4 * 1024 * 1024, allowedOrigins: [] },
        },
      ],
    },
    {
      type: 'rawsocket', endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 }, serializers: SERIALIZERS, auth: AUTH,
      options: { maxMessageSize: 1024 * 1024, maxConnections: 1_000 },
    },
    {
      type: 'rawsocket', endpoint: { type: 'unix', path: socketPath }, serializers: SERIALIZERS, auth: AUTH,
      options: { maxMessageSize: 1024 * 1024, maxConnections: 1_000 },
    },
  ];
  // One router for every transport: its wrong-login scenarios from 127.0.0.1 would reach the
  // failed-login throttle (router/auth/login-throttle.ts), which test/integration/login-throttle.test.ts covers.
  const router = createRouter({ realms: [REALM], loginThrottle: false });
  let listeners: Listener[];
  try {
    listeners = await startTransports(router, transports);
  } catch (err) {
    await router.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const [http, tcp] = listeners as [Listener, Listener, Listener];
  return {
    router,
    attachOptions: { auth: AUTH },
    websocketUrl: http.url('/ws', 'ws'),
    longpollUrl: http.url('/lp'),
    tcp: { host: tcp.address.host, port: tcp.address.port },
    unix: { path: socketPath },
    close: async () => {
      await router.close();
      await Promise.all(listeners.map((listener) => listener.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
