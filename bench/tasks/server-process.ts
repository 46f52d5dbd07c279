/**
 * The server under test, alone in its process: the real `serve` stack (cli/server.ts: embedded router,
 * in-process worker with its spawner process, WebSocket transport) on 127.0.0.1, an ephemeral port,
 * path /ws, realm `asexor`, the tasks of bench/tasks/bench-tasks.ts (the shipped `date` and `sleep`).
 * Principals: ticket user `bench` (role `user`, decided by the worker's dynamic authorizer, as in
 * crossbar-config/config.json) and anonymous sessions (role `anonymous`, no permissions).
 * The spawner path is the worker's own choice: the orchestrator only sets ASEXOR_SPAWNER in this
 * process's environment. The `listening` report carries the spawner's pid and path when the worker
 * exposes its TaskRunner (`runner.spawnerPid`, `runner.backend`); else the orchestrator finds them in /proc.
 * Bench-only hook over the IPC channel (never over WAMP): `memory` forces GC when started with
 * --expose-gc, then reports RSS / heapUsed / joined sessions.
 * Usage (forked by index.ts): server-process.ts [--concurrency N] [--max-queued N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PermissionConfig, RouterConfig } from '../../shared/config/types.ts';
import { silentLogger } from '../../shared/logger.ts';
import { startServer } from '../../cli/server.ts';
import { serveParent, sleep } from '../router/protocol.ts';
import type { Report } from '../router/protocol.ts';
import { BENCH_REALM, BENCH_USER } from './bench-user.ts';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string' },
    'max-queued': { type: 'string', default: '1000000' },
  },
  strict: true,
});

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

const maxQueued = positiveInt('max-queued', values['max-queued']) ?? 1_000_000;
const concurrency = positiveInt('concurrency', values.concurrency);

function allow(uri: string, actions: Partial<PermissionConfig['allow']>): PermissionConfig {
  return {
    uri, match: 'prefix', cache: true, disclose: { caller: false, publisher: false },
    allow: { call: false, register: false, publish: false, subscribe: false, ...actions },
  };
}

const routerConfig: RouterConfig = {
  realms: [{
    name: BENCH_REALM,
    roles: [
      { name: 'user', authorizer: 'asexor.auth.authorize' },
      { name: 'worker', permissions: [
        allow('asexor.task.', { register: true }), allow('asexor.control.', { register: true }),
        allow('asexor.auth.', { register: true }), allow('asexor.status.', { publish: true }),
      ] },
      { name: 'anonymous', permissions: [] },
    ],
  }],
  transports: [{
    type: 'http',
    endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
    services: [{
      type: 'websocket', path: '/ws', serializers: ['json', 'msgpack', 'cbor'],
      // No keep-alive pings: 5,000 idle sessions would otherwise add timer noise.
      options: { maxMessageSize: 16 * 1024 * 1024, autoPingInterval: 0, autoPingTimeout: 10_000 },
      auth: {
        ticket: { type: 'static', principals: { [BENCH_USER.authid]: { ticket: BENCH_USER.ticket, role: 'user' } } },
        anonymous: { type: 'static', role: 'anonymous' },
      },
    }],
  }],
};

const filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-bench-files-'));
const server = await startServer({
  router: routerConfig,
  asexor: {
    tasksModule: fileURLToPath(new URL('bench-tasks.ts', import.meta.url)),
    filesDir,
    ...(concurrency === undefined ? {} : { concurrency }),
    maxQueued,
    perUser: { maxQueued },
    shutdown: 'cancel',
  },
  baseDir: process.cwd(),
  logger: silentLogger(),
});

async function memory(): Promise<Report> {
  const gc = globalThis.gc;
  // Several full collections with turns of the loop between them, so finalizers and weak callbacks run.
  for (let i = 0; gc !== undefined && i < 4; i += 1) {
    gc();
    await sleep(20);
  }
  const usage = process.memoryUsage();
  return { evt: 'memory', rss: usage.rss, heapUsed: usage.heapUsed, sessions: server.router.sessionCount };
}

/** The worker's TaskRunner facts, if the Worker exposes its runner (a probe: that API is being added). */
function spawnerInfo(): { spawnerPid?: number; spawner?: string } {
  const runner: unknown = Reflect.get(server.worker, 'runner');
  if (typeof runner !== 'object' || runner === null) return {};
  const pid: unknown = Reflect.get(runner, 'spawnerPid');
  const backend: unknown = Reflect.get(runner, 'backend');
  return { ...(typeof pid === 'number' ? { spawnerPid: pid } : {}), ...(typeof backend === 'string' ? { spawner: backend } : {}) };
}

serveParent(
  () => {
    const first = server.listeners[0];
    if (!first) throw new Error('startServer returned no listener');
    return Promise.resolve({ evt: 'listening', url: first.url('/ws', 'ws'), ...spawnerInfo() });
  },
  (command) => {
    if (command.cmd === 'memory') return memory();
    throw new Error(`server: unsupported command ${command.cmd}`);
  },
  async () => {
    try {
      await server.close();
    } finally {
      await rm(filesDir, { recursive: true, force: true });
    }
  },
);
