/**
 * A remote worker (`startWorker` by URL, as `asexor worker --url` runs it) against a router alone:
 * it registers, survives a router restart on the same port by reconnecting with backoff and
 * registering again, and stops at once when the router refuses its credentials.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createRouter } from '../../router/index.ts';
import { startTransports } from '../../router/transports/index.ts';
import { WorkerJoinError } from '../../shared/errors.ts';
import type { AbResult } from '../../shared/autobahn.ts';
import { resolveWorkerSettings, startWorker, type Worker, type WorkerSettings } from '../../worker/index.ts';
import { TASKS_MODULE, testRouterConfig, USERS } from '../helpers/start-server.ts';
import { recordingLogger } from '../helpers/recording-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { joinAs } from '../helpers/worker-clients.ts';

interface RouterOnly {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** The router and its WebSocket listener, without a worker (like `asexor router`). */
async function startRouterOnly(port = 0): Promise<RouterOnly> {
  const config = testRouterConfig(port);
  const router = createRouter({ realms: config.realms });
  const listeners = await startTransports(router, config.transports);
  const bound = listeners[0]?.address.port ?? 0;
  return {
    port: bound,
    url: `ws://127.0.0.1:${bound}/ws`,
    close: async () => {
      await router.close();
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}

async function runDate(url: string): Promise<unknown> {
  const alice = await joinAs(url, 'alice');
  try {
    const final = await alice.call('asexor.task.date', [], { utc: true }, { receive_progress: true }) as AbResult;
    return final.kwargs['status'];
  } finally {
    await alice.close();
  }
}

describe('remote worker (by URL)', function () {
  this.timeout(20_000);
  let filesDir: string;
  let settings: WorkerSettings;
  let routers: RouterOnly[] = [];
  let worker: Worker | undefined;

  beforeEach(async () => {
    filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-files-'));
    settings = resolveWorkerSettings({ tasksModule: TASKS_MODULE, filesDir, concurrency: 1 }, { baseDir: process.cwd() });
    routers = [];
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    for (const router of routers) await router.close();
    await rm(filesDir, { recursive: true, force: true });
  });

  it('registers again after the router restarts on the same port, and serves calls', async () => {
    const first = await startRouterOnly();
    routers.push(first);
    worker = await startWorker({
      settings, connect: { url: first.url, authid: 'worker', ticket: USERS.worker.ticket }, retry: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    await worker.whenRegistered();
    expect(await runDate(first.url)).to.equal('success');

    const registeredAgain = once(worker.events, 'registered');
    const disconnected = once(worker.events, 'disconnected');
    await first.close();
    routers = [];
    expect((await disconnected)[0]).to.equal('wamp.close.system_shutdown');
    const second = await startRouterOnly(first.port);
    routers.push(second);
    await registeredAgain;
    expect(await runDate(second.url)).to.equal('success');
  });

  it('retries while the router is not up yet', async () => {
    const probe = await startRouterOnly();
    const { port, url } = probe;
    await probe.close();
    const { logger, lines } = recordingLogger('warn');
    worker = await startWorker({ settings, logger, connect: { url, authid: 'worker', ticket: USERS.worker.ticket }, retry: { initialDelayMs: 50, maxDelayMs: 100 } });
    await waitFor(() => lines.filter((line) => line['msg'] === 'worker connection closed; reconnecting').length >= 2, 'two failed connection attempts');
    routers.push(await startRouterOnly(port));
    await worker.whenRegistered();
    expect(await runDate(url)).to.equal('success');
  });

  it('stops with WorkerJoinError when the router refuses its credentials', async () => {
    const router = await startRouterOnly();
    routers.push(router);
    worker = await startWorker({ settings, connect: { url: router.url, authid: 'worker', ticket: 'wrong' }, retry: { initialDelayMs: 50 } });
    let thrown: unknown;
    try {
      await worker.whenRegistered();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(WorkerJoinError);
    expect((thrown as WorkerJoinError).reason).to.match(/^wamp\.error\./);
  });
});
