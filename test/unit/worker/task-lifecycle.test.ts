import { expect } from 'chai';
import { z } from 'zod';
import { TaskCancelledError, TaskFailedError, TaskTimeoutError } from '../../../shared/errors.ts';
import { isTerminal } from '../../../shared/task-status.ts';
import { defineCustomTask } from '../../../shared/task.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { CUSTOM_ABORT_GRACE_MS } from '../../../worker/task-execute.ts';
import { terminalError } from '../../../worker/task-lifecycle.ts';
import { TaskRunner } from '../../../worker/task-runner.ts';
import fixtureTasks from '../../fixtures/tasks/index.ts';
import { alice, tick, useServiceHarness } from './service-fixture.ts';

/** A custom task whose progress callback throws: the task must still end exactly once. */
const progressThenThrow = defineCustomTask({
  name: 'progress_then_throw',
  description: 'Reports nonsense progress, then throws a plain error.',
  params: z.object({}),
  run: (_params, ctx) => {
    ctx.progress(Number.NaN);
    ctx.progress(7, 'clamped');
    return Promise.reject(new Error('boom'));
  },
});

/** A custom task that never settles and ignores its signal. */
const stubborn = defineCustomTask({
  name: 'stubborn',
  description: 'Never ends.',
  params: z.object({}),
  run: () => new Promise(() => undefined),
});

describe('task lifecycle (custom tasks, terminal guarantees)', () => {
  const harness = useServiceHarness();

  it('runs a custom task with a RunContext: progress() publishes, exec() spawns through the runner', async () => {
    const { service, sink } = harness.make();
    const { taskId, done } = service.submit(alice, 'custom_exec', [], { word: 'via exec' });
    const end = await done;
    expect(end).to.deep.include({ status: 'success', result: { argv: ['via exec'], cwd: process.cwd(), env: 'exec' } });
    expect(sink.eventsOf(taskId).filter((e) => e.status === 'progress')).to.have.length(1).and.to.satisfy(
      (events: { progress: number; message?: string }[]) => events[0]?.progress === 0.5 && events[0].message === 'half way',
    );
  });

  it("sends an AppError's message, but never the detail of an unexpected exception", async () => {
    const { service } = harness.make();
    const failed = await service.submit(alice, 'mark', ['m'], { fail: true }).done;
    expect(failed).to.deep.include({ status: 'error', error: { code: 'ERR_TASK_FAILED', message: 'mark m failed as asked' } });
    const bug = await service.submit(alice, 'custom_bug').done;
    expect(bug.status).to.equal('error');
    expect(JSON.stringify(bug)).to.not.contain('secret').and.not.contain('/srv/x');
  });

  it('ends a custom task that overruns its timeout with timeout', async () => {
    const { service } = harness.make();
    const end = await service.submit(alice, 'custom_wait').done;
    expect(end.status).to.equal('timeout');
    expect(end.status === 'timeout' ? end.duration : 0).to.be.within(0.28, 3);
  });

  it('ignores invalid progress, clamps out-of-range progress, and still ends exactly once when the task throws', async () => {
    const { service, sink } = harness.make({ tasks: [...fixtureTasks, progressThenThrow] });
    const { taskId, done } = service.submit(alice, 'progress_then_throw');
    await done;
    await tick();
    const events = sink.eventsOf(taskId);
    expect(events.map((e) => e.status)).to.deep.equal(['queued', 'started', 'progress', 'error']);
    expect(events[2]).to.include({ progress: 1, message: 'clamped' });
    expect(events.filter((e) => isTerminal(e.status))).to.have.length(1);
  });

  it('keeps working when the sink or the onEvent listener throws', async () => {
    const { service, sink } = harness.make();
    sink.throwOnPublish = true;
    const seen: string[] = [];
    const onEvent = (e: { status: string }): void => {
      seen.push(e.status);
      throw new Error('listener down');
    };
    const { taskId, done } = service.submit(alice, 'mark', ['x'], {}, { onEvent });
    expect(await done).to.include({ status: 'success' });
    expect(sink.statusesOf(taskId)).to.deep.equal(['queued', 'started', 'success']);
    expect(seen).to.deep.equal(['queued', 'started', 'success']);
  });

  it('ends with an error event when the runner has failed under the task', async () => {
    const closed = await TaskRunner.start({ logger: silentLogger() });
    await closed.close();
    const { service } = harness.make({ runner: closed });
    const end = await service.submit(alice, 'echo').done;
    expect(end).to.deep.include({ status: 'error' });
    expect(end.status === 'error' ? end.error.code : '').to.equal('ERR_TASK_RUNNER_FAILED');
  });

  it('abandons a custom task that ignores its signal after a grace period, still with one terminal event', async function () {
    this.timeout(CUSTOM_ABORT_GRACE_MS + 5000);
    const { service, sink, queue } = harness.make({ tasks: [...fixtureTasks, stubborn] });
    const { taskId, done } = service.submit(alice, 'stubborn');
    await sink.waitFor(taskId, 'started');
    service.cancel(alice, taskId);
    expect(await done).to.include({ status: 'cancelled' });
    await tick();
    expect(sink.statusesOf(taskId)).to.deep.equal(['queued', 'started', 'cancelled']);
    expect(queue.stats().running, 'the queue slot is free again').to.equal(0);
  });

  it('maps terminal events to the errors a WAMP call ends with', () => {
    const base = { task_id: 'x', task: 't', at: new Date(0).toISOString() };
    expect(terminalError({ ...base, status: 'success', result: 1, duration: 0 })).to.equal(undefined);
    expect(terminalError({ ...base, status: 'timeout', duration: 1 })).to.be.instanceOf(TaskTimeoutError);
    expect(terminalError({ ...base, status: 'cancelled' })).to.be.instanceOf(TaskCancelledError);
    const failed = terminalError({ ...base, status: 'error', duration: 0, error: { code: 'ERR_TASK_FAILED', message: 'm', exit_code: 2 } });
    expect(failed).to.be.instanceOf(TaskFailedError).and.include({ message: 'm', exitCode: 2 });
  });
});
