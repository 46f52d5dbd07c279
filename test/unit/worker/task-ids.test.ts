import { expect } from 'chai';
import { isTaskId, newTaskId, randomWorkerId, TASK_ID, WORKER_ID, workerOf } from '../../../worker/task-ids.ts';

describe('task ids', () => {
  const worker = randomWorkerId();

  it('are 32 lowercase hex characters, like the original uuid4().hex (docs/task-semantics.md)', () => {
    expect(newTaskId(worker)).to.match(TASK_ID);
    expect(isTaskId(newTaskId(worker))).to.equal(true);
    expect(isTaskId('../etc')).to.equal(false);
    expect(isTaskId(42)).to.equal(false);
  });

  it('start with the id of the worker that holds the task (docs/many-workers.md)', () => {
    expect(worker).to.match(WORKER_ID);
    const id = newTaskId(worker);
    expect(workerOf(id)).to.equal(worker);
    expect(randomWorkerId()).to.not.equal(worker);
  });

  it('do not repeat (random, not a counter)', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newTaskId(worker)));
    expect(ids.size).to.equal(10_000);
  });
});
