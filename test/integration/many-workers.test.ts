/**
 * Several workers on one realm (docs/many-workers.md), end to end: a router in this process and two
 * or three `asexor worker --url` processes. Control calls go round-robin, so every question is asked
 * once per worker: status, cancel and history must be right for every id wherever they land. A worker
 * killed with SIGKILL gets its tasks ended by a survivor with ERR_WORKER_LOST, exactly once; a worker
 * that comes back with its journal after that ends those tasks without a second event.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import type { Dict } from '../../shared/autobahn.ts';
import { workerOf } from '../../worker/task-ids.ts';
import { childPids } from '../helpers/cli-fixture.ts';
import type { TestRouter } from '../helpers/start-router.ts';
import { startTestServer, TASKS_MODULE } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf, wampError, type EventLog } from '../helpers/worker-clients.ts';
import { startRouterForWorkers, startWorkerProcess, stopWorkerProcess, type WorkerProcess } from '../helpers/worker-processes.ts';

const TERMINAL = new Set(['success', 'error', 'cancelled', 'timeout']);
const GRACE_MS = 600;

/** Every live descendant of `pid` (task processes and the spawner), to stop what a SIGKILLed worker left. */
async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (let queue = [pid]; queue.length > 0;) {
    const children = (await Promise.all(queue.map((p) => childPids(p)))).flat();
    out.push(...children);
    queue = children;
  }
  return out;
}

function terminalsOf(log: EventLog, id: string): Dict[] {
  return log.events.filter((e) => e['task_id'] === id && TERMINAL.has(String(e['status'])));
}

