/**
 * Harness for test/integration/store-service.test.ts: several StoreTaskService instances ("workers")
 * on handles of one fresh queue store (test/helpers/queue-stores.ts), a real TaskRunner shared by the
 * file, the fixture tasks of test/fixtures/tasks and one RecordingSink per worker that also writes to
 * one log of the whole cluster (who published what, in order). `afterEach` shuts every service down
 * (cancel), then closes the stores.
 */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../shared/logger.ts';
import { isTerminal, type TaskStatusEvent } from '../../shared/task-status.ts';
import type { TaskDefinition } from '../../shared/task.ts';
import type { QueueLimits, QueueStore } from '../../worker/store/queue-store.ts';
import { StoreTaskService, type StoreTaskServiceOptions } from '../../worker/store/store-service.ts';
import { TaskRegistry } from '../../worker/task-registry.ts';
import { TaskRunner } from '../../worker/task-runner.ts';
import type { Caller } from '../../worker/task-service.ts';
import fixtureTasks from '../fixtures/tasks/index.ts';
import type { StoreBackend } from '../helpers/queue-stores.ts';
import { RecordingSink } from '../unit/worker/service-fixture.ts';

export { alice, bob, root, anon, RecordingSink } from '../unit/worker/service-fixture.ts';

export interface Published {
  /** Index of the worker that published it. */
  readonly worker: number;
  readonly owner: string;
  readonly event: TaskStatusEvent;
}

/** A RecordingSink that also appends to the cluster's log. */
class WorkerSink extends RecordingSink {
  readonly #worker: number;
  readonly #log: Published[];
  constructor(worker: number, log: Published[]) {
    super();
    this.#worker = worker;
    this.#log = log;
  }
  override publish(owner: Caller, event: TaskStatusEvent): void {
    this.#log.push({ worker: this.#worker, owner: owner.authid, event });
    super.publish(owner, event);
  }
}

export interface Worker {
  readonly service: StoreTaskService;
  readonly sink: RecordingSink;
  readonly store: QueueStore;
}

export interface ClusterOptions {
  readonly limits?: Partial<QueueLimits>;
  /** Options of every worker's service (slots, heartbeatMs, submissions ...). */
  readonly service?: Partial<StoreTaskServiceOptions>;
  /** Per worker: its task definitions (default: all fixture tasks), other service options. */
  readonly each?: readonly ({ readonly tasks?: readonly TaskDefinition[] } & Partial<StoreTaskServiceOptions>)[];
  /** Per worker: the store handle it gets, from the one opened (e.g. a wrapper). */
  readonly wrap?: readonly (((store: QueueStore) => QueueStore) | undefined)[];
}

export class Cluster {
  readonly workers: readonly Worker[];
  /** Every published event, in order, with the worker that published it. */
  readonly log: Published[];
  constructor(workers: readonly Worker[], log: Published[]) {
    this.workers = workers;
    this.log = log;
  }
  eventsOf(taskId: string): Published[] {
    return this.log.filter((p) => p.event.task_id === taskId);
  }
  statusesOf(taskId: string): string[] {
    return this.eventsOf(taskId).map((p) => p.event.status);
  }
  terminalsOf(taskId: string): Published[] {
    return this.eventsOf(taskId).filter((p) => isTerminal(p.event.status));
  }
  /** The first event of `taskId` with `status`, whichever worker publishes it. */
  waitFor(taskId: string, status: TaskStatusEvent['status']): Promise<TaskStatusEvent> {
    return Promise.race(this.workers.map((w) => w.sink.waitFor(taskId, status)));
  }
  /** The first terminal event of `taskId`, whichever worker publishes it. */
  async ended(taskId: string, timeoutMs = 10_000): Promise<Published> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const end = this.terminalsOf(taskId)[0];
      if (end !== undefined) return end;
      if (performance.now() > deadline) throw new Error(`task ${taskId}: no terminal event within ${String(timeoutMs)} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

export const RETENTION = { maxTasks: 1000, maxAgeDays: 30 } as const;

/** One runner and files folder per file; a fresh store and services per `make`. */
export function useStoreCluster(backend: StoreBackend): { readonly make: (n: number, options?: ClusterOptions) => Promise<Cluster> } {
  let runner: TaskRunner | undefined;
  let dir = '';
  const made: StoreTaskService[] = [];
  before(async () => {
    await backend.start();
    runner = await TaskRunner.start({ logger: silentLogger() });
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'asexor-store-service-')));
  });
  afterEach(async () => {
    await Promise.all(made.splice(0).map((s) => s.shutdown('cancel')));
    await backend.closeAll();
  });
  after(async () => {
    await runner?.close();
    await rm(dir, { recursive: true, force: true });
    await backend.stop();
  });
  return {
    make: async (n, options = {}) => {
      if (runner === undefined) throw new Error('the runner is not started (use make() inside a test)');
      const stores = await backend.open(n, options.limits);
      const log: Published[] = [];
      const workers = stores.map((opened, i): Worker => {
        const store = options.wrap?.[i]?.(opened) ?? opened;
        const { tasks, ...own } = options.each?.[i] ?? {};
        const sink = new WorkerSink(i, log);
        const service = new StoreTaskService({
          store, registry: TaskRegistry.create(tasks ?? fixtureTasks), runner: runner as TaskRunner, sink, filesDir: dir,
          slots: 1, priorityFor: (role) => (role === 'admin' ? 2 : 4), heartbeatMs: 100, reapMs: 100, retention: RETENTION,
          uriPrefix: 'asexor', pollMs: 200, logger: silentLogger(), ...options.service, ...own,
        });
        made.push(service);
        return { service, sink, store };
      });
      return new Cluster(workers, log);
    },
  };
}
