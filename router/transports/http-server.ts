/**
 * One node:http server per `http` transport: WebSocket upgrades, static files, /health (with an
 * optional injected probe, `HttpTransportDeps.health`), WAMP
 * long-poll POST handlers and mounted routes (legacy bridges, file downloads) all share its port (docs/conventions.md, Crossbar's "web" transport). Requests are
 * dispatched through an HttpRouteTable; a new HTTP transport adds routes instead of a server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { HttpTransportConfig } from '../../shared/config/types.ts';
import { TransportBindError } from '../../shared/errors.ts';
import type { Router } from '../index.ts';
import { rejectUpgrade, sendJson, sendText } from './http-reply.ts';
import { HttpRouteTable, type RequestRoute } from './http-routes.ts';
import { createLongPollService, type LongPollService } from './longpoll.ts';
import { staticFiles } from './static-files.ts';
import { createWebSocketService, type PlainUpgradeHandler, type WebSocketService, type WebSocketTuning } from './websocket.ts';

export interface Listener {
  readonly address: { readonly host: string; readonly port: number };
  /** An absolute URL for `path` on this listener, e.g. url('/ws', 'ws') → 'ws://127.0.0.1:8080/ws'. */
  url(path: string, scheme?: 'http' | 'ws'): string;
  /** Stop listening, close WebSocket connections with 1001 and resolve once every connection is gone. */
  close(): Promise<void>;
}

export interface HttpTransportDeps {
  /** @default silentLogger() */
  readonly logger?: Logger;
  /** Backpressure and close limits for WebSocket connections (defaults: WEBSOCKET_TUNING_DEFAULTS). */
  readonly websocket?: WebSocketTuning;
  /** The legacy ASEXOR WebSocket (router/bridges/index.ts), sharing a WAMP WebSocket path of one HTTP transport. */
  readonly legacy?: HttpLegacyMounts;
  /** More request routes: the legacy long poll, the worker's file downloads, metrics (cli/server.ts). */
  readonly mounts?: readonly HttpRouteMount[];
  /** What `/health` reports beyond the router itself (cli/server.ts: the embedded worker); absent = the router only. */
  readonly health?: HealthProbe;
}

/**
 * Asked at every `/health` request. `ok: false` answers 503 `{status: 'degraded', ...details}`;
 * `ok: true` answers 200 `{status: 'ok', ...details}`.
 */
export type HealthProbe = () => { readonly ok: boolean; readonly details: Readonly<Record<string, unknown>> };

/** A request route mounted beside the configured services; a path clash with one of them is a ConfigInvalidError. */
export interface HttpRouteMount {
  /** The transport config (by identity) it is mounted on; undefined = every HTTP transport. */
  readonly transport?: HttpTransportConfig;
  readonly route: RequestRoute;
  /** Named in the error of a path clash, e.g. 'asexor.files'. */
  readonly where: string;
}

export interface HttpLegacyMounts {
  /** The transport config (by identity) they are mounted on. */
  readonly transport: HttpTransportConfig;
  /** Upgrades offering no subprotocol on the WebSocket service at `path`. */
  readonly plainWebSocket: PlainUpgradeHandler & { readonly path: string };
}

/** Time allowed for a client to send request headers / a whole request, ms. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

export async function startHttpTransport(
  router: Router, config: HttpTransportConfig, deps: HttpTransportDeps = {},
): Promise<Listener> {
  const logger = deps.logger ?? silentLogger();
  const log = logger.child({ component: 'http', port: config.endpoint.port });
  const routes = new HttpRouteTable();
  const websockets: WebSocketService[] = [];
  const longpolls: LongPollService[] = [];
  const legacy = deps.legacy?.transport === config ? deps.legacy : undefined;

  routes.addRequest({ path: '/health', prefix: false, handle: (req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      // The router answering is "ok" on its own; a probe adds what else the process serves.
      const report = deps.health?.();
      if (report === undefined) sendJson(res, 200, { status: 'ok' });
      else sendJson(res, report.ok ? 200 : 503, { status: report.ok ? 'ok' : 'degraded', ...report.details });
    } else sendText(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
  } });
  config.services.forEach((service, index) => {
    if (service.type === 'websocket') {
      const plain = legacy?.plainWebSocket.path === service.path ? legacy.plainWebSocket : undefined;
      const ws = createWebSocketService(router, service, logger, deps.websocket, plain);
      websockets.push(ws);
      routes.addUpgrade({ path: service.path, handleUpgrade: (req, socket, head) => { ws.handleUpgrade(req, socket, head); } },
        `services[${index}].path`);
      // A plain GET on a WebSocket path (a browser, a probe) gets a hint rather than a bare 404.
      routes.addRequest({ path: service.path, prefix: false, handle: (_req, res) => {
        sendText(res, 426, 'This is a WAMP WebSocket endpoint.\n', { upgrade: 'websocket', connection: 'Upgrade' });
      } }, `services[${index}].path`);
    } else if (service.type === 'longpoll') {
      const lp = createLongPollService(router, service, logger);
      longpolls.push(lp);
      routes.addRequest({ path: service.path, prefix: true, handle: (req, res, subpath) => lp.handle(req, res, subpath) },
        `services[${index}].path`);
    } else {
      routes.addRequest({ path: service.path, prefix: true, handle: staticFiles(service.directory, log) },
        `services[${index}].path`);
    }
  });

  for (const mount of deps.mounts ?? []) {
    if (mount.transport === undefined || mount.transport === config) routes.addRequest(mount.route, mount.where);
  }

  const server = createServer({
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = routes.matchRequest(req.url ?? '/');
    if (match === undefined) {
      sendText(res, 404, 'Not Found\n');
      return;
    }
    Promise.resolve(match.route.handle(req, res, match.subpath)).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'http handler failed');
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error\n');
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => { log.debug({ err }, 'upgrade socket error'); });
    const route = routes.matchUpgrade(req.url ?? '/');
    if (route === undefined) rejectUpgrade(socket, 404, 'Not Found\n');
    else route.handleUpgrade(req, socket, head);
  });

  const { interface: host, port } = config.endpoint;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new TransportBindError(`cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => { log.error({ err }, 'http server error'); });
  const bound = (server.address() as AddressInfo).port;
  log.info({ host, port: bound, services: config.services.map((s) => `${s.type}:${s.path}`) }, 'http transport listening');

  let closed: Promise<void> | undefined;
  return {
    address: { host, port: bound },
    url(path, scheme = 'http') {
      const hostPart = host.includes(':') ? `[${host}]` : host;
      return `${scheme}://${hostPart}:${bound}${path.startsWith('/') ? path : `/${path}`}`;
    },
    close() {
      closed ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
        server.closeIdleConnections();
        // Held long-poll receives are answered first, so their connections can close cleanly.
        await Promise.all([...longpolls, ...websockets].map((service) => service.close()));
        server.closeAllConnections();
        await serverClosed;
        log.info({ host, port: bound }, 'http transport closed');
      })();
      return closed;
    },
  };
}
