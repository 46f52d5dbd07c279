/**
 * The original ASEXOR's WAMP API (docs/legacy-wamp-api.md) served by a remote worker (autobahn-js,
 * as `asexor worker --url` runs it) against a router alone: it registers the procedure, and the
 * updates of a running task keep reaching their caller after the worker's session was killed and
 * the worker joined again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { expect } from 'chai';
import { createRouter } from '../../../router/index.ts';
import { startTransports } from '../../../router/transports/index.ts';
import { legacyDefaults } from '../../../shared/legacy/settings.ts';
import type { Dict } from '../../../shared/autobahn.ts';
import { resolveWorkerSettings, startWorker, type Worker } from '../../../worker/index.ts';
import { TASKS_MODULE, testRouterConfig, USERS } from '../../helpers/start-server.ts';
import { joinAs } from '../../helpers/worker-clients.ts';

const { procedure: RUN_TASK, topic: TASK_UPDATE } = legacyDefaults.wampApi;

describe('legacy WAMP API from a remote worker', function () {
  this.timeout(20_000);
  let filesDir: string;
  let closeRouter: () => Promise<void> = () => Promise.resolve();
  let worker: Worker | undefined;
  let url: string;

  before(async () => {
    filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-files-'));
    const config = testRouterConfig();
    const router = createRouter({ realms: config.realms });
    const listeners = await startTransports(router, config.transports);
    url = `ws://127.0.0.1:${listeners[0]?.address.port ?? 0}/ws`;
    closeRouter = async () => {
      await router.close();
      await Promise.all(listeners.map((l) => l.close()));
    };
    const settings = resolveWorkerSettings({ tasksModule: TASKS_MODULE, filesDir, concurrency: 1, legacy: { wampApi: { enabled: true } } }, { baseDir: process.cwd() });
    worker = await startWorker({ settings, connect: { url, authid: 'worker', ticket: USERS.worker.ticket }, retry: { initialDelayMs: 50, maxDelayMs: 100 } });
    await worker.whenRegistered();
  });
  after(async () => {
    await worker?.close();
    await closeRouter();
    await rm(filesDir, { recursive: true, force: true });
  });

  it('keeps sending a running task\'s updates to its caller after the worker joined again', async () => {
    const [alice, root] = await Promise.all([joinAs(url, 'alice'), joinAs(url, 'root')]);
    try {
      const updates: [unknown, Dict][] = [];
      await alice.session.subscribe(TASK_UPDATE, (args, kwargs) => { updates.push([args[0], kwargs]); });
      const taskId = await alice.call(RUN_TASK, ['nap', 1500]);
      const until = async (status: string): Promise<void> => {
        const deadline = Date.now() + 8000;
        while (!updates.some(([id, u]) => id === taskId && u['status'] === status)) {
          if (Date.now() > deadline) throw new Error(`no ${status} update; got ${JSON.stringify(updates)}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      };
      await until('started');
      const [workerSession] = await root.call('wamp.session.list', [['worker']]) as number[];
      if (worker === undefined) throw new Error('the worker did not start');
      const registeredAgain = once(worker.events, 'registered');
      await root.call('wamp.session.kill', [workerSession]);
      await registeredAgain;
      await until('success');
      expect(updates.filter(([id]) => id === taskId).map(([, u]) => u['status'])).to.deep.equal(['started', 'success']);
    } finally {
      await Promise.all([alice.close(), root.close()]);
    }
  });
});
