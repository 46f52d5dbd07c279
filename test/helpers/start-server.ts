/**
 * Start the real `serve` stack (cli/server.ts: embedded router, in-process worker, WebSocket
 * transport) on 127.0.0.1, port 0, with test users and the tasks of test/helpers/worker-tasks.ts.
 * The `user` role is decided by the worker's dynamic authorizer, as in crossbar-config/config.json.
 * `close()` stops the server and removes the temporary files folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpTransportConfig, LongPollOptions, PermissionConfig, RouterConfig, WebServiceConfig } from '../../shared/config/types.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { startServer, type Server } from '../../cli/server.ts';

export const REALM = 'asexor';
export const TASKS_MODULE = fileURLToPath(new URL('./worker-tasks.ts', import.meta.url));

/** Ticket principals; `worker` is for remote workers. */
export const USERS = {
  alice: { ticket: 'alice-ticket', role: 'user' },
  bob: { ticket: 'bob-ticket', role: 'user' },
  root: { ticket: 'root-ticket', role: 'admin' },
  worker: { ticket: 'worker-ticket', role: 'worker' },
  /** A role with no permissions at all (checks of what a role may not do). */
  guest: { ticket: 'guest-ticket', role: 'guest' },
} as const;
export type UserName = keyof typeof USERS;
/** A WAMP-CRA user (role user). */
export const CRA_USER = { authid: 'carol', secret: 'carol-secret' } as const;

function allow(uri: string, actions: Partial<PermissionConfig['allow']>): PermissionConfig {
  return {
    uri, match: 'prefix', cache: false, disclose: { caller: true, publisher: false },
    allow: { call: false, register: false, publish: false, subscribe: false, ...actions },
  };
}

/** The router half of a config like crossbar-config/config.json, on `port`. */
export function testRouterConfig(port = 0): RouterConfig {
  return {
    realms: [{
      name: REALM,
      roles: [
        { name: 'user', authorizer: 'asexor.auth.authorize' },
        { name: 'worker', permissions: [
          allow('asexor.task.', { register: true }), allow('asexor.control.', { register: true }), allow('asexor.files.', { register: true }),
          allow('asexor.auth.', { register: true }), allow('asexor.status.', { publish: true, subscribe: true }),
          allow('asexor.worker.', { call: true, register: true, publish: true, subscribe: true }),
          { ...allow('wamp.session.on_leave', { subscribe: true }), match: 'exact' },
          // The original ASEXOR's WAMP API (docs/legacy-wamp-api.md), served only when enabled.
          allow('eu.zderadicka.asexor.run_task', { register: true }), allow('eu.zderadicka.asexor.task_update', { publish: true }),
        ] },
        { name: 'admin', permissions: [allow('', { call: true, register: true, publish: true, subscribe: true })] },
        { name: 'guest', permissions: [] },
      ],
    }],
    transports: [{
      type: 'http',
      endpoint: { type: 'tcp', interface: '127.0.0.1', port },
      services: [{
        type: 'websocket', path: '/ws', serializers: ['json', 'msgpack', 'cbor'],
        options: { maxMessageSize: 16 * 1024 * 1024, autoPingInterval: 0, autoPingTimeout: 10_000 },
        auth: {
          ticket: { type: 'static', principals: USERS },
          wampcra: { type: 'static', users: { [CRA_USER.authid]: { secret: CRA_USER.secret, role: 'user' } } },
        },
      }],
    }],
  };
}

export interface TestServer {
  readonly server: Server;
  readonly port: number;
  /** ws://127.0.0.1:PORT/ws */
  readonly url: string;
  /** http://127.0.0.1:PORT (no trailing slash) */
  readonly origin: string;
  readonly filesDir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Worker settings merged over the test defaults (tasks module, temporary files folder, concurrency 2). */
  readonly asexor?: Readonly<Record<string, unknown>>;
  readonly logger?: Logger;
  /**
   * Also serve WAMP over HTTP long-poll at /lp (json and msgpack) with the users of /ws, like
   * shared/config/defaults.ts; these options override the test defaults (10 s request timeout,
   * 30 s session timeout, same-origin only).
   */
  readonly longPoll?: Partial<LongPollOptions>;
  /** More services on the same listener, after /ws and /lp (e.g. static folders). */
  readonly services?: readonly WebServiceConfig[];
}

/** testRouterConfig() with the long-poll path and the extra services of `options`. */
function withServices(config: RouterConfig, options: TestServerOptions): RouterConfig {
  if (options.longPoll === undefined && options.services === undefined) return config;
  const [http, ...rest] = config.transports as [HttpTransportConfig, ...RouterConfig['transports']];
  const ws = http.services.find((s) => s.type === 'websocket');
  const longPoll: WebServiceConfig[] = options.longPoll === undefined ? [] : [{
    type: 'longpoll', path: '/lp', serializers: ['json', 'msgpack'],
    options: {
      requestTimeout: 10_000, sessionTimeout: 30_000, maxMessageSize: 16 * 1024 * 1024, queueLimitBytes: 4 * 1024 * 1024,
      allowedOrigins: [], ...options.longPoll,
    },
    ...(ws?.auth ? { auth: ws.auth } : {}),
  }];
  return { ...config, transports: [{ ...http, services: [...http.services, ...longPoll, ...(options.services ?? [])] }, ...rest] };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-files-'));
  let server: Server;
  try {
    server = await startServer({
      router: withServices(testRouterConfig(), options),
      asexor: { tasksModule: TASKS_MODULE, filesDir, concurrency: 2, ...options.asexor },
      baseDir: process.cwd(),
      logger: options.logger ?? silentLogger(),
    });
  } catch (error) {
    await rm(filesDir, { recursive: true, force: true });
    throw error;
  }
  const port = server.listeners[0]?.address.port ?? 0;
  return {
    server, port, url: `ws://127.0.0.1:${port}/ws`, origin: `http://127.0.0.1:${port}`, filesDir,
    close: async () => {
      await server.close();
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}
