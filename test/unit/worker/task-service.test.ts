import path from 'node:path';
import { expect } from 'chai';
import {
  InvalidParamsError, NoSuchTaskError, QueueFullError, TaskNotAllowedError,
} from '../../../shared/errors.ts';
import { AppErrorUri } from '../../../shared/wamp/app-uris.ts';
import { TASK_ID } from '../../../worker/task-ids.ts';
import { marks, pids } from '../../fixtures/tasks/index.ts';
import { waitGone } from './runner-fixtures.ts';
import { alice, anon, root, tick, useServiceHarness } from './service-fixture.ts';

/** The error `fn` throws (fails the test if it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('TaskService', () => {
  const harness = useServiceHarness();

  describe('submit', () => {
    it('returns the id before any event is delivered, and status() already answers queued (docs/task-semantics.md)', async () => {
      const { service, sink } = harness.make();
      const { taskId, done } = service.submit(alice, 'echo', [['hi']]);
      sink.order.push('returned');
      expect(taskId).to.match(TASK_ID);
      expect(service.status(alice, taskId)).to.include({ status: 'queued', task_id: taskId, task: 'echo' });
      for (let i = 0; i < 5; i++) await Promise.resolve();
      expect(sink.published, 'nothing published within the submitting microtasks').to.deep.equal([]);
      await done;
      expect(sink.order[0]).to.equal('returned');
      expect(sink.order.slice(1)).to.deep.equal([`queued:${taskId}`, `started:${taskId}`, `success:${taskId}`]);
    });

    it('runs a command with its argv (no shell), cwd and env, and reports the parsed result with a duration', async () => {
      const { service, sink } = harness.make();
      const words = ['a b', '$(touch /tmp/x)', ';', '*'];
      const { taskId, done } = service.submit(alice, 'echo', [], { words });
      const end = await done;
      expect(end).to.deep.include({ status: 'success', task_id: taskId, result: { argv: words, cwd: path.join(harness.filesDir(), 'alice'), env: 'from-definition' } });
      expect(end.status === 'success' ? end.duration : -1).to.be.within(0, 10);
      expect(new Date(end.at).toISOString()).to.equal(end.at);
      expect(sink.published.map((p) => p.owner)).to.deep.equal(['alice', 'alice', 'alice']);
    });

    it('publishes queued, started, one progress event per parsed stdout line, then exactly one terminal event', async () => {
      const { service, sink } = harness.make();
      const seen: string[] = [];
      const { taskId, done } = service.submit(alice, 'progress', [], { steps: 4 }, { onEvent: (e) => seen.push(e.status) });
      const end = await done;
      await tick();
      expect(sink.statusesOf(taskId)).to.deep.equal(['queued', 'started', 'progress', 'progress', 'progress', 'progress', 'success']);
      expect(seen, 'onEvent gets the same events').to.deep.equal(sink.statusesOf(taskId));
      const progress = sink.eventsOf(taskId).flatMap((e) => (e.status === 'progress' ? [[e.progress, e.message]] : []));
      expect(progress).to.deep.equal([[0.25, 'step 1'], [0.5, 'step 2'], [0.75, 'step 3'], [1, 'step 4']]);
      expect(end).to.include({ status: 'success', result: 'done' });
    });

    it('reports a non-zero exit as an error event with the exit code and the tail of stderr', async () => {
      const { service } = harness.make();
      const end = await service.submit(alice, 'exit_with', [3, 'something broke']).done;
      expect(end.status).to.equal('error');
      if (end.status !== 'error') return;
      expect(end.error).to.deep.include({ code: 'ERR_TASK_FAILED', exit_code: 3, stderr_tail: 'something broke' });
      expect(end.error.message).to.contain('exit code 3').and.contain('something broke');
      expect(end.duration).to.be.a('number');
    });

    it('reports a missing program as a clear error naming the program', async () => {
      const { service } = harness.make();
      const end = await service.submit(alice, 'missing').done;
      expect(end).to.deep.include({ status: 'error' });
      if (end.status !== 'error') return;
      expect(end.error.code).to.equal('ERR_TASK_SPAWN_FAILED');
      expect(end.error.message).to.contain('"asexor-no-such-program"').and.contain('not found');
    });

    it("ends with a timeout event when the runner kills a process for exceeding the task's timeout", async function () {
      this.timeout(15_000);
      const { service } = harness.make();
      const before = pids.length;
      const end = await service.submit(alice, 'slow').done;
      expect(end.status).to.equal('timeout');
      expect(end.status === 'timeout' ? end.duration : 0).to.be.within(0.28, 5);
      const pid = pids[before];
      expect(pid).to.be.a('number');
      expect(await waitGone(pid ?? 0)).to.equal(true);
    });

    it('rejects invalid params with InvalidParamsError naming the field, and queues nothing', async () => {
      const { service, queue, sink } = harness.make();
      const error = thrown(() => service.submit(alice, 'nap', ['soon']));
      expect(error).to.be.instanceOf(InvalidParamsError);
      expect((error as InvalidParamsError).issues.map((i) => i.field)).to.deep.equal(['ms']);
      expect((error as InvalidParamsError).uri).to.equal(AppErrorUri.invalidParams);
      await tick();
      expect(queue.stats()).to.include({ queued: 0, running: 0 });
      expect(sink.published).to.deep.equal([]);
      expect(service.history(alice)).to.deep.equal([]);
    });

    it('refuses a task the role may not run with not_authorized, and an unknown task with no_such_task', () => {
      const { service, queue } = harness.make();
      const denied = thrown(() => service.submit(alice, 'admin_only'));
      expect(denied).to.be.instanceOf(TaskNotAllowedError).and.include({ uri: AppErrorUri.notAuthorized, task: 'admin_only', role: 'user' });
      expect(thrown(() => service.submit(anon, 'echo')), 'anonymous runs nothing by default').to.be.instanceOf(TaskNotAllowedError);
      const unknown = thrown(() => service.submit(alice, 'no_such'));
      expect(unknown).to.be.instanceOf(NoSuchTaskError).and.include({ uri: AppErrorUri.noSuchTask });
      expect(queue.stats()).to.include({ queued: 0, running: 0 });
    });

    it('lets an admin run an admin-only task', async () => {
      const { service } = harness.make();
      expect(await service.submit(root, 'admin_only').done).to.include({ status: 'success', result: 'admin ran' });
    });

    it('passes queue_full through synchronously and records nothing for the refused task', () => {
      const { service } = harness.make({ queue: { concurrency: 1, maxQueued: 1 } });
      service.submit(alice, 'nap', [5000]);
      service.submit(alice, 'nap', [5000]);
      expect(thrown(() => service.submit(alice, 'nap', [5000]))).to.be.instanceOf(QueueFullError).and.include({ uri: AppErrorUri.queueFull });
      expect(service.history(alice)).to.have.length(2);
    });

    it("takes the queue priority from the caller's role", async () => {
      const { service } = harness.make({ queue: { concurrency: 1, rolePriority: { admin: 0 } } });
      const blocker = service.submit(alice, 'nap', [300]);
      const first = marks.length;
      const user = service.submit(alice, 'mark', ['user task']);
      const admin = service.submit(root, 'mark', ['admin task']);
      await Promise.all([blocker.done, user.done, admin.done]);
      expect(marks.slice(first)).to.deep.equal(['admin task', 'user task']);
    });
  });

  describe('list and stats', () => {
    it("lists the tasks the caller's role may run, with JSON Schemas", () => {
      const { service } = harness.make();
      const names = (caller: typeof alice): string[] => service.list(caller).map((t) => t.name);
      expect(names(alice)).to.include('echo').and.not.include('admin_only');
      expect(names(root)).to.include('admin_only');
      expect(names(anon)).to.deep.equal([]);
      expect(service.list(alice).find((t) => t.name === 'nap')?.params).to.deep.include({ required: ['ms'] });
    });

    it('reports queue counts; the user count only to admins', () => {
      const { service } = harness.make({ queue: { concurrency: 1 } });
      service.submit(alice, 'nap', [5000]);
      service.submit(alice, 'nap', [5000]);
      expect(service.stats(alice)).to.include({ queued: 1, running: 1 }).and.not.have.property('users');
      expect(service.stats(root)).to.include({ queued: 1, running: 1, users: 1 });
    });
  });
});
