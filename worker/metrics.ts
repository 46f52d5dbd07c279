/**
 * Prometheus metrics (prom-client) of one server: the worker's here, the router's in router/metrics/metrics.ts,
 * all on the server's own Registry (never prom-client's global one, so one process, e.g. a test run,
 * can hold several servers), plus the process metrics, and the HTTP route that serves them
 * (docs/metrics.md lists every metric; cli/server.ts mounts the route, worker/index.ts wires the rest).
 *
 * Nothing is computed per event that a scrape can compute instead:
 * - queue depth by priority, running tasks, capacity: read from the queue's `stats()` at scrape time
 *   (TaskQueue's; with the shared PostgreSQL queue, the store's counts over every worker, one query per scrape);
 * - accepted and refused submissions: plain counts bumped by a wrapper of the service's `submit`,
 *   handed to prom-client at scrape time;
 * - final statuses and durations: the StatusSink wrapper looks at each event's `status` and touches
 *   prom-client once per task, at its terminal event.
 * Label values are bounded: task names come from the task registry (fixed at start), refusal reasons
 * from the error codes of shared/errors.ts; no label carries a user or a task id.
 *
 * The process metrics (CPU, memory, event loop lag, GC; prom-client collectDefaultMetrics, prefix
 * `asexor_`) belong to the process, not to a server: they live in one process-wide private registry,
 * created on first use (its event loop monitor and GC observer cannot be stopped, so one per server
 * would pile up), and are appended to every scrape.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AppError, TransportBindError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { isTerminal, type TaskStatusEvent } from '../shared/task-status.ts';
import { sendText } from '../router/transports/http-reply.ts';
import type { RequestRoute } from '../router/transports/http-routes.ts';
import type { TaskQueueStats } from './task-queue.ts';

/** What the queue gauges read at scrape time: the worker's TaskQueue, or the shared queue store's counts. */
export interface QueueGauges {
  stats(): QueueGaugeStats | Promise<QueueGaugeStats>;
}
export type QueueGaugeStats = Pick<TaskQueueStats, 'byPriority' | 'running' | 'concurrency' | 'maxQueued' | 'accepting'>;
import type { TaskRegistry } from './task-registry.ts';
import type { Caller, StatusSink, SubmissionObserver } from './task-service.ts';

/** Prefix of every metric name, the process metrics' too. */
export const METRICS_PREFIX = 'asexor_';
/** Upper bounds of the task duration histogram, seconds: sub-second conversions up to hour-long jobs. */
export const TASK_DURATION_BUCKETS: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const FINAL_STATUSES = ['success', 'error', 'cancelled', 'timeout'] as const;
const PRIORITIES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

let processRegistry: Registry | undefined;

/** The process-wide registry of the default Node.js metrics, created once. */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: METRICS_PREFIX });
  }
  return processRegistry;
}

/** A server's own registry (the process metrics are added when it is rendered: renderMetrics). */
export function createMetricsRegistry(): Registry {
  processMetrics();
  return new Registry();
}

/** The text exposition of `registry` and of the process metrics. */
export async function renderMetrics(registry: Registry): Promise<string> {
  const [own, proc] = await Promise.all([registry.metrics(), processMetrics().metrics()]);
  return `${own}\n${proc}`;
}

/** Prometheus text exposition format 0.0.4 (prom-client's Registry.PROMETHEUS_CONTENT_TYPE). */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** The refusal reason of a submission: the error code without `ERR_`, lower case (e.g. `queue_full`). */
export function refusalReason(error: unknown): string {
  return error instanceof AppError ? error.code.replace(/^ERR_/, '').toLowerCase() : 'internal';
}

export interface WorkerMetricsOptions {
  readonly registry: Registry;
  readonly queue: QueueGauges;
  readonly tasks: TaskRegistry;
  /** Whether the worker is registered with its router now. */
  readonly registered: () => boolean;
}

/** Counts kept as plain numbers on the hot path and added to a prom-client counter at scrape time. */
class ScrapedCounts {
  readonly #now = new Map<string, number>();
  readonly #reported = new Map<string, number>();

  bump(label: string): void {
    this.#now.set(label, (this.#now.get(label) ?? 0) + 1);
  }

  /** Adds what was counted since the last call. */
  flush(into: (label: string, delta: number) => void): void {
    for (const [label, total] of this.#now) {
      const delta = total - (this.#reported.get(label) ?? 0);
      if (delta > 0) into(label, delta);
      this.#reported.set(label, total);
    }
  }
}

export class WorkerMetrics {
  readonly #tasksTotal: Counter<'task' | 'status'>;
  readonly #duration: Histogram<'task' | 'status'>;
  readonly #accepted = new ScrapedCounts();
  readonly #refused = new ScrapedCounts();

