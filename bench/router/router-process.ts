/**
 * The router under test, alone in its process: the embedded router (createRouter) behind the
 * WebSocket transport (startTransports) on 127.0.0.1, an ephemeral port, path /ws, with WAMP
 * long-poll at /lp on the same port, and RawSocket on TCP (127.0.0.1, ephemeral port) and on a
 * Unix socket in a temporary directory. Reports every URL,
 * and on `memory` forces GC (needs --expose-gc; not with `gc: false`) and reports RSS, heap and
 * joined sessions. With --idle-gc it runs the idle GC of `asexor router` (cli/idle-gc.ts), so that
 * its RSS is what an operator would see.
 * Usage (forked by index.ts): router-process.ts [--realm realm1] [--idle-gc [--idle-gc-check-ms MS]]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { createRouter } from '../../router/index.ts';
import { startTransports } from '../../router/transports/index.ts';
import { silentLogger } from '../../shared/logger.ts';
import { startIdleGc } from '../../cli/idle-gc.ts';
import type { Endpoint, HttpTransportConfig, RawSocketTransportConfig, RealmConfig } from '../../shared/config/types.ts';
import { serveParent, sleep } from './protocol.ts';
import type { Report } from './protocol.ts';

const { values } = parseArgs({
  options: {
    realm: { type: 'string', default: 'realm1' }, 'idle-gc': { type: 'boolean', default: false },
    'idle-gc-check-ms': { type: 'string' },
  },
  strict: true,
});

const ALLOW_ALL = { call: true, register: true, publish: true, subscribe: true } as const;
const realm: RealmConfig = {
  name: values.realm,
  roles: [{
    name: 'anonymous',
    permissions: [{ uri: 'bench.', match: 'prefix', allow: ALLOW_ALL, disclose: { caller: false, publisher: false }, cache: true }],
  }],
};
const transport: HttpTransportConfig = {
  type: 'http',
  endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
  services: [{
    type: 'websocket',
    path: '/ws',
    serializers: ['json', 'msgpack', 'cbor'],
    // No keep-alive pings: they would only add timer noise to an idle-memory figure.
    options: { maxMessageSize: 16 * 1024 * 1024, autoPingInterval: 0, autoPingTimeout: 10_000 },
  }, {
    type: 'longpoll',
    path: '/lp',
    serializers: ['json', 'msgpack', 'cbor'],
    options: { requestTimeout: 10_000, sessionTimeout: 30_000, maxMessageSize: 16 * 1024 * 1024, queueLimitBytes: 4 * 1024 * 1024, allowedOrigins: [] },
  }],
};

const socketDir = mkdtempSync(join(tmpdir(), 'asexor-bench-'));
const rawsocket = (endpoint: Endpoint): RawSocketTransportConfig => ({
  type: 'rawsocket', endpoint, serializers: ['json', 'msgpack', 'cbor'], options: { maxMessageSize: 16 * 1024 * 1024, maxConnections: 10_000 },
});

const logger = silentLogger();
const router = createRouter({ realms: [realm], logger });
const listeners = await startTransports(router, [
  transport,
  rawsocket({ type: 'tcp', interface: '127.0.0.1', port: 0 }),
  rawsocket({ type: 'unix', path: join(socketDir, 'router.sock') }),
], { logger });
// As `asexor router` runs it (cli/router-command.ts); a quick bench run checks more often.
const checkMs = values['idle-gc-check-ms'] === undefined ? undefined : Number(values['idle-gc-check-ms']);
const idleGc = values['idle-gc']
  ? startIdleGc({ logger, enabled: true, ...(checkMs === undefined ? {} : { checkMs, firstCheckMs: checkMs }) })
  : undefined;

async function memory(forceGc: boolean): Promise<Report> {
  if (forceGc) {
    const gc = globalThis.gc;
    if (!gc) throw new Error('router-process needs --expose-gc for the memory figure');
    // Several full collections with turns of the loop between them, so finalizers and weak callbacks run.
    for (let i = 0; i < 4; i += 1) {
      gc();
      await sleep(20);
    }
  }
  const usage = process.memoryUsage();
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
  return {
    evt: 'memory', rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external,
    arrayBuffers: usage.arrayBuffers, newSpace, sessions: router.sessionCount,
  };
}

serveParent(
  () => {
    const first = listeners[0];
    if (!first) throw new Error('startTransports returned no listener');
    return Promise.resolve({
      evt: 'listening', url: first.url('/ws', 'ws'), longpollUrl: first.url('/lp'),
      rawsocketUrls: { tcp: listeners[1]?.url('') ?? '', unix: listeners[2]?.url('') ?? '' },
    });
  },
  (command) => {
    if (command.cmd === 'memory') return memory(command.gc ?? true);
    throw new Error(`router: unsupported command ${command.cmd}`);
  },
  async () => {
    idleGc?.stop();
    await router.close();
    await Promise.all(listeners.map((l) => l.close()));
    rmSync(socketDir, { recursive: true, force: true });
  },
);