describe('several workers on one realm (asexor worker processes)', function () {
  this.timeout(60_000);
  let dir = '';
  let router: TestRouter;
  let workers: WorkerProcess[] = [];
  let leftovers: number[] = [];
  let clients: ClientSession[] = [];

  /** `asexor worker --url` with its own config file; a journal file when `journal` is given (else memory). */
  async function startWorker(name: string, journal?: string, url = router.url): Promise<WorkerProcess> {
    const config = path.join(dir, `${name}.json`);
    await writeFile(config, JSON.stringify({
      asexor: {
        tasksModule: TASKS_MODULE, filesDir: 'files', concurrency: 1, historyPerUser: 1000,
        cluster: { lostGraceMs: GRACE_MS, forwardTimeoutMs: 3000 },
        ...(journal === undefined ? {} : { store: { type: 'sqlite', path: journal } }),
      },
    }));
    const env = journal === undefined ? process.env : Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'ASEXOR_STORE'));
    const worker = await startWorkerProcess({ url, config, env, name });
    workers.push(worker);
    return worker;
  }

  async function stopWorker(worker: WorkerProcess, signal: NodeJS.Signals): Promise<void> {
    if (signal === 'SIGKILL' && worker.proc.exitCode === null && worker.proc.signalCode === null) leftovers.push(...await descendants(worker.pid));
    await stopWorkerProcess(worker, signal);
  }

  async function join(user: 'alice' | 'bob' | 'root', url = router.url): Promise<ClientSession> {
    const client = await joinAs(url, user);
    clients.push(client);
    return client;
  }

  /** Until every worker answers (round-robin) with the summed concurrency of `count` workers: each sees the others. */
  async function untilFormed(admin: ClientSession, count: number): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (let formed = 0; formed < count * 2;) {
      const stats = await admin.call('asexor.control.stats') as Dict;
      formed = stats['concurrency'] === count ? formed + 1 : 0;
      if (Date.now() > deadline) throw new Error(`the workers did not see each other: ${JSON.stringify(stats)}`);
      if (formed === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-workers-'));
    router = await startRouterForWorkers();
  });

  afterEach(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(workers.map((w) => stopWorker(w, 'SIGTERM')));
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await router.close();
    await rm(dir, { recursive: true, force: true });
    workers = [];
    leftovers = [];
    clients = [];
  });

  it('three workers: status, cancel, history and tasks are right for every id, wherever the call lands', async () => {
    await Promise.all([startWorker('w1'), startWorker('w2'), startWorker('w3')]);
    const ids = new Set(workers.map((w) => w.id));
    expect(ids.size, 'each worker has its own id').to.equal(3);
    const root = await join('root');
    await untilFormed(root, 3);
    const alice = await join('alice');
    const bob = await join('bob');
    const log = await subscribeStatus(alice);

    const tasks: string[] = [];
    for (let i = 0; i < 9; i++) tasks.push(await alice.call('asexor.task.nap', [30_000]) as string);
    expect(new Set(tasks.map(workerOf)), 'the calls went round-robin: every worker holds tasks').to.deep.equal(ids);

    for (const id of tasks) {
      for (let landing = 0; landing < 3; landing++) {
        const event = await alice.call('asexor.control.status', [id]) as Dict;
        expect(event['task_id']).to.equal(id);
        expect(event['status']).to.be.oneOf(['queued', 'started']);
        // Another user's task is unknown to bob wherever his call lands (visibility holds when forwarded).
        expect((await wampError(bob.call('asexor.control.status', [id]))).error).to.equal('asexor.error.no_such_task');
      }
    }
    for (let landing = 0; landing < 3; landing++) {
      const history = await alice.call('asexor.control.history') as Dict[];
      expect(history.map((e) => e['task_id']), 'every worker\'s tasks, newest first').to.deep.equal([...tasks].reverse());
      const active = await alice.call('asexor.control.tasks') as Dict[];
      expect(active.map((e) => e['task_id']).sort()).to.deep.equal([...tasks].sort());
      expect(active.filter((e) => e['status'] === 'running')).to.have.length(3);
      const stats = await root.call('asexor.control.stats') as Dict;
      expect(stats).to.include({ queued: 6, running: 3, concurrency: 3 });
    }

    // Only workers reach a worker's own procedure and the presence topic; a malformed forwarded call is refused.
    const [one] = workers;
    const own = `asexor.worker.${one?.id ?? ''}`;
    expect((await wampError(alice.call(own, ['status', 'root', 'admin', tasks[0]]))).error).to.equal('wamp.error.not_authorized');
    expect((await wampError(alice.session.publish('asexor.worker.presence', [], { kind: 'hello' }, { acknowledge: true }) ?? Promise.resolve()))
      .error).to.equal('wamp.error.not_authorized');
    const peer = await joinAs(router.url, 'worker');
    clients.push(peer);
    expect((await wampError(peer.call(own, ['drop', 'alice', 'user']))).error).to.equal('asexor.error.invalid_params');
    expect((await wampError(peer.call(own, ['status', 'bob', 'user', tasks[0]]))).error, 'the forwarded caller is checked like any other').to.equal('asexor.error.no_such_task');

    for (const id of tasks) expect(await alice.call('asexor.control.cancel', [id])).to.be.oneOf(['queued', 'running']);
    await Promise.all(tasks.map((id) => terminalOf(log, id, 10_000)));
    for (const id of tasks) {
      expect(terminalsOf(log, id).map((e) => e['status']), `one terminal event for ${id}`).to.deep.equal(['cancelled']);
      expect((await wampError(alice.call('asexor.control.cancel', [id]))).error).to.equal('asexor.error.task_finished');
    }
  });

  it('kill -9 of a worker: a survivor ends its tasks with ERR_WORKER_LOST, exactly once, and the others go on', async () => {
    await Promise.all([startWorker('w1'), startWorker('w2'), startWorker('w3')]);
    const root = await join('root');
    await untilFormed(root, 3);
    const alice = await join('alice');
    const log = await subscribeStatus(alice);
    const tasks: string[] = [];
    for (let i = 0; i < 6; i++) tasks.push(await alice.call('asexor.task.nap', [30_000]) as string);
    const victim = workers[0];
    if (victim === undefined) throw new Error('no worker');
    const lost = tasks.filter((id) => workerOf(id) === victim.id);
    const kept = tasks.filter((id) => workerOf(id) !== victim.id);
    expect(lost).to.have.length(2);
    // Its tasks are known to the others through their status events: wait until both are queued or started.
    await Promise.all(lost.map((id) => log.waitFor((e) => e['task_id'] === id)));

    await stopWorker(victim, 'SIGKILL');
    for (const id of lost) {
      const final = await terminalOf(log, id, 10_000);
      expect(final['status']).to.equal('error');
      expect((final['error'] as Dict)['code']).to.equal('ERR_WORKER_LOST');
    }
    await untilFormed(root, 2);
    for (const id of lost) {
      for (let landing = 0; landing < 2; landing++) {
        const event = await alice.call('asexor.control.status', [id]) as Dict;
        expect((event['error'] as Dict | undefined)?.['code']).to.equal('ERR_WORKER_LOST');
      }
    }
    const history = await alice.call('asexor.control.history') as Dict[];
    expect(history.map((e) => e['task_id']).sort()).to.deep.equal([...tasks].sort());
    for (const id of kept) expect((await alice.call('asexor.control.status', [id]) as Dict)['status']).to.be.oneOf(['queued', 'started']);
    for (const id of kept) await alice.call('asexor.control.cancel', [id]);
    await Promise.all(kept.map((id) => terminalOf(log, id, 10_000)));
    for (const id of tasks) expect(terminalsOf(log, id), `one terminal event for ${id}`).to.have.length(1);
  });

  it('a worker back with its journal after its tasks were ended elsewhere ends them without a second event', async () => {
    const journal = path.join(dir, 'w1.db');
    const first = await startWorker('w1', journal);
    await startWorker('w2');
    const root = await join('root');
    await untilFormed(root, 2);
    const alice = await join('alice');
    const log = await subscribeStatus(alice);
    const tasks: string[] = [];
    for (let i = 0; i < 6; i++) tasks.push(await alice.call('asexor.task.nap', [30_000]) as string);
    const held = tasks.filter((id) => workerOf(id) === first.id);
    expect(held).to.have.length(3);
    await Promise.all(held.map((id) => log.waitFor((e) => e['task_id'] === id)));

    await stopWorker(first, 'SIGKILL');
    await Promise.all(held.map((id) => terminalOf(log, id, 10_000)));
    const back = await startWorker('w1-again', journal);
    expect(back.id, 'the journal keeps the worker id').to.equal(first.id);
    await untilFormed(root, 2);
    // Its queued tasks came back from the journal: the survivors' ERR_WORKER_LOST stands, nothing runs them.
    for (const id of held) {
      const event = await alice.call('asexor.control.status', [id]) as Dict;
      expect(event['status'], id).to.equal('error');
    }
    // Both workers take new tasks (the other one's naps cancelled first: one slot each).
    const others = tasks.filter((id) => !held.includes(id));
    for (const id of others) await alice.call('asexor.control.cancel', [id]);
    await Promise.all(others.map((id) => terminalOf(log, id, 10_000)));
    const fresh = [await alice.call('asexor.task.date', [], { utc: true }) as string, await alice.call('asexor.task.date', [], { utc: true }) as string];
    expect(new Set(fresh.map(workerOf))).to.deep.equal(new Set(workers.slice(1).map((w) => w.id)));
    for (const id of fresh) expect((await terminalOf(log, id, 10_000))['status']).to.equal('success');
    for (const id of tasks) expect(terminalsOf(log, id), `one terminal event for ${id}`).to.have.length(1);
  });

  it('the embedded worker of asexor serve and an external one work as one (the in-process session subscribes and calls too)', async () => {
    const server = await startTestServer({ asexor: { concurrency: 1, historyPerUser: 1000, cluster: { lostGraceMs: GRACE_MS } } });
    try {
      const external = await startWorker('external', undefined, server.url);
      const root = await join('root', server.url);
      await untilFormed(root, 2);
      const alice = await join('alice', server.url);
      const log = await subscribeStatus(alice);
      const tasks: string[] = [];
      for (let i = 0; i < 4; i++) tasks.push(await alice.call('asexor.task.nap', [30_000]) as string);
      expect(new Set(tasks.map(workerOf)).size).to.equal(2);
      for (const id of tasks) {
        for (let landing = 0; landing < 2; landing++) expect((await alice.call('asexor.control.status', [id]) as Dict)['status']).to.be.oneOf(['queued', 'started']);
      }
      expect((await alice.call('asexor.control.history') as Dict[]).map((e) => e['task_id'])).to.deep.equal([...tasks].reverse());
      const lost = tasks.filter((id) => workerOf(id) === external.id);
      await Promise.all(lost.map((id) => log.waitFor((e) => e['task_id'] === id)));
      await stopWorker(external, 'SIGKILL');
      for (const id of lost) expect(((await terminalOf(log, id, 10_000))['error'] as Dict)['code']).to.equal('ERR_WORKER_LOST');
      for (const id of tasks.filter((t) => !lost.includes(t))) await alice.call('asexor.control.cancel', [id]);
      await Promise.all(tasks.map((id) => terminalOf(log, id, 10_000)));
      for (const id of tasks) expect(terminalsOf(log, id), `one terminal event for ${id}`).to.have.length(1);
    } finally {
      await Promise.allSettled(clients.map((c) => c.close()));
      clients = [];
      await server.close();
    }
  });
});
