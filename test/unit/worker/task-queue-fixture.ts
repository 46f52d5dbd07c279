/** Controllable jobs for the task-queue tests: each job runs until the test finishes it or its signal aborts. */
import type { QueueJob, TaskQueue } from '../../../worker/task-queue.ts';

/** Lets every pending microtask and I/O callback run (starts happen in a microtask after submit). */
export function tick(): Promise<void> {
  return new Promise((resolve) => { setImmediate(resolve); });
}

export class Jobs {
  /** Ids in the order their run() was called. */
  readonly started: string[] = [];
  readonly signals = new Map<string, AbortSignal>();
  readonly #finish = new Map<string, () => void>();

  job(id: string, owner = 'alice', priority = 4): QueueJob {
    return {
      id, owner, priority,
      run: (signal) => {
        this.started.push(id);
        this.signals.set(id, signal);
        return new Promise<void>((resolve) => {
          this.#finish.set(id, resolve);
          signal.addEventListener('abort', () => { resolve(); }, { once: true });
        });
      },
    };
  }

  /** Ends a running job; throws if it never started (a test bug). */
  finish(id: string): void {
    const done = this.#finish.get(id);
    if (done === undefined) throw new Error(`job ${id} is not running`);
    done();
  }

  /** Finishes running jobs one at a time, in start order, until the queue is empty. */
  async drain(queue: TaskQueue): Promise<void> {
    let next = 0;
    while (queue.stats().queued + queue.stats().running > 0) {
      await tick();
      const id = this.started[next];
      if (id !== undefined) { next++; this.finish(id); }
    }
  }
}

/** Records the queue's events as `event:id`. */
export function recordEvents(queue: TaskQueue): string[] {
  const events: string[] = [];
  for (const name of ['started', 'settled', 'cancelled'] as const) queue.on(name, (job) => events.push(`${name}:${job.id}`));
  return events;
}
