import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueueFullError, UserQueueLimitError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/logger.ts';
import { TaskQueue } from '../../../worker/task-queue.ts';
import { Jobs, recordEvents, tick } from './task-queue-fixture.ts';

describe('TaskQueue ordering and limits', () => {
  let jobs: Jobs;
  beforeEach(() => { jobs = new Jobs(); });

  it('starts a late priority-0 task before the tasks already waiting (docs/task-semantics.md: lower number runs first)', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    queue.submit(jobs.job('blocker'));
    queue.submit(jobs.job('p4-a', 'alice', 4));
    queue.submit(jobs.job('p9', 'bob', 9));
    queue.submit(jobs.job('p4-b', 'carol', 4));
    queue.submit(jobs.job('p0', 'dave', 0));
    await jobs.drain(queue);
    // Within priority 4 users take turns: alice just had the slot (blocker), so carol goes first.
    expect(jobs.started).to.deep.equal(['blocker', 'p0', 'p4-b', 'p4-a', 'p9']);
  });

  it('keeps priorities strict and each user\'s submission order within a priority (docs/task-semantics.md)', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    queue.submit(jobs.job('blocker'));
    const submitted: { id: string; owner: string; priority: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const task = { id: `t${i}`, owner: `user${i % 4}`, priority: (i * 7) % 3 };
      queue.submit(jobs.job(task.id, task.owner, task.priority));
      submitted.push(task);
    }
    await jobs.drain(queue);
    const started = jobs.started.slice(1).map((id) => submitted.find((t) => t.id === id));
    expect(started.map((t) => t?.priority)).to.deep.equal(submitted.map((t) => t.priority).sort((a, b) => a - b));
    for (const owner of ['user0', 'user1', 'user2', 'user3']) {
      for (const priority of [0, 1, 2]) {
        const mine = (list: readonly ({ id: string; owner: string; priority: number } | undefined)[]): (string | undefined)[] =>
          list.filter((t) => t?.owner === owner && t.priority === priority).map((t) => t?.id);
        expect(mine(started), `${owner} p${priority}`).to.deep.equal(mine(submitted));
      }
    }
  });

  it('never runs more than `concurrency` real async tasks at once, and runs them all', async () => {
    const queue = new TaskQueue({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    let done = 0;
    for (let i = 0; i < 20; i++) {
      queue.submit({
        id: `t${i}`, owner: `user${i % 5}`, priority: i % 10,
        run: async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(1 + (i % 3));
          running--;
          done++;
        },
      });
    }
    await queue.shutdown('drain');
    expect(peak).to.equal(3);
    expect(done).to.equal(20);
  });

  it('does not start a task inside submit(): `started` comes after submit returns', async () => {
    const queue = new TaskQueue({ concurrency: 2 });
    const events = recordEvents(queue);
    queue.submit(jobs.job('a'));
    expect(events).to.deep.equal([]);
    expect(queue.stats().running).to.equal(1);
    await tick();
    expect(events).to.deep.equal(['started:a']);
    jobs.finish('a');
    await tick();
    expect(events).to.deep.equal(['started:a', 'settled:a']);
  });

  it('lets other users start while one user is at perUser.maxRunning, and keeps that user waiting', async () => {
    const queue = new TaskQueue({ concurrency: 3, perUser: { maxRunning: 1 } });
    queue.submit(jobs.job('a1', 'alice'));
    queue.submit(jobs.job('a2', 'alice', 0));
    queue.submit(jobs.job('b1', 'bob', 9));
    queue.submit(jobs.job('b2', 'bob', 9));
    queue.submit(jobs.job('c1', 'carol', 9));
    await tick();
    // a2 has the best priority but alice is at her limit: it waits, bob and carol start.
    expect(jobs.started).to.deep.equal(['a1', 'b1', 'c1']);
    expect(queue.stats()).to.include({ running: 3, queued: 2 });
    jobs.finish('a1');
    await tick();
    expect(jobs.started).to.deep.equal(['a1', 'b1', 'c1', 'a2']);
    await jobs.drain(queue);
    expect(jobs.started).to.deep.equal(['a1', 'b1', 'c1', 'a2', 'b2']);
  });

  it('rejects a user beyond perUser.maxQueued at once with UserQueueLimitError, and still accepts others', async () => {
    const queue = new TaskQueue({ concurrency: 1, perUser: { maxQueued: 2 } });
    queue.submit(jobs.job('a1', 'alice'));   // starts: not waiting
    queue.submit(jobs.job('a2', 'alice'));
    queue.submit(jobs.job('a3', 'alice'));
    let error: unknown;
    try { queue.submit(jobs.job('a4', 'alice')); } catch (e) { error = e; }
    expect(error).to.be.instanceOf(UserQueueLimitError);
    expect(error).to.include({ code: 'ERR_QUEUE_USER_LIMIT', uri: 'asexor.error.queue_full', owner: 'alice', limit: 2 });
    expect((error as Error).message).to.equal('Per-user queue limit reached: user "alice" already has 2 tasks waiting');
    queue.submit(jobs.job('b1', 'bob'));
    expect(queue.stats()).to.include({ queued: 3, running: 1 });
    await jobs.drain(queue);
    // Users take turns within a priority: alice had a1, so bob's b1 comes before her a2.
    expect(jobs.started).to.deep.equal(['a1', 'b1', 'a2', 'a3']);
  });

  it('throws QueueFullError synchronously beyond maxQueued waiting tasks (running ones do not count), then keeps working', async () => {
    // docs/task-semantics.md: with 10000 places and 2 slots the original accepted exactly 10002.
    const queue = new TaskQueue({ concurrency: 2, maxQueued: 3 });
    for (let i = 0; i < 5; i++) queue.submit(jobs.job(`t${i}`, `user${i}`));
    expect(() => { queue.submit(jobs.job('t5', 'user5')); })
      .to.throw(QueueFullError, 'The task queue is full: 3 tasks are already waiting')
      .that.includes({ code: 'ERR_QUEUE_FULL', uri: 'asexor.error.queue_full', limit: 3 });
    expect(queue.stats()).to.include({ queued: 3, running: 2 });
    await tick();
    jobs.finish('t0');
    await tick();
    queue.submit(jobs.job('t6', 'user6'));
    await jobs.drain(queue);
    expect(jobs.started).to.deep.equal(['t0', 't1', 't2', 't3', 't4', 't6']);
  });

  it('accepts a task that can start at once even when the waiting room is full of a blocked user\'s tasks', async () => {
    const queue = new TaskQueue({ concurrency: 3, maxQueued: 2, perUser: { maxRunning: 1 } });
    for (const id of ['a1', 'a2', 'a3']) queue.submit(jobs.job(id, 'alice'));
    expect(queue.stats()).to.include({ queued: 2, running: 1 });
    queue.submit(jobs.job('b1', 'bob'));
    queue.submit(jobs.job('c1', 'carol'));
    expect(() => { queue.submit(jobs.job('d1', 'dave')); }).to.throw(QueueFullError);
    await jobs.drain(queue);
    expect(jobs.started).to.deep.equal(['a1', 'b1', 'c1', 'a2', 'a3']);
  });

  it('rejects a priority outside 0..9 and a duplicate id with a TypeError naming the value', () => {
    const queue = new TaskQueue({ concurrency: 1 });
    expect(() => { queue.submit(jobs.job('x', 'alice', 10)); }).to.throw(TypeError, 'Expected `priority` to be an integer from 0 to 9, got `10` (number)');
    expect(() => { queue.submit(jobs.job('y', 'alice', 1.5)); }).to.throw(TypeError, 'got `1.5` (number)');
    queue.submit(jobs.job('a'));
    expect(() => { queue.submit(jobs.job('a')); }).to.throw(TypeError, 'A task with id "a" is already queued or running');
    expect(queue.cancel('a')).to.equal('queued');
  });

  it('logs a run that rejects and goes on with the next task', async () => {
    const logged: unknown[] = [];
    const logger = { error: (obj: unknown) => { logged.push(obj); } };
    const queue = new TaskQueue({ concurrency: 1, logger: logger as unknown as Logger });
    const events = recordEvents(queue);
    queue.submit({ id: 'bad', owner: 'alice', priority: 4, run: () => Promise.reject(new Error('boom')) });
    queue.submit(jobs.job('good'));
    await tick();
    await tick();
    expect(logged).to.have.length(1);
    expect(events).to.deep.equal(['started:bad', 'settled:bad', 'started:good']);
    jobs.finish('good');
    await queue.shutdown('drain');
  });
});
