/**
 * The pull model over each queue store (docs/queue-store.md): workers claim only for a free slot, so
 * a worker busy with a long task leaves the short ones to the idle workers; a worker that stops
 * renewing its leases has its task ended by another, once; a cancel reaches the worker running the task.
 * Several pullers on handles of one store stand for several workers.
 */
import { expect } from 'chai';
import type { TaskStatusEvent } from '../../shared/task-status.ts';
import type { ClaimedTask, QueueStore } from '../../worker/store/queue-store.ts';
import { StorePuller } from '../../worker/store/store-puller.ts';
import { newTask, storeBackends } from '../helpers/queue-stores.ts';
import { expectNothingWithin } from '../helpers/wait-for.ts';

/** Terminal events as the pullers hand them out, with a way to wait for a count. */
class Ends {
  readonly events: { worker: string; owner: string; event: TaskStatusEvent }[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];
  add(worker: string, owner: string, event: TaskStatusEvent): void {
    this.events.push({ worker, owner, event });
    this.#waiters = this.#waiters.filter((w) => {
      if (this.events.length < w.count) return true;
      w.resolve();
      return false;
    });
  }
  reached(count: number): Promise<void> {
    if (this.events.length >= count) return Promise.resolve();
    return new Promise((resolve) => { this.#waiters.push({ count, resolve }); });
  }
  ids(): string[] {
    return this.events.map((e) => e.event.task_id);
  }
}

function success(task: ClaimedTask): TaskStatusEvent {
  return { task_id: task.id, task: task.task, at: new Date().toISOString(), status: 'success', result: null, duration: 0 };
}

function cancelled(task: ClaimedTask): TaskStatusEvent {
  return { task_id: task.id, task: task.task, at: new Date().toISOString(), status: 'cancelled', duration: 0 };
}

for (const backend of storeBackends()) {
  backend.describe(`queue store puller: ${backend.name}`, function () {
    this.timeout(30_000);
    const pullers: StorePuller[] = [];
    before(() => backend.start());
    after(() => backend.stop());
    afterEach(async () => {
      await Promise.all(pullers.splice(0).map((p) => p.stop('cancel')));
      await backend.closeAll();
    });

    function puller(store: QueueStore, worker: string, ends: Ends, run: (task: ClaimedTask, signal: AbortSignal) => Promise<TaskStatusEvent>): StorePuller {
      const p = new StorePuller({ store, worker, slots: 1, run, ended: (owner, event) => { ends.add(worker, owner, event); }, heartbeatMs: 20, reapMs: 20, pollMs: 1000 });
      pullers.push(p);
      p.start();
      return p;
    }

    it('leaves no worker idle while tasks wait: the short tasks run on the others while one runs a long task', async () => {
      const stores = await backend.open(3);
      const ends = new Ends();
      const long = newTask('alice', 4, { task: 'long' });
      const release = Promise.withResolvers<undefined>();
      const longStarted = Promise.withResolvers<string>();
      const run = (worker: string) => async (task: ClaimedTask): Promise<TaskStatusEvent> => {
        if (task.task === 'long') {
          longStarted.resolve(worker);
          await release.promise;
        }
        return success(task);
      };
      await stores[0]!.admit(long);
      puller(stores[0]!, 'w-a', ends, run('w-a'));
      expect(await longStarted.promise).to.equal('w-a');
      const shorts = Array.from({ length: 12 }, (_, i) => newTask(['alice', 'bob', 'carol'][i % 3]!));
      for (const task of shorts) await stores[0]!.admit(task);
      puller(stores[1]!, 'w-b', ends, run('w-b'));
      puller(stores[2]!, 'w-c', ends, run('w-c'));
      await ends.reached(shorts.length);
      expect(ends.ids()).to.have.members(shorts.map((t) => t.id));
      expect(ends.events.every((e) => e.worker !== 'w-a')).to.equal(true);
      release.resolve(undefined);
      await ends.reached(shorts.length + 1);
      expect(ends.events.at(-1)).to.deep.include({ worker: 'w-a', owner: 'alice' });
      expect(new Set(ends.ids()).size).to.equal(shorts.length + 1);
    });

    it('ends, once, the task of a worker that stopped renewing its lease', async () => {
      const [dead, alive] = await backend.open(2, { leaseMs: 50 });
      const ends = new Ends();
      const task = newTask('alice');
      await dead!.admit(task);
      const claimed = await dead!.claim('w-dead'); // and never heard of again
      puller(alive!, 'w-alive', ends, (t) => Promise.resolve(success(t)));
      await ends.reached(1);
      expect(ends.events).to.have.length(1);
      expect(ends.events[0]).to.deep.include({ worker: 'w-alive', owner: 'alice' });
      expect(ends.events[0]!.event).to.deep.include({ task_id: task.id, status: 'error' });
      expect(await dead!.finish(task.id, claimed!.attempt, success(claimed!))).to.equal(false);
    });

    it('stops a task whose lease it lost (reaped while it was slow to renew it): one terminal event, the reaper\'s', async () => {
      const [slow, other] = await backend.open(2, { leaseMs: 0 });
      const ends = new Ends();
      const stopped = Promise.withResolvers<unknown>();
      puller(slow!, 'w-slow', ends, (task, signal) => new Promise((resolve) => {
        signal.addEventListener('abort', () => {
          stopped.resolve(signal.reason);
          resolve(cancelled(task));
        }, { once: true });
      }));
      const task = newTask('alice');
      // Every lease expires at once: a reaper ends the task; the heartbeat tells the worker running it.
      await other!.admit(task);
      expect(String(await stopped.promise)).to.match(/no longer this worker's \(its lease ran out/);
      await ends.reached(1);
      await expectNothingWithin(100);
      expect(ends.events).to.have.length(1);
      expect(ends.events[0]!.event).to.deep.include({ task_id: task.id, status: 'error' });
      expect((await other!.status(task.id))?.event.status).to.equal('error');
    });

    it('stops a running task when any worker cancels it', async () => {
      const [runner, other] = await backend.open(2);
      const ends = new Ends();
      const started = Promise.withResolvers<undefined>();
      puller(runner!, 'w-runner', ends, (task, signal) => new Promise((resolve) => {
        started.resolve(undefined);
        signal.addEventListener('abort', () => { resolve(cancelled(task)); }, { once: true });
      }));
      const task = newTask('alice');
      await other!.admit(task);
      await started.promise;
      expect((await other!.cancel(task.id))?.state).to.equal('running');
      await ends.reached(1);
      expect(ends.events[0]).to.deep.include({ worker: 'w-runner', owner: 'alice' });
      expect(ends.events[0]!.event.status).to.equal('cancelled');
      expect((await other!.status(task.id))?.event.status).to.equal('cancelled');
    });
  });
}
