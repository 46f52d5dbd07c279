/**
 * A worker process for the multi-process tests of the PostgreSQL queue store (docs/queue-store.md):
 * a StorePuller on its own store connection whose tasks sleep for the `ms` of their input
 * (`[[], {"ms": N}]`) and end `success`, or `cancelled` when aborted. Prints one JSON line per fact:
 * `{"kind":"ready"}`, `{"kind":"claimed","id"}` when a run starts, `{"kind":"ended","id","status","code"?}`
 * for each terminal event this worker publishes (its own or reaped). SIGTERM: stop (cancel), close, exit.
 *
 *   node test/helpers/queue-store-worker.ts '<json: {connection, schema, worker, slots, leaseMs, heartbeatMs, reapMs}>'
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { TaskStatusEvent } from '../../shared/task-status.ts';
import { PostgresQueueStore } from '../../worker/store/postgres-store.ts';
import { StorePuller } from '../../worker/store/store-puller.ts';
import { OPEN_LIMITS } from './queue-stores.ts';

interface WorkerArgs {
  readonly connection: pg.PoolConfig;
  readonly schema: string;
  readonly worker: string;
  readonly slots: number;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly reapMs: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
const say = (line: Record<string, unknown>): void => { process.stdout.write(`${JSON.stringify(line)}\n`); };

const store = await PostgresQueueStore.open({ connection: args.connection, schema: args.schema, limits: { ...OPEN_LIMITS, leaseMs: args.leaseMs }, poolSize: 2 });
const puller = new StorePuller({
  store, worker: args.worker, slots: args.slots, heartbeatMs: args.heartbeatMs, reapMs: args.reapMs, pollMs: 1000,
  run: async (task, signal): Promise<TaskStatusEvent> => {
    say({ kind: 'claimed', id: task.id });
    const [, kwargs] = JSON.parse(task.input) as [unknown[], { ms?: number }];
    const at = (): string => new Date().toISOString();
    try {
      await sleep(kwargs.ms ?? 0, undefined, { signal });
    } catch {
      return { task_id: task.id, task: task.task, at: at(), status: 'cancelled', duration: 0 };
    }
    return { task_id: task.id, task: task.task, at: at(), status: 'success', result: null, duration: 0 };
  },
  ended: (_owner, event) => { say({ kind: 'ended', id: event.task_id, status: event.status, ...(event.status === 'error' ? { code: event.error.code } : {}) }); },
});
process.once('SIGTERM', () => {
  void puller.stop('cancel').then(() => store.close()).then(() => { process.exit(0); });
});
puller.start();
say({ kind: 'ready' });
