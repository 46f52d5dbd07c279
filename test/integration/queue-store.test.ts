/**
 * The queue store's rules (docs/queue-store.md), one suite run against every store: the embedded one
 * and PostgreSQL on a throwaway server (test/helpers/postgres.ts; skipped without PostgreSQL, a
 * failure under CI=true). Several handles on one store stand for several workers: for PostgreSQL each
 * has its own connections, so the races between them are real.
 */
import { expect } from 'chai';
import { QueueBytesLimitError, QueueFullError, UserQueueLimitError } from '../../shared/errors.ts';
import { isTerminal, type TaskStatusEvent } from '../../shared/task-status.ts';
import type { ClaimedTask, NewTask, QueueStore, Wake } from '../../worker/store/queue-store.ts';
import { newTask, storeBackends } from '../helpers/queue-stores.ts';

function successOf(claimed: ClaimedTask): TaskStatusEvent {
  return { task_id: claimed.id, task: claimed.task, at: new Date().toISOString(), status: 'success', result: null, duration: 0 };
}

/** Claims until nothing is claimable; the ids in claim order. */
async function drain(store: QueueStore, worker = 'w1'): Promise<string[]> {
  const ids: string[] = [];
  for (let claimed = await store.claim(worker); claimed !== undefined; claimed = await store.claim(worker)) ids.push(claimed.id);
  return ids;
}

async function admitAll(store: QueueStore, tasks: readonly NewTask[]): Promise<void> {
  for (const task of tasks) await store.admit(task);
}

/** Resolves with the first wake-up `accept` takes. */
function nextWake(store: QueueStore, accept: (wake: Wake) => boolean): Promise<Wake> {
  return new Promise((resolve) => {
    const stop = store.onWake((wake) => {
      if (!accept(wake)) return;
      stop();
      resolve(wake);
    });
  });
}

