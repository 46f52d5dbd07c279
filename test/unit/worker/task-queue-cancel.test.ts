import { expect } from 'chai';
import { ShuttingDownError } from '../../../shared/errors.ts';
import { TaskQueue } from '../../../worker/task-queue.ts';
import { Jobs, recordEvents, tick } from './task-queue-fixture.ts';

describe('TaskQueue cancel', () => {
  let jobs: Jobs;
  beforeEach(() => { jobs = new Jobs(); });

  it('removes a waiting task at once: `cancelled` event, its run never starts, the others move up', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const events = recordEvents(queue);
    queue.submit(jobs.job('running'));
    queue.submit(jobs.job('waiting', 'alice', 0));
    queue.submit(jobs.job('next', 'bob', 5));
    expect(queue.stateOf('waiting')).to.equal('queued');
    expect(queue.cancel('waiting')).to.equal('queued');
    expect(events).to.deep.equal(['cancelled:waiting']);
    expect(queue.stateOf('waiting')).to.equal(undefined);
    expect(queue.stats()).to.include({ queued: 1, running: 1 });
    expect(queue.cancel('waiting')).to.equal(false);
    await jobs.drain(queue);
    expect(jobs.started).to.deep.equal(['running', 'next']);
    expect(events).to.not.include('started:waiting');
  });

  it('never runs a task cancelled after it took a slot but before its run began', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const events = recordEvents(queue);
    queue.submit(jobs.job('a'));
    expect(queue.stateOf('a')).to.equal('running');
    expect(queue.cancel('a')).to.equal('queued');
    await tick();
    expect(jobs.started).to.deep.equal([]);
    expect(events).to.deep.equal(['cancelled:a']);
    expect(queue.stats()).to.include({ queued: 0, running: 0, users: 0 });
  });

  it('aborts the signal of a running task with an AbortError; the task settles and frees its slot', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const events = recordEvents(queue);
    queue.submit(jobs.job('a'));
    queue.submit(jobs.job('b'));
    await tick();
    expect(queue.cancel('a')).to.equal('running');
    const signal = jobs.signals.get('a');
    expect(signal?.aborted).to.equal(true);
    expect(signal?.reason).to.be.instanceOf(DOMException).and.include({ name: 'AbortError' });
    await tick();
    expect(events).to.deep.equal(['started:a', 'settled:a', 'started:b']);
    expect(queue.cancel('a')).to.equal(false);
    expect(queue.cancel('no-such-id')).to.equal(false);
    jobs.finish('b');
    await queue.shutdown('drain');
  });
});

describe('TaskQueue shutdown', () => {
  let jobs: Jobs;
  beforeEach(() => { jobs = new Jobs(); });

  it('drain: refuses new tasks with ShuttingDownError, runs every accepted task, then resolves', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    queue.submit(jobs.job('a'));
    queue.submit(jobs.job('b'));
    let resolved = false;
    const done = queue.shutdown('drain').then(() => { resolved = true; });
    expect(() => { queue.submit(jobs.job('c')); }).to.throw(ShuttingDownError)
      .that.includes({ code: 'ERR_SHUTTING_DOWN', uri: 'asexor.error.shutting_down' });
    expect(queue.stats().accepting).to.equal(false);
    await tick();
    jobs.finish('a');
    await tick();
    expect(resolved).to.equal(false);
    jobs.finish('b');
    await done;
    expect(jobs.started).to.deep.equal(['a', 'b']);
  });

  it('cancel: cancels waiting tasks, aborts running ones, resolves once they settle', async () => {
    const queue = new TaskQueue({ concurrency: 2 });
    const events = recordEvents(queue);
    for (const id of ['a', 'b', 'c', 'd']) queue.submit(jobs.job(id));
    await tick();
    await queue.shutdown('cancel');
    expect(jobs.started).to.deep.equal(['a', 'b']);
    expect(jobs.signals.get('a')?.aborted).to.equal(true);
    expect(events).to.have.members(['started:a', 'started:b', 'cancelled:c', 'cancelled:d', 'settled:a', 'settled:b']);
    expect(queue.stats()).to.include({ queued: 0, running: 0, users: 0 });
    expect(() => { queue.submit(jobs.job('e')); }).to.throw(ShuttingDownError);
  });

  it('cancel during a drain escalates it', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    queue.submit(jobs.job('a'));
    queue.submit(jobs.job('b'));
    await tick();
    const drained = queue.shutdown('drain');
    await queue.shutdown('cancel');
    await drained;
    expect(jobs.started).to.deep.equal(['a']);
  });

  it('resolves at once when nothing is queued or running, and rejects an unknown mode', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    await queue.shutdown('cancel');
    let error: unknown;
    try { await queue.shutdown('now' as 'drain'); } catch (e) { error = e; }
    expect(error).to.be.instanceOf(TypeError).with.property('message', "Expected `mode` to be 'drain' or 'cancel', got `now` (string)");
  });
});