  constructor(options: WorkerMetricsOptions) {
    const { registry, queue } = options;
    const registers = [registry];
    const queued: Gauge<'priority'> = new Gauge({
      name: 'asexor_worker_queued_tasks', help: 'Tasks accepted and waiting for a slot, by priority (0 runs first)',
      labelNames: ['priority'], registers,
      async collect() {
        const { byPriority } = await queue.stats();
        for (const p of PRIORITIES) queued.set({ priority: String(p) }, byPriority[p] ?? 0);
      },
    });
    const running: Gauge = new Gauge({
      name: 'asexor_worker_running_tasks', help: 'Tasks holding a slot (running)', registers,
      async collect() { running.set((await queue.stats()).running); },
    });
    const concurrency: Gauge = new Gauge({
      name: 'asexor_worker_concurrency', help: 'Slots: tasks that may run at once (asexor.concurrency)', registers,
      async collect() { concurrency.set((await queue.stats()).concurrency); },
    });
    const maxQueued: Gauge = new Gauge({
      name: 'asexor_worker_max_queued', help: 'Waiting tasks accepted at most, all users (asexor.maxQueued)', registers,
      async collect() { maxQueued.set((await queue.stats()).maxQueued); },
    });
    const accepting: Gauge = new Gauge({
      name: 'asexor_worker_accepting', help: '1 while the worker accepts submissions, 0 once it shuts down', registers,
      async collect() { accepting.set((await queue.stats()).accepting ? 1 : 0); },
    });
    const registered: Gauge = new Gauge({
      name: 'asexor_worker_registered', help: '1 while the worker is joined to its router with every procedure registered', registers,
      collect() { registered.set(options.registered() ? 1 : 0); },
    });
    const accepted: Counter<'task'> = new Counter({
      name: 'asexor_worker_submissions_accepted_total', help: 'Task submissions accepted (queued), by task', labelNames: ['task'], registers,
      collect: () => { this.#accepted.flush((task, n) => { accepted.inc({ task }, n); }); },
    });
    const refused: Counter<'reason'> = new Counter({
      name: 'asexor_worker_submissions_refused_total',
      help: 'Task submissions refused at once, by reason (queue_full, queue_user_limit, no_such_task, task_not_allowed, invalid_params, shutting_down, ...)',
      labelNames: ['reason'], registers,
      collect: () => { this.#refused.flush((reason, n) => { refused.inc({ reason }, n); }); },
    });
    this.#tasksTotal = new Counter({
      name: 'asexor_worker_tasks_total', help: 'Tasks finished, by task and final status (success, error, cancelled, timeout)',
      labelNames: ['task', 'status'], registers,
    });
    this.#duration = new Histogram({
      name: 'asexor_worker_task_duration_seconds',
      help: 'Run time of finished tasks from start to end, seconds, by task and final status (tasks cancelled while queued are not observed)',
      labelNames: ['task', 'status'], buckets: [...TASK_DURATION_BUCKETS], registers,
    });
    // Every series exists from the start, so rate() and absent() work before the first task.
    for (const def of options.tasks) {
      accepted.inc({ task: def.name }, 0);
      for (const status of FINAL_STATUSES) this.#tasksTotal.inc({ task: def.name, status }, 0);
    }
  }

  /** The service's sink, counting each task's terminal event on the way. */
  sink(inner: StatusSink): StatusSink {
    return {
      publish: (owner: Caller, event: TaskStatusEvent): void => {
        if (isTerminal(event.status)) this.#finished(event);
        inner.publish(owner, event);
      },
    };
  }

  /** The service's SubmissionObserver (TaskServiceOptions.submissions): accepted submissions by task, refused ones by reason. */
  readonly submissions: SubmissionObserver = {
    accepted: (task) => { this.#accepted.bump(task); },
    refused: (error) => { this.#refused.bump(refusalReason(error)); },
  };

  #finished(event: TaskStatusEvent): void {
    const labels = { task: event.task, status: event.status };
    this.#tasksTotal.inc(labels);
    if ('duration' in event && event.duration !== undefined) this.#duration.observe(labels, event.duration);
  }
}

export interface MetricsRouteOptions {
  readonly registry: Registry;
  /** e.g. '/metrics' */
  readonly path: string;
  /** When set, a scrape must send `Authorization: Bearer <token>` (401 otherwise). */
  readonly token?: string | undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `GET|HEAD <path>`: the text exposition; 405 for other methods, 401 without the configured bearer token. */
export function metricsRoute(options: MetricsRouteOptions): RequestRoute {
  const expected = options.token === undefined ? undefined : digest(`Bearer ${options.token}`);
  return {
    path: options.path,
    prefix: false,
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendText(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
        return;
      }
      if (expected !== undefined && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
        sendText(res, 401, 'Unauthorized\n', { 'www-authenticate': 'Bearer realm="asexor metrics"' });
        return;
      }
      const body = await renderMetrics(options.registry);
      sendText(res, 200, body, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
    },
  };
}

export interface MetricsListener {
  /** http://HOST:PORT/PATH of the metrics. */
  readonly url: string;
  close(): Promise<void>;
}

/** The metrics on a node:http listener of their own (`asexor.metrics.listen`): `route` and nothing else (404). */
export async function startMetricsListener(options: { readonly route: RequestRoute; readonly interface: string; readonly port: number; readonly logger: Logger }): Promise<MetricsListener> {
  const { route, interface: host, port } = options;
  const log = options.logger.child({ component: 'metrics' });
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== route.path) {
      sendText(res, 404, 'Not Found\n');
      return;
    }
    Promise.resolve(route.handle(req, res, '')).catch((err: unknown) => {
      log.error({ err }, 'metrics scrape failed');
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => { reject(new TransportBindError(`metrics: cannot listen on ${host}:${port}: ${err.message}`, { cause: err })); };
    server.once('error', onError);
    server.listen(port, host, () => { server.off('error', onError); resolve(); });
  });
  server.on('error', (err) => { log.error({ err }, 'metrics listener error'); });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}${route.path}`;
  log.info({ url }, 'metrics listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      server.close(() => { resolve(); });
      server.closeAllConnections();
    }),
  };
}
