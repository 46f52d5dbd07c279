import { expect } from 'chai';
import type { TaskStatusEvent } from '../../../shared/task-status.ts';
import type { MultiTaskResult } from '../../../worker/multi-task.ts';
import { marks, pids } from '../../fixtures/tasks/index.ts';
import { expectNothingWithin } from '../../helpers/wait-for.ts';
import { alive, waitGone } from './runner-fixtures.ts';
import { alice, root, tick, until, useServiceHarness } from './service-fixture.ts';

function resultOf(end: TaskStatusEvent): MultiTaskResult {
  if (end.status !== 'success') throw new Error(`expected success, got ${JSON.stringify(end)}`);
  return end.result as MultiTaskResult;
}

describe('multi-tasks (worker/multi-task.ts; fixes docs/task-semantics.md)', () => {
  const harness = useServiceHarness();

  it('runs subtasks in order, reports done/total progress and collects every outcome, failures included', async () => {
    const { service, sink } = harness.make();
    const first = marks.length;
    const subtasks = [
      { task: 'mark', params: { label: 'one' } },
      { task: 'exit_with', params: { code: 2, message: 'two failed' } },
      { task: 'mark', params: { label: 'three' } },
    ];
    const { taskId, done } = service.submit(alice, 'multi', [subtasks]);
    const result = resultOf(await done);
    await tick();
    expect(marks.slice(first)).to.deep.equal(['one', 'three']);
    const progress = sink.eventsOf(taskId).flatMap((e) => (e.status === 'progress' ? [e.progress] : []));
    expect(progress).to.deep.equal([1 / 3, 2 / 3, 1]);
    expect(result).to.include({ total: 3, succeeded: 2, failed: 1 });
    expect(result.results.map((r) => r.status)).to.deep.equal(['success', 'error', 'success']);
    expect(result.results[0]).to.deep.include({ task: 'mark', params: { label: 'one' }, result: 'one' });
    expect(result.results[1]?.error).to.deep.include({ code: 'ERR_TASK_FAILED', exit_code: 2, stderr_tail: 'two failed' });
    expect(sink.statusesOf(taskId).filter((s) => s === 'started'), 'subtasks publish no events of their own').to.have.length(1);
  });

  it("authorizes and validates each subtask like a task of the caller's own", async () => {
    const { service } = harness.make();
    const subtasks = [
      { task: 'admin_only', params: {} },
      { task: 'no_such', params: {} },
      { task: 'multi', params: { subtasks: [] } },
      { task: 'nap', params: { ms: 'soon' } },
    ];
    const asUser = resultOf(await service.submit(alice, 'multi', [subtasks]).done);
    expect(asUser.results.map((r) => r.error?.code)).to.deep.equal(['ERR_TASK_NOT_ALLOWED', 'ERR_NO_SUCH_TASK', 'ERR_TASK_DEFINITION', 'ERR_INVALID_PARAMS']);
    expect(asUser.results[3]?.error?.message).to.contain('ms:');
    const asAdmin = resultOf(await service.submit(root, 'multi', [subtasks.slice(0, 1)]).done);
    expect(asAdmin.results[0]).to.include({ status: 'success', result: 'admin ran' });
  });

  it('on cancel, kills the running subtask and skips the rest', async function () {
    this.timeout(15_000);
    const { service, sink } = harness.make();
    const first = marks.length;
    const before = pids.length;
    const subtasks = [
      { task: 'mark', params: { label: 'before' } },
      { task: 'nap', params: { ms: 20_000 } },
      { task: 'mark', params: { label: 'after' } },
    ];
    const { taskId, done } = service.submit(alice, 'multi', [subtasks]);
    await until(() => pids.length > before);
    const pid = pids[before] ?? 0;
    expect(service.cancel(alice, taskId)).to.equal('running');
    expect(await done).to.include({ status: 'cancelled' });
    expect(await waitGone(pid)).to.equal(true);
    await expectNothingWithin(50);
    expect(marks.slice(first), 'the subtask after the cancelled one never runs').to.deep.equal(['before']);
    expect(sink.statusesOf(taskId)).to.deep.equal(['queued', 'started', 'progress', 'cancelled']);
  });

  it("ends with timeout when the multi-task's own timeout passes, killing the running subtask", async function () {
    this.timeout(15_000);
    const { service } = harness.make();
    const before = pids.length;
    const end = await service.submit(alice, 'multi_quick', [], { subtasks: [{ task: 'nap', params: { ms: 20_000 } }] }).done;
    expect(end.status).to.equal('timeout');
    const pid = pids[before];
    // On a loaded machine the 400 ms can pass before the subtask printed its pid: there is none to check then
    // (waitGone(0) would probe this process group).
    if (pid !== undefined) expect(await waitGone(pid)).to.equal(true);
  });

  it('runs up to `concurrency` subtasks at the same time', async function () {
    this.timeout(15_000);
    const { service } = harness.make();
    const before = pids.length;
    const subtasks = [1500, 1500].map((ms) => ({ task: 'nap', params: { ms } }));
    const { done } = service.submit(alice, 'multi_parallel', [], { subtasks });
    await until(() => pids.length >= before + 2);
    expect(pids.slice(before).map((pid) => alive(pid))).to.deep.equal([true, true]);
    expect(resultOf(await done)).to.include({ total: 2, succeeded: 2 });
  });

  it('succeeds at once with no results for an empty list', async () => {
    const { service, sink } = harness.make();
    const { taskId, done } = service.submit(alice, 'multi', [[]]);
    expect(resultOf(await done)).to.deep.equal({ total: 0, succeeded: 0, failed: 0, results: [] });
    await tick();
    expect(sink.statusesOf(taskId)).to.deep.equal(['queued', 'started', 'success']);
  });
});
