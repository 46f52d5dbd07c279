/**
 * The `serve` stack in one call: the embedded router, the in-process worker (attached over a local
 * pair as its own principal, with the config's `worker` role or an internal one: cli/embedded-worker-role.ts) and the configured transports (WAMP WebSocket and the web
 * app, plus the worker's file downloads, worker/files-download.ts). The worker registers before the listeners open, so the first client already finds the task
 * procedures and the dynamic authorizer. `close()` shuts the worker down per its settings, then the
 * router (GOODBYE to every client), then the listeners; the spawner process ends with the worker.
 */
import path from 'node:path';
import { defaultRouterConfig } from '../shared/config/defaults.ts';
import type { RouterConfig } from '../shared/config/types.ts';
import { DEMO_LEGACY_SECTION } from '../shared/legacy/settings.ts';
import type { Logger } from '../shared/logger.ts';
import type { LegacyListener } from '../router/bridges/context.ts';
import { startLegacyBridges } from '../router/bridges/index.ts';
import { createRouter, type Router } from '../router/index.ts';
import type { HealthProbe, HttpRouteMount } from '../router/transports/http-server.ts';
import { startTransports, type Listener } from '../router/transports/index.ts';
import { fileDownloadRoute } from '../worker/files-download.ts';
import { metricsRoute } from '../worker/metrics.ts';
import { registerRouterMetrics } from '../router/metrics/metrics.ts';
import { resolveWorkerSettings, startWorker, type Worker, type WorkerSettings } from '../worker/index.ts';
import { embeddedWorkerRealms } from './embedded-worker-role.ts';

/**
 * What `asexor serve [--config FILE]` starts from: the config file (the Crossbar.io format loader, zod
 * schemas of the whole format, is imported only when there is a file), or without one the built-in
 * defaults with the demo users and the legacy bridges; relative paths resolve against the file's folder.
 */
export async function loadServeConfig(configFile: string | undefined): Promise<Omit<ServerOptions, 'logger'>> {
  if (configFile === undefined) return { router: defaultRouterConfig(), asexor: { legacy: DEMO_LEGACY_SECTION }, baseDir: process.cwd() };
  const loaded = await (await import('../shared/config/load.ts')).loadConfigFile(configFile);
  return { router: loaded.router, asexor: loaded.asexor, baseDir: path.dirname(path.resolve(configFile)) };
}

export interface ServerOptions {
  readonly router: RouterConfig;
  /** The config file's top-level `asexor` section (worker settings); undefined = defaults. */
  readonly asexor: unknown;
  /** Directory relative worker paths resolve against: the config file's, or the working directory. */
  readonly baseDir: string;
  readonly logger: Logger;
}

export interface Server {
  readonly router: Router;
  readonly worker: Worker;
  readonly listeners: readonly Listener[];
  /** The legacy protocols' own listeners (raw sockets, a long poll on its own port). */
  readonly legacyListeners: readonly LegacyListener[];
  readonly settings: WorkerSettings;
  close(): Promise<void>;
}

/**
 * `/health` of `serve`: 200 `{status: 'ok', worker: 'connected'}` while the embedded worker is joined
 * and registered, else 503 `{status: 'degraded', worker: 'disconnected'}` (it reconnects with backoff,
 * or the router refused it). `asexor router` alone reports the router only (router/transports/http-server.ts).
 */
function workerHealth(worker: Worker): HealthProbe {
  let connected = true; // startServer waits for the first registration before the listeners open
  worker.events.on('registered', () => { connected = true; });
  worker.events.on('disconnected', () => { connected = false; });
  worker.events.on('failed', () => { connected = false; });
  return () => ({ ok: connected, details: { worker: connected ? 'connected' : 'disconnected' } });
}

export async function startServer(options: ServerOptions): Promise<Server> {
  const { logger } = options;
  const settings = resolveWorkerSettings(options.asexor, { baseDir: options.baseDir });
  // The embedded worker needs no role in the config (cli/embedded-worker-role.ts).
  const { realms, role } = embeddedWorkerRealms(options.router, settings);
  const { loginThrottle } = options.router;
  const router = createRouter({ realms, logger, ...(loginThrottle === undefined ? {} : { loginThrottle }) });
  let worker: Worker | undefined;
  try {
    worker = await startWorker({ settings, connect: { router, role }, logger });
    await worker.whenRegistered();
    const legacy = await startLegacyBridges({
      router, routerConfig: options.router, realm: settings.realm, uriPrefix: settings.uriPrefix, settings: settings.legacy, logger,
    });
    let listeners: Listener[];
    try {
      // `files.link` URLs are paths on whichever HTTP listener the client uses: mounted on every one.
      const signer = worker.fileLinks;
      const mounts: HttpRouteMount[] = [...legacy.mounts];
      if (signer !== undefined) mounts.push({ route: fileDownloadRoute({ filesDir: settings.filesDir, signer, logger }), where: 'asexor.files (download links)' });
      // Prometheus metrics (docs/metrics.md): the worker's registry gets the router's too, served on every HTTP listener.
      if (worker.metrics !== undefined) {
        registerRouterMetrics(worker.metrics, router);
        const { path, token } = settings.metrics;
        mounts.push({ route: metricsRoute({ registry: worker.metrics, path, token }), where: '$.asexor.metrics.path' });
      }
      listeners = await startTransports(router, options.router.transports, { logger, ...(legacy.http ? { legacy: legacy.http } : {}), mounts, health: workerHealth(worker) });
    } catch (error) {
      await legacy.close();
      throw error;
    }
    const running = worker;
    let closing: Promise<void> | undefined;
    return {
      router, worker, listeners, legacyListeners: legacy.listeners, settings,
      close: () => (closing ??= (async () => {
        // The worker first: with `shutdown: cancel` its tasks' last events still reach legacy clients.
        await running.close();
        await legacy.close();
        await router.close();
        await Promise.all(listeners.map((listener) => listener.close()));
      })()),
    };
  } catch (error) {
    await worker?.close();
    await router.close();
    throw error;
  }
}
