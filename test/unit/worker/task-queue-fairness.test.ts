import { expect } from 'chai';
import { TaskQueue } from '../../../worker/task-queue.ts';
import { Jobs, tick } from './task-queue-fixture.ts';

/** Finishes running jobs in start order until `stop()` says so or the queue is empty. */
async function runUntil(queue: TaskQueue, jobs: Jobs, stop: () => boolean): Promise<void> {
  let next = 0;
  while (!stop() && queue.stats().queued + queue.stats().running > 0) {
    await tick();
    const id = jobs.started[next];
    if (id !== undefined) { next++; jobs.finish(id); }
  }
}

describe('TaskQueue fairness: users take turns within a priority (docs/fairness-and-abuse.md)', () => {
  let jobs: Jobs;
  beforeEach(() => { jobs = new Jobs(); });

  it('starts a light user\'s task after at most one task of each heavy user, not after their whole backlog', async () => {
    const heavyUsers = 20;
    const perHeavy = 50;
    const queue = new TaskQueue({ concurrency: 2, maxQueued: 10_000, perUser: { maxQueued: perHeavy } });
    for (let i = 0; i < perHeavy; i++) {
      for (let u = 0; u < heavyUsers; u++) queue.submit(jobs.job(`heavy${u}-${i}`, `heavy${u}`));
    }
    await tick();
    const startedBefore = jobs.started.length;
    queue.submit(jobs.job('light', 'light'));
    await runUntil(queue, jobs, () => jobs.started.includes('light'));
    const waitedFor = jobs.started.indexOf('light') - startedBefore;
    // FIFO would start all 998 waiting heavy tasks first; in turn, each heavy user gets at most one.
    expect(waitedFor).to.be.at.most(heavyUsers);
    await queue.shutdown('cancel');
  });

  it('keeps each user\'s own tasks in submission order and serves users in turn', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    queue.submit(jobs.job('blocker', 'zed'));
    for (const id of ['a1', 'a2', 'a3']) queue.submit(jobs.job(id, 'alice'));
    for (const id of ['b1', 'b2']) queue.submit(jobs.job(id, 'bob'));
    queue.submit(jobs.job('c1', 'carol'));
    await jobs.drain(queue);
    expect(jobs.started).to.deep.equal(['blocker', 'a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('keeps priorities strict: a heavy user\'s priority-0 tasks still go before everyone\'s priority-4 tasks', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    queue.submit(jobs.job('blocker', 'zed'));
    queue.submit(jobs.job('l1', 'light', 4));
    for (const id of ['h1', 'h2', 'h3']) queue.submit(jobs.job(id, 'admin', 0));
    await jobs.drain(queue);
    expect(jobs.started).to.deep.equal(['blocker', 'h1', 'h2', 'h3', 'l1']);
  });

  it('puts a user who was at perUser.maxRunning at the back of the turn when they may run again', async () => {
    const queue = new TaskQueue({ concurrency: 2, perUser: { maxRunning: 1 } });
    queue.submit(jobs.job('a1', 'alice'));
    queue.submit(jobs.job('a2', 'alice'));
    queue.submit(jobs.job('b1', 'bob'));
    queue.submit(jobs.job('b2', 'bob'));
    queue.submit(jobs.job('c1', 'carol'));
    await tick();
    expect(jobs.started).to.deep.equal(['a1', 'b1']);
    jobs.finish('a1');
    await tick();
    // carol waited while alice and bob ran: she goes before alice's second task.
    expect(jobs.started).to.deep.equal(['a1', 'b1', 'c1']);
    await jobs.drain(queue);
    expect(jobs.started).to.deep.equal(['a1', 'b1', 'c1', 'a2', 'b2']);
  });

  it('a cancelled task gives its user\'s turn to their next task, and stateOf follows', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    queue.submit(jobs.job('blocker', 'zed'));
    queue.submit(jobs.job('a1', 'alice'));
    queue.submit(jobs.job('b1', 'bob'));
    queue.submit(jobs.job('a2', 'alice'));
    expect(queue.cancel('a1')).to.equal('queued');
    expect(queue.stateOf('a1')).to.equal(undefined);
    expect(queue.stateOf('a2')).to.equal('queued');
    await jobs.drain(queue);
    expect(jobs.started).to.deep.equal(['blocker', 'a2', 'b1']);
  });
});
