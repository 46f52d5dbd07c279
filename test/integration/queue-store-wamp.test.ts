/**
 * The shared PostgreSQL queue end to end (docs/queue-store.md): a router in this process, three
 * `asexor worker --url` processes with `asexor.store` of type postgres and ASEXOR_PG_URL, clients over
 * the real WebSocket, events read on the owners' status topics. The tasks (test/fixtures/tasks/shared-queue.ts)
 * run inside the worker processes and name their pid, so the test knows which worker ran what.
 * - long and short tasks mixed: the short ones go to the idle workers, none waits behind a long one;
 * - a worker killed with SIGKILL mid-task: every accepted task still ends with exactly one terminal
 *   event, the killed worker's with ERR_WORKER_LOST from a survivor once its lease ran out;
 * - a progressive call gets its task's events and result whichever worker runs it; cancel, status and
 *   history answer from any worker.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Client as PgClient } from 'pg';
import type { ClientSession } from '../../cli/client.ts';
import type { AbResult, Dict } from '../../shared/autobahn.ts';
import { legacyDefaults } from '../../shared/legacy/settings.ts';
import { describeWithTool } from '../helpers/external-tool.ts';
import { POSTGRES_TOOL, startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import type { TestRouter } from '../helpers/start-router.ts';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { expectNothingWithin, waitFor } from '../helpers/wait-for.ts';
import { joinAs, subscribeStatus, terminalOf, wampError, type EventLog } from '../helpers/worker-clients.ts';
import { startRouterForWorkers, startWorkerProcess, stopWorkerProcess, type WorkerProcess } from '../helpers/worker-processes.ts';

const TASKS = fileURLToPath(new URL('../fixtures/tasks/shared-queue.ts', import.meta.url));
const TERMINAL = new Set(['success', 'error', 'cancelled', 'timeout']);
const LEASE_MS = 1500;

/** A worker's queue gauges: waiting tasks (all priorities) and running tasks. */
async function queueGauges(worker: WorkerProcess): Promise<{ queued: number; running: number }> {
  const response = await fetch(worker.metricsUrl);
  expect(response.status, 'the scrape answers').to.equal(200);
  const text = await response.text();
  const values = (name: string): number[] => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => Number(m[1]));
  return { queued: values('asexor_worker_queued_tasks').reduce((a, b) => a + b, 0), running: values('asexor_worker_running_tasks')[0] ?? NaN };
}

function terminalsOf(log: EventLog, id: unknown): Dict[] {
  return log.events.filter((e) => e['task_id'] === id && TERMINAL.has(String(e['status'])));
}

/** The pid a running `hold` task reported as its progress message. */
function pidOf(log: EventLog, id: unknown): number | undefined {
  const progress = log.events.find((e) => e['task_id'] === id && e['status'] === 'progress');
  const message = progress?.['message'];
  return typeof message === 'string' ? Number(message.replace('pid ', '')) : undefined;
}

