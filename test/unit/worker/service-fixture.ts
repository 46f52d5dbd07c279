/**
 * Harness for the TaskService tests: a real TaskQueue, a real TaskRunner (shared per test file), the
 * fixture tasks of test/fixtures/tasks and a StatusSink that records what it is given.
 */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../shared/logger.ts';
import type { TaskStatusEvent } from '../../../shared/task-status.ts';
import type { TaskDefinition } from '../../../shared/task.ts';
import { TaskQueue, type TaskQueueOptions } from '../../../worker/task-queue.ts';
import { TaskRegistry } from '../../../worker/task-registry.ts';
import { TaskRunner } from '../../../worker/task-runner.ts';
import { TaskService, type Caller, type StatusSink, type TaskServiceOptions } from '../../../worker/task-service.ts';
import fixtureTasks from '../../fixtures/tasks/index.ts';

export const alice: Caller = { authid: 'alice', authrole: 'user' };
export const bob: Caller = { authid: 'bob', authrole: 'user' };
export const root: Caller = { authid: 'root', authrole: 'admin' };
export const anon: Caller = { authid: 'anon', authrole: 'anonymous' };

interface Waiter {
  readonly match: (owner: string, event: TaskStatusEvent) => boolean;
  readonly resolve: (event: TaskStatusEvent) => void;
}

/** Records every published event, with its owner, in order; `order` is shared with the test's own marks. */
export class RecordingSink implements StatusSink {
  readonly published: { readonly owner: string; readonly event: TaskStatusEvent }[] = [];
  readonly order: string[] = [];
  /** Makes publish throw after recording (a broken WAMP side). */
  throwOnPublish = false;
  readonly #waiters: Waiter[] = [];

  publish(owner: Caller, event: TaskStatusEvent): void {
    this.published.push({ owner: owner.authid, event });
    this.order.push(`${event.status}:${event.task_id}`);
    for (const waiter of this.#waiters.filter((w) => w.match(owner.authid, event))) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
    if (this.throwOnPublish) throw new Error('sink down');
  }

  eventsOf(taskId: string): TaskStatusEvent[] {
    return this.published.filter((p) => p.event.task_id === taskId).map((p) => p.event);
  }

  statusesOf(taskId: string): string[] {
    return this.eventsOf(taskId).map((e) => e.status);
  }

  /** The first event of `taskId` with `status` (already published or to come). */
  waitFor(taskId: string, status: TaskStatusEvent['status']): Promise<TaskStatusEvent> {
    const match = (_owner: string, e: TaskStatusEvent): boolean => e.task_id === taskId && e.status === status;
    const seen = this.published.find((p) => match(p.owner, p.event));
    if (seen !== undefined) return Promise.resolve(seen.event);
    return new Promise((resolve) => { this.#waiters.push({ match, resolve }); });
  }
}

export interface Harness {
  readonly service: TaskService;
  readonly queue: TaskQueue;
  readonly sink: RecordingSink;
}

export interface HarnessOptions {
  readonly queue?: TaskQueueOptions;
  readonly tasks?: readonly TaskDefinition[];
  readonly service?: Partial<Pick<TaskServiceOptions, 'historyPerUser' | 'historyMax' | 'adminRoles' | 'perUserQueuedBytes' | 'maxQueuedBytes'>>;
  /** Another runner than the file's shared one (e.g. a closed one). */
  readonly runner?: TaskRunner;
}

/**
 * One runner and files folder per test file, a fresh queue + service per test; `afterEach` shuts the
 * service down (cancel) so no process outlives its test.
 */
export function useServiceHarness(): { readonly filesDir: () => string; readonly make: (options?: HarnessOptions) => Harness } {
  let runner: TaskRunner | undefined;
  let dir = '';
  const made: TaskService[] = [];
  before(async () => {
    runner = await TaskRunner.start({ logger: silentLogger() });
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'asexor-service-')));
  });
  afterEach(async () => { await Promise.all(made.splice(0).map((s) => s.shutdown('cancel'))); });
  after(async () => {
    await runner?.close();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    filesDir: () => dir,
    make: (options = {}) => {
      const taskRunner = options.runner ?? runner;
      if (taskRunner === undefined) throw new Error('the runner is not started (use make() inside a test)');
      const queue = new TaskQueue({ concurrency: 2, ...options.queue });
      const sink = new RecordingSink();
      const service = new TaskService({
        registry: TaskRegistry.create(options.tasks ?? fixtureTasks),
        queue, runner: taskRunner, sink, filesDir: dir, logger: silentLogger(), ...options.service,
      });
      made.push(service);
      return { service, queue, sink };
    },
  };
}

/** Lets pending microtasks and one round of immediates run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => { setImmediate(resolve); });
}

/** Polls until `condition` holds (or fails the test after `timeoutMs`). */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
