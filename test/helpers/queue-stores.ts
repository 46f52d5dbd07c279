/**
 * The queue stores of docs/queue-store.md, as the behavioural suite opens them: each test gets a fresh,
 * empty store, seen through `n` handles (what several workers would hold). The embedded store is one
 * object in one process, so its handles are the same store; each PostgreSQL handle is its own store
 * object with its own connections, on a schema of its own in one throwaway server per suite
 * (test/helpers/postgres.ts).
 */
import { EmbeddedQueueStore } from '../../worker/store/embedded-store.ts';
import { PostgresQueueStore } from '../../worker/store/postgres-store.ts';
import type { NewTask, QueueLimits, QueueStore } from '../../worker/store/queue-store.ts';
import { newTaskId } from '../../worker/task-ids.ts';
import { describeWithTool } from './external-tool.ts';
import { POSTGRES_TOOL, startPostgres, type TestPostgres } from './postgres.ts';

/** Limits that never get in the way unless a test lowers one. */
export const OPEN_LIMITS: QueueLimits = {
  maxQueued: 10_000, perUserMaxQueued: 1000, perUserMaxRunning: 100, perUserQueuedBytes: 4 * 1024 * 1024, maxQueuedBytes: 64 * 1024 * 1024, leaseMs: 60_000,
};

export interface StoreBackend {
  readonly name: 'embedded' | 'postgres';
  /** describe, or its skip / CI failure when the backend needs a missing tool. */
  readonly describe: Mocha.SuiteFunction | Mocha.PendingSuiteFunction;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `n` handles on one fresh store with `limits`; every one is closed by `closeAll`. */
  open(n: number, limits?: Partial<QueueLimits>): Promise<QueueStore[]>;
  closeAll(): Promise<void>;
  /** The server, for tests of the PostgreSQL store itself. */
  readonly server: TestPostgres | undefined;
}

class EmbeddedBackend implements StoreBackend {
  readonly name = 'embedded';
  readonly describe = describe;
  readonly server = undefined;
  #open: QueueStore[] = [];
  start(): Promise<void> { return Promise.resolve(); }
  stop(): Promise<void> { return Promise.resolve(); }
  open(n: number, limits: Partial<QueueLimits> = {}): Promise<QueueStore[]> {
    const store = new EmbeddedQueueStore({ limits: { ...OPEN_LIMITS, ...limits } });
    this.#open.push(store);
    return Promise.resolve(Array.from({ length: n }, () => store));
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.#open.map((s) => s.close()));
    this.#open = [];
  }
}

class PostgresBackend implements StoreBackend {
  readonly name = 'postgres';
  readonly describe = describeWithTool(POSTGRES_TOOL.present, POSTGRES_TOOL.name, POSTGRES_TOOL.install);
  server: TestPostgres | undefined;
  #open: QueueStore[] = [];
  #schemas = 0;
  async start(): Promise<void> {
    this.server = await startPostgres();
  }
  async stop(): Promise<void> {
    await this.closeAll();
    await this.server?.stop();
    this.server = undefined;
  }
  async open(n: number, limits: Partial<QueueLimits> = {}): Promise<QueueStore[]> {
    const server = this.server;
    if (server === undefined) throw new Error('the PostgreSQL backend was not started');
    this.#schemas += 1;
    const schema = `t${String(this.#schemas)}`;
    const stores: QueueStore[] = [];
    for (let i = 0; i < n; i++) {
      const store = await PostgresQueueStore.open({ connection: { ...server.connection }, schema, limits: { ...OPEN_LIMITS, ...limits }, poolSize: 3 });
      this.#open.push(store);
      stores.push(store);
    }
    return stores;
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.#open.map((s) => s.close()));
    this.#open = [];
  }
}

export function storeBackends(): StoreBackend[] {
  return [new EmbeddedBackend(), new PostgresBackend()];
}

const WORKER = '0000beef';

/** A task to admit: `owner`'s, at `priority`, with counted `bytes`. */
export function newTask(owner: string, priority = 4, extra: Partial<NewTask> = {}): NewTask {
  return { id: newTaskId(WORKER), owner, role: 'user', task: 'sleep', priority, input: '[[],{}]', bytes: 0, rerun: false, ...extra };
}
