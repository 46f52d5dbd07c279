import { expect } from 'chai';
import { availableParallelism } from 'node:os';
import { ConfigInvalidError } from '../../../shared/errors.ts';
import { TaskQueue } from '../../../worker/task-queue.ts';
import { resolveTaskQueueOptions, taskQueueDefaults, type TaskQueueOptions } from '../../../worker/task-queue-options.ts';
import { Jobs } from './task-queue-fixture.ts';

describe('TaskQueue options (worker/task-queue-options.ts)', () => {
  it('defaults: CPU count, 10,000 waiting, 1,000 per user, maxRunning = concurrency, priority 4', () => {
    const options = resolveTaskQueueOptions();
    expect(options).to.include({
      concurrency: availableParallelism(), maxQueued: 10_000, perUserMaxQueued: 1000,
      perUserMaxRunning: availableParallelism(), defaultPriority: 4,
    });
    expect(taskQueueDefaults).to.deep.equal({ maxQueued: 10_000, perUserMaxQueued: 1000, defaultPriority: 4 });
    expect(Object.isFrozen(options)).to.equal(true);
    expect(resolveTaskQueueOptions({ concurrency: 3 }).perUserMaxRunning).to.equal(3);
  });

  it('accepts Infinity for the waiting and per-user limits', () => {
    const options = resolveTaskQueueOptions({ concurrency: 2, maxQueued: Infinity, perUser: { maxQueued: Infinity, maxRunning: Infinity } });
    expect(options).to.include({ maxQueued: Infinity, perUserMaxQueued: Infinity, perUserMaxRunning: Infinity });
  });

  const invalid: [string, TaskQueueOptions, string][] = [
    ['concurrency 0', { concurrency: 0 }, 'Expected `concurrency` to be an integer from 1 and up, got `0` (number)'],
    ['concurrency Infinity', { concurrency: Infinity }, 'Expected `concurrency` to be an integer from 1 and up, got `Infinity` (number)'],
    ['concurrency as a string', { concurrency: '2' as unknown as number }, 'Expected `concurrency` to be an integer from 1 and up, got `2` (string)'],
    ['maxQueued 1.5', { maxQueued: 1.5 }, 'Expected `maxQueued` to be an integer from 1 and up or `Infinity`, got `1.5` (number)'],
    ['perUser.maxQueued 0', { perUser: { maxQueued: 0 } }, 'Expected `perUser.maxQueued` to be an integer from 1 and up or `Infinity`, got `0` (number)'],
    ['perUser.maxRunning NaN', { perUser: { maxRunning: NaN } }, 'Expected `perUser.maxRunning` to be an integer from 1 and up or `Infinity`, got `NaN` (number)'],
    ['defaultPriority 10', { defaultPriority: 10 }, 'Expected `defaultPriority` to be an integer from 0 to 9, got `10` (number)'],
    ['rolePriority.admin -1', { rolePriority: { admin: -1 } }, 'Expected `rolePriority.admin` to be an integer from 0 to 9, got `-1` (number)'],
    ['rolePriority.user "high"', { rolePriority: { user: 'high' as unknown as number } }, 'Expected `rolePriority.user` to be an integer from 0 to 9, got `high` (string)'],
  ];
  for (const [what, input, message] of invalid) {
    it(`rejects ${what} with ConfigInvalidError naming option, value and type`, () => {
      expect(() => new TaskQueue(input)).to.throw(ConfigInvalidError, message).that.includes({ code: 'ERR_CONFIG_INVALID' });
    });
  }
});

describe('TaskQueue.priorityFor and stats', () => {
  it('maps roles through rolePriority (0 included), others and prototype names to defaultPriority', () => {
    const queue = new TaskQueue({ concurrency: 1, rolePriority: { admin: 0, anonymous: 5 }, defaultPriority: 6 });
    expect(queue.priorityFor('admin')).to.equal(0);
    expect(queue.priorityFor('anonymous')).to.equal(5);
    expect(queue.priorityFor('user')).to.equal(6);
    expect(queue.priorityFor('constructor')).to.equal(6);
    expect(new TaskQueue({ concurrency: 1 }).priorityFor('user')).to.equal(4);
  });

  it('counts waiting tasks per priority, running tasks and users', async () => {
    const jobs = new Jobs();
    const queue = new TaskQueue({ concurrency: 2, maxQueued: 50 });
    expect(queue.stats()).to.deep.equal({
      queued: 0, running: 0, users: 0, concurrency: 2, maxQueued: 50, accepting: true,
      byPriority: { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0 },
    });
    queue.submit(jobs.job('r1', 'alice', 9));
    queue.submit(jobs.job('r2', 'bob', 9));
    queue.submit(jobs.job('w1', 'alice', 0));
    queue.submit(jobs.job('w2', 'carol', 0));
    queue.submit(jobs.job('w3', 'carol', 7));
    const stats = queue.stats();
    expect(stats).to.include({ queued: 3, running: 2, users: 3 });
    expect(stats.byPriority).to.include({ 0: 2, 7: 1, 9: 0 });
    await queue.shutdown('cancel');
    expect(queue.stats()).to.include({ queued: 0, running: 0, users: 0, accepting: false });
  });
});
