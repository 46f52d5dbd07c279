/**
 * `startWorker`: the task worker as a WAMP component. It builds the task service (registry from the
 * task module, runner in its small spawner process, and where tasks wait per `asexor.store`: its own
 * queue with the SQLite journal, served by TaskService, or the PostgreSQL queue every worker pulls from,
 * served by StoreTaskService: worker/service-setup.ts, docs/queue-store.md) and keeps one connection:
 * - local: in-process to an embedded Router (worker/local-connection.ts: a lean session over an
 *   in-process pair, no autobahn-js), authenticated as its own ticket principal (role `worker`,
 *   random ticket, known only to this process);
 * - remote: autobahn-js by URL to an external router (ours or Crossbar.io) with a ticket or a WAMP-CRA secret.
 * It reconnects with backoff and registers again on every join, including after a router restart
 * (autobahn gives up after a GOODBYE, so that case is retried here). A refused join (ABORT: bad
 * credentials, unknown realm or role) stops it: `whenRegistered()` rejects with WorkerJoinError.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import type { Router } from '../router/index.ts';
import type { TransportAuthConfig } from '../shared/config/types.ts';
import { WorkerJoinError } from '../shared/errors.ts';
import { silentLogger, type Logger } from '../shared/logger.ts';
import { WorkerConnection } from './connection.ts';
import { FileLinkSigner } from './file-link-token.ts';
import { FilesApi } from './files-api.ts';
import { partialOutputAgeMs, sweepPartialOutputs } from './files-sweep.ts';
import type { RetryOptions } from './reconnect.ts';
import { LocalWorkerConnection } from './local-connection.ts';
import { LegacyWampApi } from './legacy-wamp-api.ts';
import { createMetricsRegistry, metricsRoute, startMetricsListener, WorkerMetrics, type MetricsListener } from './metrics.ts';
import { buildService, closeBackend, openBackend, queueGauges, type Backend, type ServiceInputs } from './service-setup.ts';
import { StatusPublisher } from './status-publisher.ts';
import { loadTaskRegistry, type TaskRegistry } from './task-registry.ts';
import { resolveSpawnerChoice, TaskRunner } from './task-runner.ts';
import type { TaskApi } from './task-api.ts';
import { WorkerComponent } from './worker.ts';
import type { Registry } from 'prom-client';
import type { WorkerSettings } from './worker-settings.ts';
import type { WorkerLink, WorkerSession } from './worker-session.ts';

export type { RetryOptions } from './reconnect.ts';
export { resolveWorkerSettings, type WorkerSettings } from './worker-settings.ts';

/** authid and role of the embedded worker's own principal. */
export const LOCAL_WORKER_AUTHID = 'asexor-worker';
export const WORKER_ROLE = 'worker';

export interface LocalConnect {
  /** The embedded router; the worker joins `settings.realm`. */
  readonly router: Router;
  /** The role of the worker's own principal (cli/server.ts: an internal one when the config has no `worker` role). @default WORKER_ROLE */
  readonly role?: string;
}

export interface RemoteConnect {
  /** ws://host:port/path of the router. */
  readonly url: string;
  /** @default settings.realm */
  readonly realm?: string;
  readonly authid: string;
  readonly ticket?: string;
  readonly secret?: string;
}

export interface StartWorkerOptions {
  readonly settings: WorkerSettings;
  readonly connect: LocalConnect | RemoteConnect;
  /** @default silentLogger() */
  readonly logger?: Logger;
  readonly retry?: RetryOptions;
}

export interface WorkerEvents {
  /** Every procedure is registered on a new session (after each join). */
  registered: [sessionId: number];
  /** The connection is gone; the worker retries unless it is closing. */
  disconnected: [reason: string];
  /** The router refused the worker (join or registration): it stopped retrying. */
  failed: [error: WorkerJoinError];
}

