/**
 * WAMP over HTTP long-poll (spec: advanced/transport_http_longpoll.md), Crossbar's `longpoll` web
 * service, mounted under a path of the shared HTTP listener (http-server.ts). All resources take
 * POST; an `x` query parameter (cache busting) is ignored by the route table.
 *
 *   <path>/open                {"protocols": [...]} → 200 {"protocol", "transport"}; 400 when no protocol is shared
 *   <path>/<transport>/send    one message, or a batch (.batched) → 204; 400 (and ABORT) when invalid; 413 oversized
 *   <path>/<transport>/receive held until data (200: one message, or all queued when batched) or requestTimeout (204)
 *   <path>/<transport>/close   → 204; the session ends
 *
 * The spec says 202 for send and close; Crossbar answers 204 and autobahn-js accepts only 200 and
 * 204, so we answer 204. Unknown transport ids get 404, other methods 405, cross-origin requests
 * from origins not in `allowedOrigins` 403 (see longpoll-http.ts for the CORS rules).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LongPollServiceConfig } from '../../shared/config/types.ts';
import { PayloadTooLargeError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { AttachOptions, Router } from '../index.ts';
import { sendText, type HeaderMap } from './http-reply.ts';
import { longPollProtocols, pickProtocol } from './longpoll-codec.ts';
import { checkOrigin, readBody } from './longpoll-http.ts';
import { clientPeerOf } from '../auth/client-address.ts';
import { LongPollPeer } from './longpoll-peer.ts';

export { LongPollPeer } from './longpoll-peer.ts';

export interface LongPollService {
  readonly path: string;
  /** Handle a request below the mount path; `subpath` is e.g. '/open' or '/<transport>/send'. */
  handle(req: IncomingMessage, res: ServerResponse, subpath: string): Promise<void>;
  /** End every transport (a held receive gets what is queued, else 503) and refuse new requests. */
  close(): Promise<void>;
  /** Transports known (open, or closed and waiting for the client's `close`). */
  readonly transportCount: number;
}

/** The `open` body is a small JSON object; anything larger is not a WAMP client. */
const OPEN_BODY_LIMIT = 64 * 1024;
/** 16 random bytes, base64url: unguessable, so one client cannot drive another's transport. */
const TRANSPORT_ID = /^\/([A-Za-z0-9_-]{22})\/(send|receive|close)$/;
const ALLOW = 'POST, OPTIONS';
const PREFLIGHT_MAX_AGE_S = 600;

