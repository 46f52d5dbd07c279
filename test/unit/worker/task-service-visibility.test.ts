import { expect } from 'chai';
import { NoSuchTaskIdError, type AppError } from '../../../shared/errors.ts';
import { AppErrorUri } from '../../../shared/wamp/app-uris.ts';
import { newTaskId, randomWorkerId } from '../../../worker/task-ids.ts';
import { alice, bob, root, useServiceHarness } from './service-fixture.ts';

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a throw');
}

describe('TaskService visibility and history (docs/task-semantics.md: a user never sees another user\'s tasks)', () => {
  const harness = useServiceHarness();

  it("answers another user's task id exactly like an unknown id, for status and cancel", () => {
    const { service } = harness.make({ queue: { concurrency: 1 } });
    const { taskId } = service.submit(alice, 'nap', [5000]);
    const unknownId = newTaskId(randomWorkerId());
    for (const op of [(id: string) => service.status(bob, id), (id: string) => service.cancel(bob, id)]) {
      const foreign = thrown(() => op(taskId));
      const unknown = thrown(() => op(unknownId));
      expect(foreign).to.be.instanceOf(NoSuchTaskIdError);
      expect(unknown).to.be.instanceOf(NoSuchTaskIdError);
      expect([foreign.code, foreign.uri]).to.deep.equal([unknown.code, unknown.uri]);
      expect(foreign.uri).to.equal(AppErrorUri.noSuchTask);
      expect(foreign.message.replace(taskId, 'ID')).to.equal(unknown.message.replace(unknownId, 'ID'));
    }
    expect(service.status(alice, taskId).status).to.be.oneOf(['queued', 'started']);
  });

  it("lets an admin see and cancel any user's task", async () => {
    const { service, sink } = harness.make();
    const { taskId, done } = service.submit(alice, 'nap', [5000]);
    expect(service.status(root, taskId).task_id).to.equal(taskId);
    await sink.waitFor(taskId, 'started');
    expect(service.cancel(root, taskId)).to.equal('running');
    expect(await done).to.include({ status: 'cancelled' });
  });

  it('delivers events only for their owner (the sink is told whose task it is)', async () => {
    const { service, sink } = harness.make();
    await Promise.all([service.submit(alice, 'mark', ['a']).done, service.submit(bob, 'mark', ['b']).done]);
    const aliceIds = new Set(service.history(alice).map((e) => e.task_id));
    for (const { owner, event } of sink.published) expect(owner).to.equal(aliceIds.has(event.task_id) ? 'alice' : 'bob');
    expect(service.history(bob).map((e) => e.task_id).some((id) => aliceIds.has(id))).to.equal(false);
  });

  it('keeps history newest first, bounded per user; an evicted id is unknown', async () => {
    const { service } = harness.make({ service: { historyPerUser: 3 } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { taskId, done } = service.submit(alice, 'mark', [`h${i}`]);
      ids.push(taskId);
      await done;
    }
    const history = service.history(alice);
    expect(history.map((e) => e.task_id)).to.deep.equal([ids[4], ids[3], ids[2]]);
    expect(history.map((e) => e.status)).to.deep.equal(['success', 'success', 'success']);
    expect(service.history(alice, 2).map((e) => e.task_id)).to.deep.equal([ids[4], ids[3]]);
    expect(thrown(() => service.status(alice, ids[0] ?? ''))).to.be.instanceOf(NoSuchTaskIdError);
    expect(service.history(bob)).to.deep.equal([]);
  });

  it('never evicts tasks that are still queued or running', () => {
    const { service } = harness.make({ queue: { concurrency: 1 }, service: { historyPerUser: 1 } });
    const ids = [5000, 5000, 5000].map((ms) => service.submit(alice, 'nap', [ms]).taskId);
    expect(service.history(alice, 10).map((e) => e.task_id)).to.deep.equal(ids.toReversed());
  });
});