export interface Worker {
  readonly service: TaskApi;
  /**
   * Signs and verifies the `files.link` download tokens (per-process key): the HTTP download route
   * must run in this process (cli/server.ts mounts worker/files-download.ts with it). Only a worker
   * of an embedded router has one; a remote worker does not register `files.link`.
   */
  readonly fileLinks: FileLinkSigner | undefined;
  readonly events: EventEmitter<WorkerEvents>;
  /**
   * The server's Prometheus registry with the worker's metrics (worker/metrics.ts; cli/server.ts adds
   * the router's and serves it); undefined when `asexor.metrics.enabled` is false.
   */
  readonly metrics: Registry | undefined;
  /** URL of the metrics' own listener (`asexor.metrics.listen`), if any. */
  readonly metricsUrl?: string;
  /** Resolves at the next completed registration (at once if registered now); rejects with WorkerJoinError when the router refuses the session. */
  whenRegistered(): Promise<void>;
  /** Stops accepting, cancels or drains tasks (settings.shutdown), leaves, stops the spawner. */
  close(): Promise<void>;
}

function remoteTarget(connect: RemoteConnect, settings: WorkerSettings): { transports: Record<string, unknown>[]; realm: string; authid: string; ticket?: string; secret?: string } {
  return {
    transports: [{ type: 'websocket', url: connect.url }],
    realm: connect.realm ?? settings.realm,
    authid: connect.authid,
    ...(connect.ticket === undefined ? {} : { ticket: connect.ticket }),
    ...(connect.secret === undefined ? {} : { secret: connect.secret }),
  };
}

interface LinkHandlers {
  readonly logger: Logger;
  readonly onJoin: (session: WorkerSession) => Promise<void>;
  readonly onLeave: (reason: string) => void;
}

/** The embedded router: a lean in-process session; a URL: autobahn-js over WebSocket. */
function connectLink(options: StartWorkerOptions, handlers: LinkHandlers): WorkerLink {
  const { connect, settings } = options;
  const retry = options.retry === undefined ? {} : { retry: options.retry };
  if ('router' in connect) {
    const ticket = randomBytes(32).toString('base64url');
    const auth: TransportAuthConfig = { ticket: { type: 'static', principals: { [LOCAL_WORKER_AUTHID]: { ticket, role: connect.role ?? WORKER_ROLE } } } };
    return new LocalWorkerConnection({ router: connect.router, auth, realm: settings.realm, authid: LOCAL_WORKER_AUTHID, ticket, ...handlers, ...retry });
  }
  return new WorkerConnection({ ...remoteTarget(connect, settings), ...handlers, ...retry });
}

export async function startWorker(options: StartWorkerOptions): Promise<Worker> {
  const { settings } = options;
  const logger = options.logger ?? silentLogger(); // components add their own `component` binding
  await mkdir(settings.filesDir, { recursive: true });
  const registry = await loadTaskRegistry(settings.tasksModule);
  // Temporary outputs of a worker killed mid-run (docs/files.md "Outputs"), old enough that no live worker
  // writes them: swept in the background (a walk of the whole files folder must not hold up start-up;
  // the outputs of the tasks that start meanwhile are young, so they stay). Never rejects; close waits for it.
  const sweeping = sweepPartialOutputs({ filesDir: settings.filesDir, olderThanMs: partialOutputAgeMs(registry), logger });
  // ASEXOR_SPAWNER (operators, CI) overrides the config file's `spawner`.
  const forced = process.env['ASEXOR_SPAWNER'];
  // The store first: a store that cannot be used stops start-up before anything else runs.
  const backend = await openBackend(settings, logger);
  let runner: TaskRunner;
  try {
    runner = await TaskRunner.start({ logger, spawner: forced === undefined || forced === '' ? settings.spawner : resolveSpawnerChoice(forced) });
  } catch (error) {
    await closeBackend(backend);
    await sweeping;
    throw error;
  }
  let worker: Worker;
  try {
    worker = connectWorker(options, logger, registry, runner, backend);
  } catch (error) {
    await runner.close();
    await closeBackend(backend);
    await sweeping;
    throw error;
  }
  const swept: Worker = { ...worker, close: () => worker.close().then(() => sweeping).then(() => undefined) };
  return withMetricsListener(swept, settings, logger);
}