describeWithTool(POSTGRES_TOOL.present, POSTGRES_TOOL.name, POSTGRES_TOOL.install)('the shared PostgreSQL queue behind a router (asexor worker processes)', function () {
  this.timeout(60_000);
  let pg: TestPostgres;
  let schemas = 0;
  let dir = '';
  let router: TestRouter;
  let workers: WorkerProcess[] = [];
  let clients: ClientSession[] = [];

  before(async () => { pg = await startPostgres(); });
  after(async () => { await pg.stop(); });

  /** The `asexor.store` section of this test's workers: a schema of its own. */
  function storeSection(): Dict {
    return { type: 'postgres', schema: `wamp${String(schemas)}`, leaseMs: LEASE_MS, heartbeatMs: 300 };
  }

  /** Workers with one slot each, on a schema of this test's own, joined to `url`. */
  async function startWorkers(count: number, url = router.url, newSchema = true, extra: Dict = {}): Promise<WorkerProcess[]> {
    if (newSchema) schemas += 1;
    const config = path.join(dir, 'worker.json');
    await writeFile(config, JSON.stringify({
      asexor: { tasksModule: TASKS, filesDir: 'files', concurrency: 1, perUser: { maxRunning: 3 }, store: storeSection(), metrics: { listen: { port: 0 } }, ...extra },
    }));
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'ASEXOR_STORE')), ASEXOR_PG_URL: pg.url };
    const started = await Promise.all(Array.from({ length: count }, () => startWorkerProcess({ url, config, env, metrics: true })));
    for (const worker of started) expect(worker.store, 'the store its start-up line names').to.equal('postgres');
    workers.push(...started);
    return started;
  }

  async function join(user: 'alice' | 'bob' | 'root'): Promise<ClientSession> {
    const client = await joinAs(router.url, user);
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-shared-queue-'));
    router = await startRouterForWorkers();
  });

  afterEach(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(workers.map((w) => stopWorkerProcess(w, 'SIGTERM')));
    await router.close();
    await rm(dir, { recursive: true, force: true });
    workers = [];
    clients = [];
  });

  it('three workers, long and short tasks mixed: the short ones run on the idle workers, never behind a long one', async () => {
    const three = await startWorkers(3);
    const [alice, bob] = [await join('alice'), await join('bob')];
    const [aliceLog, bobLog] = [await subscribeStatus(alice), await subscribeStatus(bob)];
    const longs = [await alice.call('asexor.task.hold', [3000]), await bob.call('asexor.task.hold', [3000])];
    await Promise.all([aliceLog.waitFor((e) => e['task_id'] === longs[0] && e['status'] === 'progress'), bobLog.waitFor((e) => e['task_id'] === longs[1] && e['status'] === 'progress')]);
    const shorts = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? alice : bob).call('asexor.task.hold', [50])));
    const logOf = (i: number): EventLog => (i % 2 === 0 ? aliceLog : bobLog);
    const shortEnds = await Promise.all(shorts.map((id, i) => terminalOf(logOf(i), id, 20_000)));
    const longEnds = await Promise.all([terminalOf(aliceLog, longs[0], 20_000), terminalOf(bobLog, longs[1], 20_000)]);

    const longPids = new Set([pidOf(aliceLog, longs[0]), pidOf(bobLog, longs[1])]);
    expect(longPids.size, 'the two long tasks run on two workers').to.equal(2);
    const idle = three.map((w) => w.pid).filter((pid) => !longPids.has(pid));
    const firstLongEnd = Math.min(...longEnds.map((e) => Date.parse(String(e['at']))));
    for (const [i, end] of shortEnds.entries()) {
      expect(end, `short task ${String(i)}`).to.include({ status: 'success' });
      expect((end['result'] as Dict)['pid'], 'a short task ran on the idle worker').to.be.oneOf(idle);
      expect(Date.parse(String(end['at'])), 'a short task ended before the long ones').to.be.below(firstLongEnd);
    }
    expect(terminalsOf(aliceLog, longs[0])).to.have.length(1);
    expect(terminalsOf(bobLog, longs[1])).to.have.length(1);
    for (const [i, id] of shorts.entries()) expect(terminalsOf(logOf(i), id)).to.have.length(1);
    // Status and history from any worker (control calls go round-robin): each is asked three times.
    for (let round = 0; round < 3; round++) {
      expect(await alice.call('asexor.control.status', [longs[0]])).to.include({ status: 'success' });
      const history = await bob.call('asexor.control.history') as Dict[];
      expect(history.map((e) => e['task_id'])).to.have.members([longs[1], ...shorts.filter((_, i) => i % 2 === 1)]);
    }
  });

  it('a worker killed mid-task: every accepted task ends with exactly one terminal event, the lost one with ERR_WORKER_LOST', async () => {
    await startWorkers(3);
    const alice = await join('alice');
    const log = await subscribeStatus(alice);
    const longs = [await alice.call('asexor.task.hold', [2500]), await alice.call('asexor.task.hold', [2500]), await alice.call('asexor.task.hold', [2500])];
    await Promise.all(longs.map((id) => log.waitFor((e) => e['task_id'] === id && e['status'] === 'progress')));
    const waiting = await Promise.all(Array.from({ length: 6 }, () => alice.call('asexor.task.hold', [30])));
    const rerun = await alice.call('asexor.task.hold_rerun', [30]);
    const victimPid = pidOf(log, longs[0]);
    const victim = workers.find((w) => w.pid === victimPid);
    if (victim === undefined) throw new Error(`no worker with pid ${String(victimPid)}`);
    await stopWorkerProcess(victim, 'SIGKILL');

    const lost = await terminalOf(log, longs[0], 20_000);
    expect(lost).to.include({ status: 'error' });
    expect((lost['error'] as Dict)['code']).to.equal('ERR_WORKER_LOST');
    const survivors = workers.filter((w) => w !== victim).map((w) => w.pid);
    for (const id of [...longs.slice(1), ...waiting, rerun]) {
      const end = await terminalOf(log, id, 20_000);
      expect(end, String(id)).to.include({ status: 'success' });
      expect((end['result'] as Dict)['pid']).to.be.oneOf(survivors);
    }
    // Nothing more comes: no second terminal event for any task.
    await expectNothingWithin(LEASE_MS / 3);
    for (const id of [...longs, ...waiting, rerun]) expect(terminalsOf(log, id), String(id)).to.have.length(1);
    // The killed worker is no longer counted once its lease ran out: two workers of one slot each.
    const admin = await join('root');
    expect(await admin.call('asexor.control.stats')).to.include({ queued: 0, running: 0, workers: 2, concurrency: 2 });
  });

  it('a progressive call gets its task\'s progress and result whichever worker runs it', async () => {
    const two = await startWorkers(2);
    const alice = await join('alice');
    // One worker is busy with a long task: the calls it accepts (round-robin: every other one) run on the other.
    const log = await subscribeStatus(alice);
    const long = await alice.call('asexor.task.hold', [20_000]);
    await log.waitFor((e) => e['task_id'] === long && e['status'] === 'progress');
    const calls = Array.from({ length: 6 }, () => {
      const progress: Dict[] = [];
      const result = alice.call('asexor.task.hold', [200], {}, { receive_progress: true }, (r) => { progress.push((r as AbResult).kwargs); });
      return { progress, result: result as Promise<AbResult> };
    });
    let elsewhere = 0;
    for (const call of calls) {
      const final = (await call.result).kwargs;
      expect(final).to.include({ status: 'success' });
      const ranOn = two.find((w) => w.pid === (final['result'] as Dict)['pid']);
      const acceptedBy = two.find((w) => String(final['task_id']).startsWith(w.id));
      expect(ranOn, 'ran on one of the workers').not.to.equal(undefined);
      if (ranOn !== acceptedBy) elsewhere += 1;
      expect(call.progress.map((e) => e['status'])).to.deep.equal(['queued', 'started', 'progress']);
      expect(call.progress.find((e) => e['status'] === 'progress')).to.include({ message: `pid ${String(ranOn?.pid)}` });
    }
    expect(elsewhere, 'the calls the busy worker accepted ran on the other').to.be.at.least(3);
    expect(await alice.call('asexor.control.cancel', [long])).to.equal('running');
  });

  it('the original ASEXOR WAMP API: run_task\'s updates reach the calling session whichever worker runs the task', async () => {
    const two = await startWorkers(2, router.url, true, { legacy: { wampApi: { enabled: true } } });
    const alice = await join('alice');
    const log = await subscribeStatus(alice);
    const updates: { taskId: unknown; status: unknown }[] = [];
    await alice.session.subscribe(legacyDefaults.wampApi.topic, (args, kwargs) => { updates.push({ taskId: args[0], status: kwargs['status'] }); });
    // One worker is busy: the run_task calls it accepts (every other one) run on the other.
    const long = await alice.call('asexor.task.hold', [20_000]);
    await log.waitFor((e) => e['task_id'] === long && e['status'] === 'progress');
    const ids = await Promise.all(Array.from({ length: 4 }, () => alice.call(legacyDefaults.wampApi.procedure, ['hold', 100])));
    const ends = await Promise.all(ids.map((id) => terminalOf(log, id, 15_000)));
    await waitFor(() => ids.every((id) => updates.some((u) => u.taskId === id && u.status === 'success')), 'a success update of every task');
    for (const id of ids) expect(updates.filter((u) => u.taskId === id).map((u) => u.status), String(id)).to.deep.equal(['started', 'progress', 'success']);
    const elsewhere = ends.filter((end) => !String(end['task_id']).startsWith(two.find((w) => w.pid === (end['result'] as Dict)['pid'])?.id ?? '-'));
    expect(elsewhere.length, 'the tasks the busy worker accepted ran on the other').to.be.at.least(2);
    expect(await alice.call('asexor.control.cancel', [long])).to.equal('running');
  });

  it('cancel from any worker: a running task is stopped where it runs, a waiting one ends at once, each with one terminal event', async () => {
    await startWorkers(2);
    const [alice, bob] = [await join('alice'), await join('bob')];
    const log = await subscribeStatus(alice);
    const running = [await alice.call('asexor.task.hold', [20_000]), await alice.call('asexor.task.hold', [20_000])];
    await Promise.all(running.map((id) => log.waitFor((e) => e['task_id'] === id && e['status'] === 'progress')));
    // Every worker answers a running task's progress (recorded in the store within a second): asked on both in turn.
    const ranOn = pidOf(log, running[0]);
    for (let answered = 0, deadline = Date.now() + 5000; answered < 2;) {
      const status = await alice.call('asexor.control.status', [running[0]]) as Dict;
      answered = status['status'] === 'progress' ? answered + 1 : 0;
      if (answered === 2) expect(status).to.include({ progress: 0.5, message: `pid ${String(ranOn)}` });
      if (Date.now() > deadline) throw new Error(`no worker answered the progress: ${JSON.stringify(status)}`);
      if (answered === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const queued = await alice.call('asexor.task.hold', [10]);
    expect(await alice.call('asexor.control.status', [queued])).to.include({ status: 'queued' });
    // The queue gauges of every worker are the shared queue's.
    for (const worker of workers) expect(await queueGauges(worker)).to.deep.equal({ queued: 1, running: 2 });
    expect(await alice.call('asexor.control.stats'), 'the slots of both workers; the worker count for admins only').to.include({ queued: 1, running: 2, concurrency: 2 })
      .and.not.have.property('workers');
    expect((await wampError(bob.call('asexor.control.cancel', [running[0]]))).kwargs['code']).to.equal('ERR_NO_SUCH_TASK_ID');
    expect(await alice.call('asexor.control.cancel', [queued])).to.equal('queued');
    expect(await terminalOf(log, queued)).to.include({ status: 'cancelled' });
    for (const id of running) expect(await alice.call('asexor.control.cancel', [id])).to.equal('running');
    for (const id of running) expect(await terminalOf(log, id, 10_000)).to.include({ status: 'cancelled' });
    const again = await wampError(alice.call('asexor.control.cancel', [running[0]]));
    expect(again.kwargs['code']).to.equal('ERR_TASK_ALREADY_FINISHED');
    for (const id of [...running, queued]) expect(terminalsOf(log, id)).to.have.length(1);
    const tasks = await alice.call('asexor.control.tasks');
    expect(tasks).to.deep.equal([]);
  });

  it('PostgreSQL refusing connections: calls get ERR_STORE_UNAVAILABLE, the workers keep serving and carry on once it is back', async () => {
    await startWorkers(2);
    const alice = await join('alice');
    const log = await subscribeStatus(alice);
    const before = await alice.call('asexor.task.hold', [10]);
    await terminalOf(log, before);
    const { database } = pg.connection;
    const outside = new PgClient({ ...pg.connection, database: 'template1' });
    await outside.connect();
    await outside.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    try {
      await outside.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
      const calls = [(): Promise<unknown> => alice.call('asexor.task.hold', [10]), () => alice.call('asexor.control.status', [before]), () => alice.call('asexor.control.history')];
      for (const call of calls) {
        const error = await wampError(call());
        expect(error.error).to.equal('asexor.error.internal');
        expect(error.kwargs).to.include({ code: 'ERR_STORE_UNAVAILABLE' });
        expect(error.args[0]).to.match(/^the shared task queue "postgresql:.*" cannot be used now/);
      }
      expect(await alice.call('asexor.control.list'), 'the workers still serve what needs no queue').to.be.an('array').that.is.not.empty;
      // The scrape still answers; the queue's counts are unknown.
      const gauges = await queueGauges(workers[0]!);
      expect(Number.isNaN(gauges.queued) && Number.isNaN(gauges.running), JSON.stringify(gauges)).to.equal(true);
    } finally {
      await outside.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await outside.end();
    }
    const after = await alice.call('asexor.task.hold', [10]);
    expect(await terminalOf(log, after, 15_000)).to.include({ status: 'success' });
    expect(await alice.call('asexor.control.status', [before])).to.include({ status: 'success' });
    for (const worker of workers) expect(worker.proc.exitCode, 'no worker exited').to.equal(null);
  });

  it('asexor serve\'s embedded worker shares the queue with a remote worker joined to its router', async () => {
    schemas += 1;
    // The server runs in this process, whose environment the suite set to ASEXOR_STORE=memory.
    const saved = { store: process.env['ASEXOR_STORE'], url: process.env['ASEXOR_PG_URL'] };
    delete process.env['ASEXOR_STORE'];
    process.env['ASEXOR_PG_URL'] = pg.url;
    let server: TestServer;
    try {
      server = await startTestServer({ asexor: { tasksModule: TASKS, concurrency: 1, perUser: { maxRunning: 3 }, store: storeSection() } });
    } finally {
      if (saved.store === undefined) delete process.env['ASEXOR_STORE'];
      else process.env['ASEXOR_STORE'] = saved.store;
      if (saved.url === undefined) delete process.env['ASEXOR_PG_URL'];
      else process.env['ASEXOR_PG_URL'] = saved.url;
    }
    try {
      const [remote] = await startWorkers(1, server.url, false);
      const alice = await joinAs(server.url, 'alice');
      clients.push(alice);
      const log = await subscribeStatus(alice);
      const ids = await Promise.all(Array.from({ length: 4 }, () => alice.call('asexor.task.hold', [400])));
      const ends = await Promise.all(ids.map((id) => terminalOf(log, id, 20_000)));
      const pids = new Set(ends.map((end) => (end['result'] as Dict)['pid']));
      expect(pids, 'both the server\'s worker and the remote one ran tasks').to.deep.equal(new Set([process.pid, remote?.pid]));
      for (const id of ids) expect(terminalsOf(log, id)).to.have.length(1);
    } finally {
      await Promise.allSettled(clients.splice(0).map((c) => c.close()));
      await Promise.allSettled(workers.splice(0).map((w) => stopWorkerProcess(w, 'SIGTERM')));
      await server.close();
    }
  });
});
