import { expect } from 'chai';
import { ShuttingDownError, TaskAlreadyFinishedError } from '../../../shared/errors.ts';
import { isTerminal } from '../../../shared/task-status.ts';
import { marks, pids } from '../../fixtures/tasks/index.ts';
import { alive, waitGone } from './runner-fixtures.ts';
import { alice, bob, tick, until, useServiceHarness } from './service-fixture.ts';

describe('TaskService cancel and shutdown', () => {
  const harness = useServiceHarness();

  it('cancels a queued task: queued → cancelled without duration, and it never runs', async () => {
    const { service, sink } = harness.make({ queue: { concurrency: 1 } });
    service.submit(alice, 'nap', [5000]);
    const before = marks.length;
    const { taskId, done } = service.submit(alice, 'mark', ['never']);
    expect(service.cancel(alice, taskId)).to.equal('queued');
    const end = await done;
    expect(end).to.include({ status: 'cancelled' }).and.not.have.property('duration');
    expect(sink.statusesOf(taskId)).to.deep.equal(['queued', 'cancelled']);
    expect(service.status(alice, taskId).status).to.equal('cancelled');
    expect(marks.slice(before)).to.deep.equal([]);
  });

  it('cancels a running task: its process group is killed and the task ends with cancelled and a duration', async function () {
    this.timeout(15_000);
    const { service, sink } = harness.make();
    const before = pids.length;
    const { taskId, done } = service.submit(alice, 'nap', [20_000]);
    await until(() => pids.length > before);
    const pid = pids[before] ?? 0;
    expect(alive(pid)).to.equal(true);
    expect(service.cancel(alice, taskId)).to.equal('running');
    const end = await done;
    expect(end.status).to.equal('cancelled');
    expect(end.status === 'cancelled' ? end.duration : undefined).to.be.a('number');
    expect(await waitGone(pid)).to.equal(true);
    expect(sink.statusesOf(taskId)).to.deep.equal(['queued', 'started', 'cancelled']);
  });

  it('cancels a custom task through its signal', async () => {
    const { service, sink } = harness.make();
    const { taskId, done } = service.submit(alice, 'custom_wait');
    await sink.waitFor(taskId, 'started');
    expect(service.cancel(alice, taskId)).to.equal('running');
    expect(await done).to.include({ status: 'cancelled' });
  });

  it('refuses to cancel a finished task with TaskAlreadyFinishedError', async () => {
    const { service } = harness.make();
    const { taskId, done } = service.submit(alice, 'mark', ['x']);
    await done;
    expect(() => service.cancel(alice, taskId)).to.throw(TaskAlreadyFinishedError, /already finished \(success\)/);
  });

  it("shutdown('cancel') gives every accepted task exactly one terminal event and leaves no process", async function () {
    this.timeout(15_000);
    const { service, sink } = harness.make({ queue: { concurrency: 2 } });
    const before = pids.length;
    const ids = [alice, bob, alice, bob, alice].map((caller) => service.submit(caller, 'nap', [20_000]).taskId);
    await until(() => pids.length >= before + 2);
    const running = pids.slice(before);
    await service.shutdown('cancel');
    for (const id of ids) {
      const terminals = sink.eventsOf(id).filter((e) => isTerminal(e.status)).map((e) => e.status);
      expect(terminals, id).to.deep.equal(['cancelled']);
    }
    for (const pid of running) expect(await waitGone(pid)).to.equal(true);
    expect(() => service.submit(alice, 'mark', ['late'])).to.throw(ShuttingDownError);
  });

  it("shutdown('drain') runs every accepted task to its end first", async () => {
    const { service, sink } = harness.make({ queue: { concurrency: 1 } });
    const ids = ['d1', 'd2', 'd3'].map((label) => service.submit(alice, 'mark', [label]).taskId);
    await service.shutdown('drain');
    await tick();
    expect(ids.map((id) => sink.statusesOf(id).at(-1))).to.deep.equal(['success', 'success', 'success']);
  });
});
