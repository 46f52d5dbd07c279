/**
 * StoreTaskService (worker/store/store-service.ts) over each queue store: two or three services on
 * handles of one store stand for several workers sharing it, with real task processes. A service
 * that is not started only accepts submissions, which forces another worker to run them.
 * What is checked: reply before update and one terminal event per task from the worker that ran it;
 * status, history, cancel, tasks and stats from any worker; progressive calls; the caps and refusals
 * at submit; a claimed task whose definition is missing; drain; a worker whose leases run out.
 */
import { expect } from 'chai';
import { AdminRoleRequiredError, InvalidParamsError, NoSuchTaskError, NoSuchTaskIdError, QueueBytesLimitError, QueueFullError, ShuttingDownError, TaskAlreadyFinishedError, TaskNotAllowedError, UserQueueLimitError } from '../../shared/errors.ts';
import type { TaskStatusEvent } from '../../shared/task-status.ts';
import type { QueueStore } from '../../worker/store/queue-store.ts';
import type { SubmissionObserver } from '../../worker/task-service.ts';
import fixtureTasks, { pids } from '../fixtures/tasks/index.ts';
import { storeBackends } from '../helpers/queue-stores.ts';
import { expectNothingWithin, waitFor } from '../helpers/wait-for.ts';
import { alice, anon, bob, root, useStoreCluster } from './store-service-fixture.ts';

/** `promise`'s rejection (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A handle whose heartbeats never reach the store (a worker cut off from it, still running its task). */
function deaf(store: QueueStore): QueueStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'heartbeat') return () => Promise.reject(new Error('the store cannot be reached'));
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