for (const backend of storeBackends()) {
  backend.describe(`queue store: ${backend.name}`, function () {
    this.timeout(30_000);
    before(() => backend.start());
    after(() => backend.stop());
    afterEach(() => backend.closeAll());

    describe('order', () => {
      it('claims the lowest priority number first, each priority in submission order', async () => {
        const [store] = await backend.open(1);
        const tasks = [newTask('alice', 4), newTask('alice', 9), newTask('alice', 0), newTask('alice', 4), newTask('alice', 0)];
        await admitAll(store!, tasks);
        const [a4, a9, a0, b4, b0] = tasks.map((t) => t.id);
        expect(await drain(store!)).to.deep.equal([a0, b0, a4, b4, a9]);
      });

      it('serves the users of a priority in turn, each user\'s tasks in submission order', async () => {
        const [store] = await backend.open(1);
        const alice = [newTask('alice'), newTask('alice'), newTask('alice'), newTask('alice')];
        const bob = [newTask('bob'), newTask('bob')];
        const carol = [newTask('carol')];
        await admitAll(store!, [...alice, ...bob, ...carol]);
        const order = await drain(store!);
        expect(order).to.deep.equal([alice[0], bob[0], carol[0], alice[1], bob[1], alice[2], alice[3]].map((t) => t!.id));
      });

      it('keeps priorities strict between users', async () => {
        const [store] = await backend.open(1);
        const low = newTask('alice', 9);
        const normal = newTask('bob', 4);
        const high = newTask('carol', 0);
        await admitAll(store!, [low, normal, high]);
        expect(await drain(store!)).to.deep.equal([high.id, normal.id, low.id]);
      });

      it('skips a user at perUserMaxRunning until one of their tasks ends, over every worker', async () => {
        const [one, two] = await backend.open(2, { perUserMaxRunning: 1 });
        const [a1, a2, b1] = [newTask('alice'), newTask('alice'), newTask('bob')];
        await admitAll(one!, [a1, a2, b1]);
        const first = await one!.claim('w1');
        expect(first?.id).to.equal(a1.id);
        expect((await two!.claim('w2'))?.id).to.equal(b1.id);
        expect(await two!.claim('w2')).to.equal(undefined);
        expect(await one!.finish(a1.id, first!.attempt, successOf(first!))).to.equal(true);
        expect((await two!.claim('w2'))?.id).to.equal(a2.id);
      });

      it('records the claim: state running, a started event, attempt 1', async () => {
        const [one, two] = await backend.open(2);
        const task = newTask('alice');
        await one!.admit(task);
        const claimed = await one!.claim('w1');
        expect(claimed).to.include({ id: task.id, owner: 'alice', role: 'user', task: 'sleep', priority: 4, input: '[[],{}]', attempt: 1 });
        expect(claimed?.started).to.include({ task_id: task.id, task: 'sleep', status: 'started' });
        expect((await two!.status(task.id))?.event.status).to.equal('started');
        expect(await two!.stats()).to.deep.include({ queued: 0, running: 1, users: 1 });
      });
    });

    describe('caps at admission', () => {
      it('rejects a user beyond perUserMaxQueued and accepts others', async () => {
        const [store] = await backend.open(1, { perUserMaxQueued: 2 });
        await admitAll(store!, [newTask('alice'), newTask('alice')]);
        const refused = newTask('alice');
        const error: unknown = await store!.admit(refused).then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(UserQueueLimitError);
        expect((error as UserQueueLimitError).code).to.equal('ERR_QUEUE_USER_LIMIT');
        expect(await store!.status(refused.id)).to.equal(undefined);
        expect((await store!.admit(newTask('bob'))).status).to.equal('queued');
      });

      it('rejects anyone beyond maxQueued, and accepts again once a task was claimed', async () => {
        const [store] = await backend.open(1, { maxQueued: 2 });
        await admitAll(store!, [newTask('alice'), newTask('bob')]);
        const error: unknown = await store!.admit(newTask('carol')).then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(QueueFullError);
        expect(await store!.claim('w1')).to.not.equal(undefined);
        expect((await store!.admit(newTask('carol'))).status).to.equal('queued');
        expect((await store!.stats()).queued).to.equal(2);
      });

      it('rejects params bytes beyond the user\'s and the global limit, and frees them at claim', async () => {
        const [store] = await backend.open(1, { perUserQueuedBytes: 100, maxQueuedBytes: 150 });
        await store!.admit(newTask('alice', 4, { bytes: 60 }));
        const user: unknown = await store!.admit(newTask('alice', 4, { bytes: 60 })).then(() => undefined, (e: unknown) => e);
        expect(user).to.be.instanceOf(QueueBytesLimitError);
        expect((user as Error).message).to.match(/your waiting tasks already hold 100 bytes/);
        await store!.admit(newTask('bob', 4, { bytes: 80 }));
        const all: unknown = await store!.admit(newTask('carol', 4, { bytes: 20 })).then(() => undefined, (e: unknown) => e);
        expect((all as Error).message).to.match(/waiting tasks already hold 150 bytes/);
        expect((await store!.admit(newTask('carol', 4, { bytes: 0 }))).status).to.equal('queued');
        await store!.claim('w1'); // alice's 60 bytes leave the queue
        expect((await store!.admit(newTask('alice', 4, { bytes: 60 }))).status).to.equal('queued');
      });

      it('takes Infinity for every limit as no limit (worker/task-queue-options.ts allows it)', async () => {
        const [store] = await backend.open(1, { maxQueued: Infinity, perUserMaxQueued: Infinity, perUserMaxRunning: Infinity, perUserQueuedBytes: Infinity, maxQueuedBytes: Infinity });
        const tasks = [newTask('alice', 4, { bytes: 1000 }), newTask('alice', 4, { bytes: 1000 })];
        await admitAll(store!, tasks);
        const claimed = await store!.claim('w1');
        expect((await store!.claim('w1'))?.id).to.equal(tasks[1]!.id);
        expect(await store!.finish(claimed!.id, claimed!.attempt, successOf(claimed!))).to.equal(true);
        expect(await store!.stats()).to.deep.include({ queued: 0, running: 1 });
      });

      it('refuses a duplicate id and a priority outside 0..9 with a TypeError', async () => {
        const [store] = await backend.open(1);
        const task = newTask('alice');
        await store!.admit(task);
        const duplicate: unknown = await store!.admit(task).then(() => undefined, (e: unknown) => e);
        expect(duplicate).to.be.instanceOf(TypeError);
        const bad: unknown = await store!.admit(newTask('alice', 10)).then(() => undefined, (e: unknown) => e);
        expect(bad).to.be.instanceOf(TypeError);
        expect((await store!.stats()).queued).to.equal(1);
      });
    });

    describe('cancel, status and history from any worker', () => {
      it('cancels a waiting task from another handle: it ends cancelled, is never claimed, and a second cancel finds it finished', async () => {
        const [one, two] = await backend.open(2);
        const task = newTask('alice');
        await one!.admit(task);
        const outcome = await two!.cancel(task.id);
        expect(outcome).to.deep.include({ state: 'queued', owner: 'alice' });
        expect(outcome?.state === 'queued' ? outcome.event : undefined).to.include({ task_id: task.id, status: 'cancelled' });
        expect(await one!.claim('w1')).to.equal(undefined);
        expect((await one!.status(task.id))?.event.status).to.equal('cancelled');
        expect(await one!.cancel(task.id)).to.deep.equal({ state: 'finished', owner: 'alice', status: 'cancelled' });
        expect(await one!.cancel('f'.repeat(32))).to.equal(undefined);
      });

      it('asks the worker running a task to stop: a cancel wake-up to it, the request in its heartbeat, then its own end', async () => {
        const [runner, other] = await backend.open(2);
        const task = newTask('alice');
        await runner!.admit(task);
        const claimed = await runner!.claim('w-runner');
        const woken = nextWake(runner!, (wake) => wake.kind === 'cancel');
        expect(await other!.cancel(task.id)).to.deep.equal({ state: 'running', owner: 'alice', worker: 'w-runner' });
        expect(await woken).to.deep.equal({ kind: 'cancel', taskId: task.id, worker: 'w-runner' });
        expect((await runner!.heartbeat('w-runner', [task.id])).cancelRequested).to.deep.equal([task.id]);
        const end: TaskStatusEvent = { task_id: task.id, task: 'sleep', at: new Date().toISOString(), status: 'cancelled', duration: 0.1 };
        expect(await runner!.finish(task.id, claimed!.attempt, end)).to.equal(true);
        expect((await other!.status(task.id))?.event).to.deep.equal(end);
      });

      it('answers history newest first, the owner\'s tasks only, with when each was admitted', async () => {
        const [one, two] = await backend.open(2);
        const tasks = [newTask('alice'), newTask('bob'), newTask('alice'), newTask('alice')];
        await admitAll(one!, tasks);
        const history = await two!.history('alice', 2);
        expect(history.map((h) => h.event.task_id)).to.deep.equal([tasks[3]!.id, tasks[2]!.id]);
        expect(history.every((h) => Number.isFinite(h.since) && h.since === Date.parse((h.event as { at: string }).at))).to.equal(true);
        expect(await two!.history('nobody', 10)).to.deep.equal([]);
      });

      it('lists waiting and running tasks: running by start, then waiting by priority and submission', async () => {
        const [one, two] = await backend.open(2);
        const [a1, b1, a2, c1] = [newTask('alice', 4), newTask('bob', 0), newTask('alice', 9), newTask('carol', 4)];
        await admitAll(one!, [a1, b1, a2, c1]);
        const first = await one!.claim('w1');
        const second = await one!.claim('w1');
        expect([first?.id, second?.id]).to.deep.equal([b1.id, a1.id]);
        const all = await two!.active(undefined, 10);
        expect(all.map((e) => [e.task_id, e.status])).to.deep.equal([[b1.id, 'running'], [a1.id, 'running'], [c1.id, 'queued'], [a2.id, 'queued']]);
        expect(all[0]).to.deep.include({ owner: 'bob', task: 'sleep', priority: 0, started_at: first?.started.at });
        expect(all[2]).to.not.have.property('started_at');
        expect(Date.parse(all[2]!.queued_at)).to.be.a('number').and.not.NaN;
        expect((await two!.active('alice', 10)).map((e) => e.task_id)).to.deep.equal([a1.id, a2.id]);
        expect((await two!.active(undefined, 1)).map((e) => e.task_id)).to.deep.equal([b1.id]);
      });

      it('answers the recorded progress of a running task on every handle; drops progress of an attempt that no longer runs', async () => {
        const [one, two] = await backend.open(2, { leaseMs: 0 });
        const [task, rerun] = [newTask('alice'), newTask('alice', 4, { rerun: true })];
        await admitAll(one!, [task, rerun]);
        const claimed = await one!.claim('w1');
        const progress = (at: number, message?: string): TaskStatusEvent => ({
          task_id: task.id, task: 'sleep', at: new Date().toISOString(), status: 'progress', progress: at, ...(message === undefined ? {} : { message }),
        });
        await one!.progress([{ taskId: task.id, attempt: claimed!.attempt, event: progress(0.25) }]);
        await one!.progress([{ taskId: task.id, attempt: claimed!.attempt, event: progress(0.5, 'half') }, { taskId: task.id, attempt: 99, event: progress(0.9) }]);
        expect((await two!.status(task.id))?.event).to.deep.include({ status: 'progress', progress: 0.5, message: 'half' });
        expect((await two!.history('alice', 2)).map((h) => h.event.status)).to.deep.equal(['queued', 'progress']);
        expect((await two!.active('alice', 10))[0]).to.deep.include({ task_id: task.id, status: 'running', started_at: claimed!.started.at, progress: 0.5, message: 'half' });
        expect(await two!.finish(task.id, claimed!.attempt, successOf(claimed!))).to.equal(true);
        await one!.progress([{ taskId: task.id, attempt: claimed!.attempt, event: progress(1) }]);
        expect((await two!.status(task.id))?.event.status, 'no progress after the end').to.equal('success');
        // A rerun task's progress belongs to its attempt: queued again, it answers queued, then started.
        const lost = await one!.claim('w-dead');
        await one!.progress([{ taskId: rerun.id, attempt: lost!.attempt, event: { ...progress(0.7), task_id: rerun.id } }]);
        expect(await two!.reap()).to.deep.equal([{ id: rerun.id, owner: 'alice', outcome: 'requeued' }]);
        expect((await two!.status(rerun.id))?.event.status).to.equal('queued');
        const again = await two!.claim('w2');
        expect((await one!.status(rerun.id))?.event).to.deep.include({ status: 'started', at: again!.started.at });
        await one!.progress([]); // an empty batch is no query
      });

      it('prunes finished tasks beyond the retention (PostgreSQL; the embedded history bounds itself)', async () => {
        const [store] = await backend.open(1);
        const tasks = [newTask('alice'), newTask('alice'), newTask('alice'), newTask('bob')];
        await admitAll(store!, tasks);
        for (let i = 0; i < 3; i++) {
          const claimed = await store!.claim('w1');
          await store!.finish(claimed!.id, claimed!.attempt, successOf(claimed!));
        }
        const pruned = await store!.prune({ maxTasks: 1, maxAgeDays: 30 });
        expect(pruned).to.equal(backend.name === 'postgres' ? 2 : 0);
        // Finished in claim order: alice, bob, alice; the last one is kept, and alice's waiting task.
        expect((await store!.history('alice', 10)).length).to.equal(backend.name === 'postgres' ? 2 : 3);
        expect((await store!.active(undefined, 10)).map((e) => e.task_id)).to.have.length(1);
      });

      it('counts the workers that announced themselves within a lease, and their slots; a departed one no longer', async () => {
        const [one, two] = await backend.open(2, { leaseMs: 400 });
        expect(await one!.stats()).to.deep.include({ workers: 0, slots: 0 });
        await one!.announce({ id: 'w1', slots: 4, host: 'a', pid: 1 });
        await two!.announce({ id: 'w2', slots: 2, host: 'b', pid: 2 });
        await two!.announce({ id: 'w2', slots: 3, host: 'b', pid: 2 });
        expect(await two!.stats()).to.deep.include({ workers: 2, slots: 7 });
        await two!.depart('w2');
        expect(await one!.stats()).to.deep.include({ workers: 1, slots: 4 });
        // Not renewed within the lease: no longer counted (a worker that died without departing).
        await new Promise((resolve) => setTimeout(resolve, 450));
        expect(await one!.stats()).to.deep.include({ workers: 0, slots: 0 });
      });

      it('answers which of many tasks have ended, with their terminal events, in one call', async () => {
        const [one, two] = await backend.open(2);
        const [done, running, waiting] = [newTask('alice'), newTask('bob'), newTask('alice')];
        await admitAll(one!, [done, running, waiting]);
        const first = await one!.claim('w1');
        await one!.claim('w1');
        await one!.finish(first!.id, first!.attempt, successOf(first!));
        const ended = await two!.ended([done.id, running.id, waiting.id, 'unknown']);
        expect(ended.map((e) => [e.task_id, e.status])).to.deep.equal([[done.id, 'success']]);
        expect(await two!.ended([])).to.deep.equal([]);
      });

      it('wakes the other workers when a task is admitted', async () => {
        const [one, two] = await backend.open(2);
        const woken = nextWake(two!, (wake) => wake.kind === 'work');
        await one!.admit(newTask('alice'));
        expect(await woken).to.deep.equal({ kind: 'work' });
      });
    });

    describe('exactly one terminal event per task', () => {
      it('holds with three workers claiming, finishing and cancelling at once', async () => {
        const stores = await backend.open(3, { perUserMaxRunning: 2 });
        const tasks = Array.from({ length: 90 }, (_, i) => newTask(['alice', 'bob', 'carol'][i % 3]!, i % 2 === 0 ? 4 : 0));
        await admitAll(stores[0]!, tasks);
        const ends = new Map<string, number>();
        const ended = (id: string): void => { ends.set(id, (ends.get(id) ?? 0) + 1); };
        const claimers = stores.flatMap((store, s) => [0, 1].map(async (slot) => {
          for (let claimed = await store.claim(`w${String(s)}-${String(slot)}`); claimed !== undefined; claimed = await store.claim(`w${String(s)}-${String(slot)}`)) {
            if (await store.finish(claimed.id, claimed.attempt, successOf(claimed))) ended(claimed.id);
            // A second finish of the same claim never counts.
            if (await store.finish(claimed.id, claimed.attempt, successOf(claimed))) ended(claimed.id);
          }
        }));
        const canceller = (async () => {
          for (const task of tasks.filter((_, i) => i % 4 === 0)) {
            const outcome = await stores[2]!.cancel(task.id);
            if (outcome?.state === 'queued') ended(task.id);
          }
        })();
        await Promise.all([...claimers, canceller]);
        // A claimer may stop on finding nothing while another holds the only lane left (a real worker
        // waits for the `work` wake-up that claim sends then): what is left is claimed here.
        for (let claimed = await stores[0]!.claim('w-last'); claimed !== undefined; claimed = await stores[0]!.claim('w-last')) {
          if (await stores[0]!.finish(claimed.id, claimed.attempt, successOf(claimed))) ended(claimed.id);
        }
        expect(tasks.filter((t) => ends.get(t.id) !== 1).map((t) => [t.id, ends.get(t.id)])).to.deep.equal([]);
        for (const task of tasks) expect(isTerminal((await stores[1]!.status(task.id))!.event.status)).to.equal(true);
        expect(await stores[1]!.stats()).to.deep.include({ queued: 0, running: 0, users: 0 });
      });
    });

    describe('leases', () => {
      it('ends a task whose lease expired with ERR_WORKER_LOST, once; the late finish of its worker is refused', async () => {
        const [dead, survivor] = await backend.open(2, { leaseMs: 0 });
        const task = newTask('alice');
        await dead!.admit(task);
        const claimed = await dead!.claim('w-dead');
        const reaped = await survivor!.reap();
        expect(reaped).to.have.length(1);
        const first = reaped[0]!;
        expect(first).to.deep.include({ id: task.id, owner: 'alice', outcome: 'ended' });
        const event = first.outcome === 'ended' ? first.event : undefined;
        expect(event).to.deep.include({ task_id: task.id, status: 'error' });
        expect(event?.status === 'error' ? event.error.code : undefined).to.equal('ERR_WORKER_LOST');
        expect(await survivor!.reap()).to.deep.equal([]);
        // Its worker, if only slow, learns at its next heartbeat that the task is no longer its own.
        expect(await dead!.heartbeat('w-dead', [task.id])).to.deep.equal({ renewed: 0, cancelRequested: [], lost: [task.id] });
        expect(await dead!.finish(task.id, claimed!.attempt, successOf(claimed!))).to.equal(false);
        expect((await survivor!.status(task.id))?.event.status).to.equal('error');
        expect((await survivor!.stats()).running).to.equal(0);
      });

      it('queues a rerun task again when its lease expired; only the new attempt may finish it', async () => {
        const [dead, survivor] = await backend.open(2, { leaseMs: 0 });
        const task = newTask('alice', 4, { rerun: true });
        await dead!.admit(task);
        const lost = await dead!.claim('w-dead');
        expect(await survivor!.reap()).to.deep.equal([{ id: task.id, owner: 'alice', outcome: 'requeued' }]);
        expect((await survivor!.status(task.id))?.event.status).to.equal('queued');
        const again = await survivor!.claim('w-survivor');
        expect(again).to.deep.include({ id: task.id, attempt: 2 });
        expect(await dead!.finish(task.id, lost!.attempt, successOf(lost!))).to.equal(false);
        expect(await survivor!.finish(task.id, again!.attempt, successOf(again!))).to.equal(true);
        expect((await dead!.status(task.id))?.event.status).to.equal('success');
      });

      it('ends a task whose cancel was asked for as cancelled when its lease expires, even a rerun one', async () => {
        const [dead, survivor] = await backend.open(2, { leaseMs: 0 });
        const task = newTask('alice', 4, { rerun: true });
        await dead!.admit(task);
        await dead!.claim('w-dead');
        expect((await survivor!.cancel(task.id))?.state).to.equal('running');
        const reaped = await survivor!.reap();
        expect(reaped.map((r) => r.outcome === 'ended' ? r.event.status : r.outcome)).to.deep.equal(['cancelled']);
      });

      it('keeps a task whose worker renews its lease', async () => {
        const [runner, other] = await backend.open(2, { leaseMs: 60_000 });
        const task = newTask('alice');
        await runner!.admit(task);
        await runner!.claim('w-runner');
        expect(await runner!.heartbeat('w-runner', [task.id])).to.deep.equal({ renewed: 1, cancelRequested: [], lost: [] });
        expect(await other!.reap()).to.deep.equal([]);
        expect(await other!.heartbeat('w-other', [task.id])).to.deep.equal({ renewed: 0, cancelRequested: [], lost: [task.id] });
      });

      it('renews only the leases a worker names, not every task claimed under its id', async () => {
        const [store] = await backend.open(1);
        const [kept, forgotten] = [newTask('alice'), newTask('bob')];
        await admitAll(store!, [kept, forgotten]);
        await store!.claim('w-same');
        await store!.claim('w-same');
        expect((await store!.heartbeat('w-same', [kept.id])).renewed).to.equal(1);
        expect((await store!.heartbeat('w-same', [kept.id, forgotten.id, 'f'.repeat(32)])).renewed).to.equal(2);
        expect((await store!.heartbeat('w-same', [])).renewed).to.equal(0);
      });
    });
  });
}