export function createLongPollService(router: Router, config: LongPollServiceConfig, logger: Logger): LongPollService {
  const log = logger.child({ component: 'longpoll', path: config.path });
  const protocols = longPollProtocols(config.serializers);
  const allowedOrigins = new Set(config.options.allowedOrigins);
  const attachOptions: AttachOptions = config.auth ? { auth: config.auth } : {};
  const transports = new Map<string, LongPollPeer>();
  const clientPeer = clientPeerOf(config.options.clientAddress); // behind a trusted reverse proxy: the forwarded client
  let closing = false;

  const noStore = (headers: HeaderMap): HeaderMap => ({ ...headers, 'cache-control': 'no-store' });

  async function open(req: IncomingMessage, res: ServerResponse, headers: HeaderMap): Promise<void> {
    const read = await readBody(req, OPEN_BODY_LIMIT);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      sendText(res, 413, `The open request body is limited to ${OPEN_BODY_LIMIT} bytes.\n`, noStore(headers));
      return;
    }
    let offered: unknown;
    try {
      offered = (JSON.parse(read.body.toString('utf8')) as { protocols?: unknown } | null)?.protocols;
    } catch {
      offered = undefined;
    }
    if (!Array.isArray(offered)) {
      sendText(res, 400, 'Expected a JSON body {"protocols": ["wamp.2.json", ...]}.\n', noStore(headers));
      return;
    }
    const protocol = pickProtocol(offered, protocols);
    if (protocol === undefined) {
      sendText(res, 400, `No common protocol: this endpoint speaks ${[...protocols.keys()].join(', ')}.\n`, noStore(headers));
      return;
    }
    let id = randomBytes(16).toString('base64url');
    while (transports.has(id)) id = randomBytes(16).toString('base64url');
    const details = {
      kind: 'longpoll',
      serializer: protocol.serializer.id,
      protocol: protocol.name,
      // No copy of the request's headers: nothing reads them, and they cost 1-2 KB per session (docs/router-memory.md).
      peer: clientPeer(req),
    } as const;
    const peer = new LongPollPeer({
      id, protocol, details, options: config.options,
      logger: log,
      logBindings: { peer: details.peer, protocol: protocol.name }, // the child logger is made on first use
      onGone: (gone) => { transports.delete(gone.id); },
    });
    transports.set(id, peer);
    log.debug({ peer: details.peer, protocol: protocol.name }, 'long-poll transport open');
    try {
      router.attach(peer, attachOptions);
    } catch (err) {
      log.error({ err }, 'router.attach threw');
      peer.terminate();
      sendText(res, 500, 'Internal Server Error\n', noStore(headers));
      return;
    }
    const body = Buffer.from(JSON.stringify({ protocol: protocol.name, transport: id }), 'utf8');
    res.writeHead(200, noStore({ ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.byteLength) }));
    res.end(body);
  }

  async function send(peer: LongPollPeer, req: IncomingMessage, res: ServerResponse, headers: HeaderMap): Promise<void> {
    const limit = config.options.maxMessageSize;
    const read = await readBody(req, limit);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      peer.fail(new PayloadTooLargeError(read.size, limit));
      sendText(res, 413, `A send body is limited to ${limit} bytes.\n`, noStore(headers));
      return;
    }
    const error = peer.deliver(read.body);
    if (error === undefined) {
      res.writeHead(204, noStore(headers));
      res.end();
    } else {
      sendText(res, 400, `Invalid ${peer.details.protocol ?? ''} body: ${error.message}\n`, noStore(headers));
    }
  }

  function preflight(req: IncomingMessage, res: ServerResponse, headers: HeaderMap): void {
    const cors = req.headers.origin === undefined ? {} : {
      'access-control-allow-methods': ALLOW,
      'access-control-allow-headers': 'Content-Type',
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
    };
    res.writeHead(204, { ...headers, ...cors, allow: ALLOW });
    res.end();
  }

  return {
    path: config.path,
    get transportCount() {
      return transports.size;
    },
    async handle(req, res, subpath) {
      const origin = checkOrigin(req, allowedOrigins);
      if (!origin.allowed) {
        log.debug({ origin: origin.origin }, 'long-poll request from an origin that is not allowed');
        sendText(res, 403, 'This origin is not allowed to use this long-poll endpoint.\n', { vary: 'Origin' });
        return;
      }
      const headers = origin.headers;
      if (req.method === 'OPTIONS') {
        preflight(req, res, headers);
        return;
      }
      if (req.method !== 'POST') {
        sendText(res, 405, 'This is a WAMP long-poll endpoint: use POST.\n', { ...headers, allow: ALLOW });
        return;
      }
      if (closing) {
        sendText(res, 503, 'The server is shutting down.\n', noStore(headers));
        return;
      }
      if (subpath === '/open') {
        await open(req, res, headers);
        return;
      }
      const match = TRANSPORT_ID.exec(subpath);
      const peer = match?.[1] === undefined ? undefined : transports.get(match[1]);
      if (match === null || peer === undefined) {
        sendText(res, 404, match === null ? 'Not Found\n' : 'No such long-poll transport.\n', noStore(headers));
        return;
      }
      switch (match[2]) {
        case 'send':
          await send(peer, req, res, headers);
          return;
        case 'receive':
          peer.poll(res, headers);
          return;
        default:
          peer.closeByClient();
          res.writeHead(204, noStore(headers));
          res.end();
      }
    },
    close() {
      closing = true;
      for (const peer of [...transports.values()]) peer.terminate();
      return Promise.resolve();
    },
  };
}