for (const backend of storeBackends()) {
  backend.describe(`StoreTaskService: ${backend.name}`, function () {
    this.timeout(30_000);
    const { make } = useStoreCluster(backend);

    it('replies before the queued event, runs the task once and answers for it from every worker', async () => {
      const cluster = await make(2);
      const [a, b] = cluster.workers;
      a!.service.start();
      b!.service.start();
      // On the embedded store a claims it within admit: its started event waits for the queued one.
      const { taskId } = await a!.service.submitChecked(alice, 'echo', [['hi', 'there']]);
      a!.sink.order.push('reply');
      const success = await cluster.waitFor(taskId, 'success');
      expect(a!.sink.order.indexOf('reply')).to.be.lessThan(a!.sink.order.indexOf(`queued:${taskId}`));
      expect(cluster.statusesOf(taskId)).to.deep.equal(['queued', 'started', 'success']);
      expect(success).to.deep.include({ task_id: taskId, task: 'echo' });
      expect(success).to.have.nested.property('result.argv').that.deep.equals(['hi', 'there']);
      // started and success come from the worker that ran it
      const [, started, ended] = cluster.eventsOf(taskId);
      expect(started!.worker).to.equal(ended!.worker);
      expect(ended!.owner).to.equal('alice');
      await expectNothingWithin(200);
      expect(cluster.terminalsOf(taskId)).to.have.length(1);
      for (const { service } of [a!, b!]) {
        expect(await service.status(alice, taskId)).to.deep.equal(success);
        expect(await service.history(alice)).to.deep.equal([success]);
      }
    });

    it('ends a progressive call of a task another worker runs with its end, read from the store', async () => {
      const cluster = await make(2);
      const [a, b] = cluster.workers;
      b!.service.start(); // a has no WAMP session: b's events reach a only through the store
      const heard: TaskStatusEvent[] = [];
      const submitted = await a!.service.submitChecked(alice, 'progress', [], { steps: 3 }, { onEvent: (e) => { heard.push(e); } });
      const done = await submitted.done;
      expect(done).to.deep.include({ task_id: submitted.taskId, status: 'success', result: 'done' });
      expect(cluster.terminalsOf(submitted.taskId).map((p) => p.worker)).to.deep.equal([1]);
      await expectNothingWithin(400); // two more polls
      expect(heard.map((e) => e.status)).to.deep.equal(['queued', 'success']);
      expect(heard.at(-1)).to.deep.equal(done);
    });

    it('delivers every event of a progressive call of a task run by the worker that accepted it', async () => {
      const cluster = await make(2);
      const [a] = cluster.workers;
      a!.service.start();
      const heard: TaskStatusEvent[] = [];
      const submitted = await a!.service.submitChecked(alice, 'progress', [], { steps: 4 }, { onEvent: (e) => { heard.push(e); } });
      const done = await submitted.done;
      expect(done).to.deep.include({ status: 'success', result: 'done' });
      await expectNothingWithin(300);
      expect(heard.map((e) => e.status)).to.deep.equal(['queued', 'started', 'progress', 'progress', 'progress', 'progress', 'success']);
      expect(heard.filter((e) => e.status === 'progress').map((e) => e.progress)).to.deep.equal([0.25, 0.5, 0.75, 1]);
      expect(heard).to.deep.equal(cluster.eventsOf(submitted.taskId).map((p) => p.event));
    });

    it('refuses at submit what the caps or the checks refuse, with nothing stored', async () => {
      const told: { accepted: string[]; refused: unknown[] } = { accepted: [], refused: [] };
      const submissions: SubmissionObserver = { accepted: (task) => { told.accepted.push(task); }, refused: (error) => { told.refused.push(error); } };
      const counted = await make(2, { limits: { perUserMaxQueued: 1, maxQueued: 2 }, service: { submissions } });
      const [a, b] = counted.workers;
      const first = await a!.service.submitChecked(alice, 'nap', [10]);
      expect(await rejection(b!.service.submitChecked(alice, 'nap', [10]))).to.be.instanceOf(UserQueueLimitError);
      await b!.service.submitChecked(bob, 'nap', [10]);
      expect(await rejection(a!.service.submitChecked(root, 'nap', [10]))).to.be.instanceOf(QueueFullError);
      expect((await b!.service.history(alice)).map((e) => e.task_id)).to.deep.equal([first.taskId]);
      expect(await b!.service.history(root)).to.deep.equal([]);

      const words = ['x'.repeat(600)]; // counted: over queueBytesDefaults.small
      const bytes = await make(2, { limits: { perUserQueuedBytes: 1000, maxQueuedBytes: 1500 }, service: { submissions } });
      const [c, d] = bytes.workers;
      await c!.service.submitChecked(alice, 'echo', [words]);
      expect(await rejection(d!.service.submitChecked(alice, 'echo', [words]))).to.be.instanceOf(QueueBytesLimitError).with.property('message').that.matches(/Per-user/);
      await d!.service.submitChecked(bob, 'echo', [words]);
      expect(await rejection(c!.service.submitChecked(root, 'echo', [words]))).to.be.instanceOf(QueueBytesLimitError).with.property('message').that.matches(/Queue full/);
      expect(await c!.service.history(alice)).to.have.length(1);

      expect(await rejection(c!.service.submitChecked(alice, 'no_such_task'))).to.be.instanceOf(NoSuchTaskError);
      expect(await rejection(c!.service.submitChecked(alice, 'nap', [], { ms: 'long' }))).to.be.instanceOf(InvalidParamsError);
      expect(await rejection(c!.service.submitChecked(alice, 'admin_only'))).to.be.instanceOf(TaskNotAllowedError);
      expect(await rejection(c!.service.submitChecked(anon, 'echo'))).to.be.instanceOf(TaskNotAllowedError);
      expect(await d!.service.stats(root)).to.deep.include({ queued: 2, running: 0, users: 2 });
      expect(told.accepted).to.deep.equal(['nap', 'nap', 'echo', 'echo']);
      expect(told.refused.map((e) => (e as Error).constructor.name)).to.deep.equal([
        'UserQueueLimitError', 'QueueFullError', 'QueueBytesLimitError', 'QueueBytesLimitError',
        'NoSuchTaskError', 'InvalidParamsError', 'TaskNotAllowedError', 'TaskNotAllowedError',
      ]);
    });

    it('cancels a waiting task from another worker: one cancelled event, seen from every worker', async () => {
      const cluster = await make(2);
      const [a, b] = cluster.workers;
      // Cancelled by the accepting worker at once (on the embedded store, before its queued event went
      // out, which the service then publishes first): still queued, then cancelled.
      const early = await a!.service.submitChecked(alice, 'nap', [10]);
      expect(await a!.service.cancel(alice, early.taskId)).to.equal('queued');
      await a!.sink.waitFor(early.taskId, 'cancelled');
      expect(cluster.statusesOf(early.taskId)).to.deep.equal(['queued', 'cancelled']);
      // Another worker orders nothing against a's queued event: the client cancels once it has it.
      const { taskId } = await a!.service.submitChecked(alice, 'nap', [10]);
      await a!.sink.waitFor(taskId, 'queued');
      expect(await b!.service.cancel(alice, taskId)).to.equal('queued');
      const cancelled = await cluster.waitFor(taskId, 'cancelled');
      expect(cluster.terminalsOf(taskId).map((p) => p.worker)).to.deep.equal([1]);
      expect(await a!.service.status(alice, taskId)).to.deep.equal(cancelled);
      expect(await rejection(a!.service.cancel(alice, taskId))).to.be.instanceOf(TaskAlreadyFinishedError);
      a!.service.start(); // nothing left to run
      await expectNothingWithin(200);
      expect(cluster.statusesOf(taskId)).to.deep.equal(['queued', 'cancelled']);
    });

    it('stops a task running on one worker when another cancels it, with one terminal event from the runner', async () => {
      const cluster = await make(2);
      const [a, b] = cluster.workers;
      b!.service.start();
      const seen = pids.length;
      const { taskId } = await a!.service.submitChecked(alice, 'nap', [20_000]);
      await b!.sink.waitFor(taskId, 'started');
      await waitFor(() => pids.length > seen, 'the nap process');
      const pid = pids.at(-1)!;
      // Two cancels at once, from both workers: each answers running or finished, never a second end.
      const answers = await Promise.allSettled([a!.service.cancel(alice, taskId), b!.service.cancel(root, taskId)]);
      expect(answers[0]).to.deep.equal({ status: 'fulfilled', value: 'running' });
      const second = answers[1];
      if (second.status === 'fulfilled') expect(second.value).to.equal('running');
      else expect(second.reason).to.be.instanceOf(TaskAlreadyFinishedError);
      const end = await cluster.ended(taskId);
      expect(end).to.deep.include({ worker: 1, owner: 'alice' });
      expect(end.event.status).to.equal('cancelled');
      await waitFor(() => !alive(pid), 'the nap process to be gone');
      expect(await rejection(a!.service.cancel(alice, taskId))).to.be.instanceOf(TaskAlreadyFinishedError);
      await expectNothingWithin(300);
      expect(cluster.terminalsOf(taskId)).to.have.length(1);
      expect((await a!.service.status(alice, taskId)).status).to.equal('cancelled');
    });

    it('shows a task to its owner and admins only; lists, with progress, and counts over every worker', async () => {
      const cluster = await make(2);
      const [a, b] = cluster.workers;
      a!.service.start();
      const running = await a!.service.submitChecked(alice, 'progress', [], { steps: 20, delay: 150 });
      await a!.sink.waitFor(running.taskId, 'progress');
      const waiting = await a!.service.submitChecked(alice, 'nap', [5000]);
      const bobs = await b!.service.submitChecked(bob, 'nap', [5000]);

      for (const { service } of [a!, b!]) {
        expect(await rejection(service.status(bob, running.taskId))).to.be.instanceOf(NoSuchTaskIdError);
        expect(await rejection(service.cancel(bob, waiting.taskId))).to.be.instanceOf(NoSuchTaskIdError);
        expect((await service.status(root, waiting.taskId)).status).to.equal('queued');
        expect(await rejection(service.tasks(bob, true))).to.be.instanceOf(AdminRoleRequiredError);
        expect((await service.tasks(root, true)).map((t) => t.task_id)).to.deep.equal([running.taskId, waiting.taskId, bobs.taskId]);
      }
      // a runs it, so a answers its latest progress at once; b answers what the store has recorded
      const here = await a!.service.tasks(alice);
      expect(here.map((t) => [t.task_id, t.status])).to.deep.equal([[running.taskId, 'running'], [waiting.taskId, 'queued']]);
      expect(here[0]!.progress).to.be.a('number').within(0.05, 1);
      expect(here[0]!.message).to.match(/^step \d+$/);
      expect((await b!.service.tasks(alice)).map((t) => [t.task_id, t.status])).to.deep.equal([[running.taskId, 'running'], [waiting.taskId, 'queued']]);
      expect((await a!.service.status(alice, running.taskId)).status).to.equal('progress');
      expect((await b!.service.status(alice, running.taskId)).status).to.be.oneOf(['started', 'progress']);
      expect(await b!.service.tasks(bob)).to.have.length(1);

      const forAlice = await b!.service.stats(alice);
      expect(forAlice).to.deep.include({ queued: 2, running: 1, byPriority: { 0: 0, 1: 0, 2: 0, 3: 0, 4: 2, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0 }, accepting: true });
      expect(forAlice).to.not.have.any.keys('users', 'workers');
      b!.service.start();
      await waitFor(() => b!.service.running === 1, 'b to run a task');
      expect(await a!.service.stats(root)).to.deep.include({ queued: 1, running: 2, users: 2 });
    });

    it('ends a claimed task whose definition the claiming worker lacks with ERR_NO_SUCH_TASK, once', async () => {
      const cluster = await make(2, { each: [{}, { tasks: fixtureTasks.filter((t) => t.name !== 'echo') }] });
      const [a, b] = cluster.workers;
      const { taskId } = await a!.service.submitChecked(alice, 'echo', [['x']]);
      await a!.sink.waitFor(taskId, 'queued'); // b's end would not wait for a's queued event
      b!.service.start();
      const end = await cluster.ended(taskId);
      expect(end.worker).to.equal(1);
      expect(end.event).to.have.nested.property('error.code', 'ERR_NO_SUCH_TASK');
      await expectNothingWithin(200);
      expect(cluster.statusesOf(taskId)).to.deep.equal(['queued', 'started', 'error']);
      expect(await a!.service.status(alice, taskId)).to.deep.equal(end.event);
    });

    it('drains: refuses progressive calls, admits plain submissions for the others, ends the running task (keeping its lease), leaves the waiting ones to the others', async () => {
      // A lease shorter than the task, and b reaping (no slots: it claims nothing): only heartbeats
      // during the drain keep b from ending a's task as lost.
      const cluster = await make(3, { limits: { leaseMs: 600 }, each: [{}, { slots: 0 }, {}] });
      const [a, b, c] = cluster.workers;
      a!.service.start();
      b!.service.start();
      const long = await a!.service.submitChecked(alice, 'nap', [1500]);
      await a!.sink.waitFor(long.taskId, 'started');
      const waiting = [await a!.service.submitChecked(alice, 'echo', [['1']]), await b!.service.submitChecked(bob, 'echo', [['2']])];
      const drained = a!.service.shutdown('drain');
      expect(await rejection(a!.service.submitChecked(alice, 'echo', [['p']], {}, { onEvent: () => undefined }))).to.be.instanceOf(ShuttingDownError);
      // A plain submission needs nothing more from this worker: admitted to the shared queue.
      waiting.push(await a!.service.submitChecked(alice, 'echo', [['3']]));
      expect((await a!.service.stats(alice)).accepting).to.equal(false);
      await drained;
      expect(cluster.terminalsOf(long.taskId)).to.have.length(1);
      expect(cluster.terminalsOf(long.taskId)[0]).to.deep.include({ worker: 0, owner: 'alice' });
      expect(cluster.terminalsOf(long.taskId)[0]!.event.status).to.equal('success');
      for (const { taskId } of waiting) expect((await c!.service.status(root, taskId)).status).to.equal('queued');
      c!.service.start();
      for (const { taskId } of waiting) {
        const end = await cluster.ended(taskId);
        expect(end).to.deep.include({ worker: 2 });
        expect(end.event.status).to.equal('success');
      }
    });

    it('stops a draining task that another worker cancels', async () => {
      const cluster = await make(2);
      const [a, b] = cluster.workers;
      a!.service.start();
      const { taskId } = await a!.service.submitChecked(alice, 'nap', [20_000]);
      await a!.sink.waitFor(taskId, 'started');
      const drained = a!.service.shutdown('drain');
      expect(await b!.service.cancel(alice, taskId)).to.equal('running');
      await drained;
      expect(cluster.terminalsOf(taskId).map((p) => [p.worker, p.event.status])).to.deep.equal([[0, 'cancelled']]);
    });

    it('ends, once, from another worker, the task of a worker whose heartbeats stopped reaching the store', async () => {
      const cluster = await make(2, { limits: { leaseMs: 600 }, wrap: [undefined, deaf], each: [{}, { reapMs: 60_000 }] });
      const [a, b] = cluster.workers;
      b!.service.start();
      const { taskId } = await a!.service.submitChecked(alice, 'nap', [1500]);
      await b!.sink.waitFor(taskId, 'started');
      a!.service.start();
      const end = await cluster.ended(taskId);
      expect(end.worker).to.equal(0);
      expect(end.event).to.have.nested.property('error.code', 'ERR_WORKER_LOST');
      // b's run ends too (finished or stopped); its end is not recorded (the lease was lost), nor published
      await waitFor(() => b!.service.running === 0, 'b\'s task to end', 5000);
      await expectNothingWithin(200);
      expect(cluster.terminalsOf(taskId)).to.have.length(1);
      expect(await b!.service.status(alice, taskId)).to.deep.equal(end.event);
    });
  });
}
