import { expect } from 'chai';
import { QueueBytesLimitError } from '../../../shared/errors.ts';
import { AppErrorUri } from '../../../shared/wamp/app-uris.ts';
import { queueBytesDefaults } from '../../../worker/task-service.ts';
import { alice, bob, useServiceHarness } from './service-fixture.ts';

/** An exit_with message of `n` characters: params of about n + 30 bytes counted as JSON. */
const message = (n: number): string => 'x'.repeat(n);

describe('TaskService: byte limits of waiting tasks\' params (docs/input-limits.md)', () => {
  const harness = useServiceHarness();

  it('refuses a user whose waiting tasks hold perUserQueuedBytes, counts only big params, and frees them when a task leaves the queue', async () => {
    const { service, sink } = harness.make({ queue: { concurrency: 1 }, service: { perUserQueuedBytes: 5000, maxQueuedBytes: 100_000 } });
    const blocker = service.submit(alice, 'nap', [5000]).taskId;
    await sink.waitFor(blocker, 'started');
    const waiting = [0, 1, 2, 3].map(() => service.submit(alice, 'exit_with', [0, message(1000)]).taskId);
    const error = (() => {
      try {
        service.submit(alice, 'exit_with', [0, message(1500)]);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).to.be.instanceOf(QueueBytesLimitError);
    expect(error).to.include({ code: 'ERR_QUEUE_BYTES_LIMIT', uri: AppErrorUri.queueFull });
    // Small params are not counted; another user has a budget of their own.
    expect(() => service.submit(alice, 'nap', [1])).to.not.throw();
    expect(() => service.submit(bob, 'exit_with', [0, message(4000)])).to.not.throw();
    // A waiting task that is cancelled gives its bytes back.
    service.cancel(alice, waiting[0] ?? '');
    await sink.waitFor(waiting[0] ?? '', 'cancelled');
    expect(() => service.submit(alice, 'exit_with', [0, message(900)])).to.not.throw();
    expect(queueBytesDefaults.small).to.be.lessThan(1000);
    await service.shutdown('cancel');
  });

  it('refuses everyone once all waiting tasks hold maxQueuedBytes', async () => {
    const { service, sink } = harness.make({ queue: { concurrency: 1 }, service: { perUserQueuedBytes: 100_000, maxQueuedBytes: 3000 } });
    const blocker = service.submit(alice, 'nap', [5000]).taskId;
    await sink.waitFor(blocker, 'started');
    service.submit(alice, 'exit_with', [0, message(1400)]);
    service.submit(bob, 'exit_with', [0, message(1400)]);
    expect(() => service.submit(bob, 'exit_with', [0, message(1400)])).to.throw(QueueBytesLimitError, /Queue full/);
    await service.shutdown('cancel');
  });
});
