/**
 * Which task service runs over which store (`asexor.store`, docs/queue-store.md), for startWorker
 * (worker/index.ts):
 * - `sqlite` or `memory`: this worker's own queue (TaskQueue) with its SQLite journal (or none), served
 *   by TaskService, with the cluster of the realm's workers (worker/cluster/);
 * - `postgres`: the queue that every worker sharing the database pulls from, served by StoreTaskService;
 *   no cluster (any worker answers for any task from the store).
 */
import type { Logger } from '../shared/logger.ts';
import { WorkerCluster } from './cluster/cluster.ts';
import { openJournal, restoreJournal } from './journal/open-journal.ts';
import type { PostgresSettings } from './journal/store-settings.ts';
import type { TaskJournal } from './journal/task-journal.ts';
import type { QueueGauges, QueueGaugeStats } from './metrics.ts';
import type { StatusPublisher } from './status-publisher.ts';
import { PostgresQueueStore } from './store/postgres-store.ts';
import { StoreTaskService } from './store/store-service.ts';
import type { TaskApi } from './task-api.ts';
import { resolveTaskQueueOptions } from './task-queue-options.ts';
import { TaskQueue } from './task-queue.ts';
import type { TaskRegistry } from './task-registry.ts';
import type { TaskRunner } from './task-runner.ts';
import { TaskService, type StatusSink, type SubmissionObserver } from './task-service.ts';
import type { WorkerSession } from './worker-session.ts';
import type { WorkerSettings } from './worker-settings.ts';

/**
 * Where accepted tasks are kept (`asexor.store`): this worker's own queue with the SQLite journal
 * (or nothing, `memory`), or the PostgreSQL queue that every worker sharing it pulls from
 * (docs/queue-store.md).
 */
export type Backend =
  | { readonly kind: 'own'; readonly queue: TaskQueue; readonly journal: TaskJournal | undefined }
  | { readonly kind: 'shared'; readonly store: PostgresQueueStore; readonly settings: PostgresSettings };

export async function openBackend(settings: WorkerSettings, logger: Logger): Promise<Backend> {
  const { store } = settings;
  if (store.type === 'postgres') {
    const limits = {
      maxQueued: settings.maxQueued, perUserMaxQueued: settings.perUser.maxQueued, perUserMaxRunning: settings.perUser.maxRunning,
      perUserQueuedBytes: settings.perUser.maxQueuedBytes, maxQueuedBytes: settings.maxQueuedBytes, leaseMs: store.leaseMs,
    };
    const opened = await PostgresQueueStore.open({
      connection: store.url ?? {}, limits, schema: store.schema, poolSize: store.poolSize, logger,
    });
    return { kind: 'shared', store: opened, settings: store };
  }
  const queue = new TaskQueue({
    concurrency: settings.concurrency, maxQueued: settings.maxQueued, perUser: settings.perUser,
    rolePriority: settings.rolePriority, defaultPriority: settings.defaultPriority, logger,
  });
  return { kind: 'own', queue, journal: await openJournal(store, logger) };
}

export async function closeBackend(backend: Backend): Promise<void> {
  if (backend.kind === 'own') backend.journal?.close();
  else await backend.store.close();
}

/** The service over `backend`, and what it needs from the connection. */
export interface ServiceParts {
  readonly service: TaskApi;
  readonly cluster: WorkerCluster | undefined;
  readonly joined: (session: WorkerSession) => void;
  readonly left: () => void;
}

export interface ServiceInputs {
  readonly settings: WorkerSettings;
  readonly registry: TaskRegistry;
  readonly runner: TaskRunner;
  readonly sink: StatusSink;
  readonly publisher: StatusPublisher;
  readonly submissions: SubmissionObserver | undefined;
  readonly logger: Logger;
}

/** This worker's own queue: TaskService, its journal restored, the cluster of the realm's workers (worker/cluster/). */
function ownService(backend: Extract<Backend, { kind: 'own' }>, inputs: ServiceInputs): ServiceParts {
  const { settings, logger } = inputs;
  const service = new TaskService({
    registry: inputs.registry, queue: backend.queue, runner: inputs.runner, sink: inputs.sink, filesDir: settings.filesDir,
    adminRoles: settings.adminRoles, historyPerUser: settings.historyPerUser, logger, journal: backend.journal, files: settings.files,
    perUserQueuedBytes: settings.perUser.maxQueuedBytes, maxQueuedBytes: settings.maxQueuedBytes, submissions: inputs.submissions,
  });
  restoreJournal(service, backend.journal, logger);
  const cluster = new WorkerCluster({ service, sink: inputs.publisher, uriPrefix: settings.uriPrefix, settings: settings.cluster, logger });
  return { service, cluster, joined: () => undefined, left: () => { cluster.leave(); } };
}

/** The shared queue: StoreTaskService pulls from it; any worker answers for any task, so no cluster. */
function sharedService(backend: Extract<Backend, { kind: 'shared' }>, inputs: ServiceInputs): ServiceParts {
  const { settings, logger } = inputs;
  const { rolePriority, defaultPriority } = resolveTaskQueueOptions({ rolePriority: settings.rolePriority, defaultPriority: settings.defaultPriority });
  const service = new StoreTaskService({
    store: backend.store, registry: inputs.registry, runner: inputs.runner, sink: inputs.sink, filesDir: settings.filesDir,
    slots: settings.concurrency, priorityFor: (role) => rolePriority.get(role) ?? defaultPriority,
    heartbeatMs: backend.settings.heartbeatMs, leaseMs: backend.settings.leaseMs, reapMs: Math.max(100, Math.floor(backend.settings.leaseMs / 2)), retention: backend.settings.retention,
    uriPrefix: settings.uriPrefix, adminRoles: settings.adminRoles, historyPerUser: settings.historyPerUser, files: settings.files,
    submissions: inputs.submissions, logger,
  });
  service.start();
  return { service, cluster: undefined, joined: (session) => { service.attach(session); }, left: () => { service.detach(); } };
}

/**
 * The queue gauges: this worker's queue, or the shared store's counts (one query per scrape, shared by the
 * gauges; NaN while the store cannot be read).
 */
export function queueGauges(backend: Backend, settings: WorkerSettings, accepting: () => boolean): QueueGauges {
  if (backend.kind === 'own') return backend.queue;
  let last: { at: number; stats: Promise<QueueGaugeStats> } | undefined;
  return {
    stats: () => {
      if (last !== undefined && performance.now() - last.at < 1000) return last.stats;
      const stats = backend.store.stats().then(({ byPriority, running }) => ({
        byPriority, running, concurrency: settings.concurrency, maxQueued: settings.maxQueued, accepting: accepting(),
      }), () => {
        // The store cannot be read now: the queue's counts are unknown (NaN), the rest of the scrape still answers.
        const unknown: Record<number, number> = {};
        for (let p = 0; p <= 9; p++) unknown[p] = Number.NaN;
        return { byPriority: unknown, running: Number.NaN, concurrency: settings.concurrency, maxQueued: settings.maxQueued, accepting: accepting() };
      });
      last = { at: performance.now(), stats };
      return stats;
    },
  };
}

/** The service over `backend` (started: a shared-queue worker pulls from now on). */
export function buildService(backend: Backend, inputs: ServiceInputs): ServiceParts {
  return backend.kind === 'own' ? ownService(backend, inputs) : sharedService(backend, inputs);
}
