import { expect } from 'chai';
import type { TaskStatusEvent } from '../../../shared/task-status.ts';
import { TaskHistory } from '../../../worker/task-history.ts';

const at = new Date(0).toISOString();
const queued = (id: string): TaskStatusEvent => ({ task_id: id, task: 't', at, status: 'queued' });
const success = (id: string): TaskStatusEvent => ({ task_id: id, task: 't', at, status: 'success', result: null, duration: 0 });

describe('TaskHistory', () => {
  it('keeps the latest event per task and lists a user\'s tasks newest first', () => {
    const history = new TaskHistory();
    history.add('alice', queued('a1'));
    history.add('bob', queued('b1'));
    history.add('alice', queued('a2'));
    history.update(success('a1'));
    expect(history.get('a1')).to.deep.include({ owner: 'alice', event: success('a1') });
    expect(history.recent('alice').map(({ event: e }) => `${e.task_id}:${e.status}`)).to.deep.equal(['a2:queued', 'a1:success']);
    expect(history.recent('alice', 1).map(({ event: e }) => e.task_id)).to.deep.equal(['a2']);
    expect(history.recent('carol')).to.deep.equal([]);
  });

  it('evicts the oldest finished tasks beyond perUser, never active ones', () => {
    const history = new TaskHistory({ perUser: 2 });
    for (const id of ['t1', 't2', 't3', 't4']) history.add('alice', queued(id));
    for (const id of ['t2', 't1', 't3']) history.update(success(id));
    expect(history.get('t2'), 'finished first, evicted first').to.equal(undefined);
    expect(history.recent('alice', 10).map(({ event: e }) => e.task_id)).to.deep.equal(['t4', 't3', 't1']);
    expect(history.size).to.equal(3);
  });

  it('evicts the oldest finished tasks of any user beyond maxFinished', () => {
    const history = new TaskHistory({ perUser: 10, maxFinished: 2 });
    for (const [owner, id] of [['alice', 'a1'], ['bob', 'b1'], ['alice', 'a2']] as const) {
      history.add(owner, queued(id));
      history.update(success(id));
    }
    expect(history.get('a1')).to.equal(undefined);
    expect(history.recent('bob').map(({ event: e }) => e.task_id)).to.deep.equal(['b1']);
    expect(history.size).to.equal(2);
  });

  it('forgets a user with no kept task, and ignores updates of unknown ids', () => {
    const history = new TaskHistory({ perUser: 1, maxFinished: 1 });
    history.add('alice', queued('a1'));
    history.update(success('a1'));
    history.add('bob', queued('b1'));
    history.update(success('b1'));
    history.update(success('zz'));
    expect(history.recent('alice')).to.deep.equal([]);
    expect(history.size).to.equal(1);
  });

  it('rejects a bound that is not a positive integer', () => {
    expect(() => new TaskHistory({ perUser: 0 })).to.throw(RangeError, /historyPerUser/);
    expect(() => new TaskHistory({ maxFinished: 1.5 })).to.throw(RangeError, /maxFinished/);
  });
});