/** `asexor.metrics.listen`: the metrics on a listener of their own, closed after the worker. */
async function withMetricsListener(worker: Worker, settings: WorkerSettings, logger: Logger): Promise<Worker> {
  const { listen, path, token } = settings.metrics;
  if (listen === undefined || worker.metrics === undefined) return worker;
  let listener: MetricsListener;
  try {
    listener = await startMetricsListener({ route: metricsRoute({ registry: worker.metrics, path, token }), ...listen, logger });
  } catch (error) {
    await worker.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return { ...worker, metricsUrl: listener.url, close: () => (closing ??= worker.close().then(() => listener.close())) };
}

/** Wires the service and the connection; synchronous, so that startWorker can stop the runner if it throws. */
function connectWorker(options: StartWorkerOptions, logger: Logger, registry: TaskRegistry, runner: TaskRunner, backend: Backend): Worker {
  const { settings } = options;
  const log = logger.child({ component: 'worker' });
  const publisher = new StatusPublisher({ uriPrefix: settings.uriPrefix, logger });
  let registered = false;
  let closing: Promise<void> | undefined;
  const metricsRegistry = settings.metrics.enabled ? createMetricsRegistry() : undefined;
  const metrics = metricsRegistry === undefined ? undefined
    : new WorkerMetrics({ registry: metricsRegistry, queue: queueGauges(backend, settings, () => closing === undefined), tasks: registry, registered: () => registered });
  const inputs: ServiceInputs = {
    settings, registry, runner, sink: metrics === undefined ? publisher : metrics.sink(publisher), publisher, submissions: metrics?.submissions, logger,
  };
  const { service, cluster, joined, left } = buildService(backend, inputs);
  const { wampApi } = settings.legacy;
  const legacy = wampApi.enabled ? new LegacyWampApi({ settings: wampApi, service, uriPrefix: settings.uriPrefix, logger }) : undefined;
  const fileLinks = 'router' in options.connect ? new FileLinkSigner({ ttlSeconds: settings.fileLinkSeconds }) : undefined;
  const files = new FilesApi({ filesDir: settings.filesDir, maxUploadBytes: settings.maxUploadBytes, signer: fileLinks, files: settings.files });
  const component = new WorkerComponent({
    service, registry, files, uriPrefix: settings.uriPrefix, adminRoles: settings.adminRoles, legacyWampApi: wampApi, legacy, cluster, logger,
  });
  const events = new EventEmitter<WorkerEvents>();
  const connection = connectLink(options, {
    logger,
    onJoin: async (session) => {
      publisher.attach(session);
      joined(session);
      const count = await component.register(session);
      log.info({ session: session.id, procedures: count, tasks: registry.size }, 'worker registered');
      registered = true;
      events.emit('registered', session.id ?? 0);
    },
    onLeave: (reason) => {
      registered = false;
      publisher.detach();
      left();
      events.emit('disconnected', reason);
    },
  });
  connection.on('failed', (error) => { events.emit('failed', error); });
  connection.open();
  log.info({ workerId: service.workerId, tasks: [...registry].map((def) => def.name), filesDir: settings.filesDir, concurrency: settings.concurrency, spawner: runner.backend, store: settings.store.type }, 'worker started');

  const close = async (): Promise<void> => {
    log.info({ mode: settings.shutdown }, 'worker shutting down');
    await service.shutdown(settings.shutdown);
    cluster?.close();
    await connection.close();
    await runner.close();
    await closeBackend(backend);
    events.removeAllListeners();
  };
  return {
    service,
    fileLinks,
    events,
    metrics: metricsRegistry,
    whenRegistered: () => new Promise<void>((resolve, reject) => {
      if (connection.failure !== undefined) {
        reject(connection.failure);
        return;
      }
      if (registered) {
        resolve();
        return;
      }
      const onRegistered = (): void => { events.off('failed', onFailed); resolve(); };
      const onFailed = (error: WorkerJoinError): void => { events.off('registered', onRegistered); reject(error); };
      events.once('registered', onRegistered);
      events.once('failed', onFailed);
    }),
    close: () => (closing ??= close()),
  };
}
