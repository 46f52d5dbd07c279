import { expect } from 'chai';
import { isTaskId, newTaskId, TASK_ID } from '../../../worker/task-ids.ts';

describe('task ids', () => {
  it('are 32 lowercase hex characters, like the original uuid4().hex (docs/task-semantics.md)', () => {
    expect(newTaskId()).to.match(TASK_ID);
    expect(isTaskId(newTaskId())).to.equal(true);
    expect(isTaskId('../etc')).to.equal(false);
    expect(isTaskId(42)).to.equal(false);
  });

  it('do not repeat (random, not a counter)', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newTaskId()));
    expect(ids.size).to.equal(10_000);
  });
});
