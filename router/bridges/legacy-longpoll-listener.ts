/**
 * The legacy long poll on its own TCP listener, serving at '/' as the original did
 * (`asexor.legacy.longpoll.endpoint`; docs/legacy-longpoll.md). Any other path is 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigInvalidError, TransportBindError } from '../../shared/errors.ts';
import type { LegacyLongPollSettings } from '../../shared/legacy/settings.ts';
import { sendText } from '../transports/http-reply.ts';
import type { BridgeContext, LegacyListener } from './context.ts';
import { createLegacyLongPoll } from './legacy-longpoll.ts';

/** As the web transport's listener: GETs are held well beyond these (a fully received request does not time out). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** '/x?y' → '/x'; the root is '' (the resource itself). */
function subpathOf(url: string): string {
  const queryAt = url.search(/[?#]/);
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  return path === '/' ? '' : path;
}

export async function startLegacyLongPollListener(context: BridgeContext, settings: LegacyLongPollSettings): Promise<LegacyListener> {
  const endpoint = settings.endpoint;
  if (endpoint === undefined) {
    throw new ConfigInvalidError('the long poll has no endpoint of its own; it is served at "path" of the web transport', '$.asexor.legacy.longpoll.endpoint');
  }
  const log = context.logger.child({ component: 'legacy-longpoll' });
  const lp = createLegacyLongPoll(context, settings, { basePath: '/' });
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    lp.handle(req, res, subpathOf(req.url ?? '/')).catch((err: unknown) => {
      log.error({ err }, 'legacy long-poll handler failed');
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error\n');
      else res.destroy();
    });
  });
  const host = endpoint.interface;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new TransportBindError(`cannot listen on ${host}:${endpoint.port}: ${err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(endpoint.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => { log.error({ err }, 'legacy long-poll server error'); });
  const port = (server.address() as AddressInfo).port;
  log.info({ host, port }, 'legacy long poll listening');

  let closed: Promise<void> | undefined;
  return {
    address: { host, port },
    close() {
      closed ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
        server.closeIdleConnections();
        await lp.close(); // held GETs are answered first, so their connections can close cleanly
        server.closeAllConnections();
        await serverClosed;
        log.info({ host, port }, 'legacy long poll closed');
      })();
      return closed;
    },
  };
}
