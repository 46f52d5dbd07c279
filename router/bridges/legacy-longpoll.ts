/**
 * The original ASEXOR's HTTP long poll (docs/legacy-longpoll.md), one resource:
 *
 *   POST  JSON call [id, task, {args, kwargs}]  → 200 ["r", id, task_id] | ["e", id, text, null]
 *   GET   held until updates are queued         → 200 [["m", id, data], …], or [] after pollTimeoutMs
 *   OPTIONS                                     → CORS preflight (allowed origins only)
 *
 * A session is a cookie (`cookieName`, 32 random bytes in base64url) issued on the first request that
 * carries `Authorization: Bearer <token>`; the token opens the user's WAMP session (bridge-session.ts).
 * A GET with `Authorization` returns `[]` at once (how clients get the cookie). A cookie with a token
 * of another user starts a new session. Cross-origin requests are served only for `allowedOrigins`.
 *
 * Mounted as a prefix route at `settings.path` of the web transport (subpath '' or '/'), or on its
 * own listener at '/' (startLegacyLongPollListener in legacy-longpoll-listener.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LegacyLongPollSettings } from '../../shared/legacy/settings.ts';
import { sendText, type HeaderMap } from '../transports/http-reply.ts';
import { checkOrigin, readBody } from '../transports/longpoll-http.ts';
import { BridgeJoinError } from './bridge-session.ts';
import type { BridgeContext } from './context.ts';
import {
  bearerToken, cookieValues, isJsonContentType, parseJsonBody, sendJsonAnswer, setCookieHeader,
} from './legacy-longpoll-http.ts';
import { LongPollSession } from './legacy-longpoll-session.ts';
import { errorMessage, parseLegacyCall } from './legacy-message.ts';

/** `protocol` of the WAMP sessions' transport details. */
export const LEGACY_LP_PROTOCOL = 'asexor-legacy-lp';
const ALLOW = 'GET, POST, OPTIONS';
const PREFLIGHT_MAX_AGE_S = 600;
/** The call id of an error answer when the body has none (the original's choice). */
const NO_CALL_ID = 0;
/** Join failures that are ours, not the client's: answered 503 instead of 401. */
const UNAVAILABLE_REASONS = new Set(['wamp.error.timeout', 'wamp.close.lost']);

export interface LegacyLongPoll {
  handle(req: IncomingMessage, res: ServerResponse, subpath: string): Promise<void>;
  /** Answer held GETs with `[]`, end every session (their tasks run on); later requests get 503. */
  close(): Promise<void>;
  readonly sessionCount: number;
}

export interface LegacyLongPollOptions {
  /** Where the handler is mounted (the cookie's Path). @default '/' with an own endpoint, else settings.path */
  readonly basePath?: string;
}

/** A request's session, or the answer already sent. */
type Resolved = { readonly session: LongPollSession; readonly initial: boolean } | undefined;

function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export function createLegacyLongPoll(context: BridgeContext, settings: LegacyLongPollSettings, options: LegacyLongPollOptions = {}): LegacyLongPoll {
  const log = context.logger.child({ component: 'legacy-longpoll' });
  const basePath = options.basePath ?? (settings.endpoint === undefined ? settings.path : '/');
  const allowedOrigins = new Set(settings.allowedOrigins);
  const sessions = new Map<string, LongPollSession>();
  /** Each user's live sessions, oldest first (a Set keeps insertion order). */
  const byUser = new Map<string, Set<LongPollSession>>();
  let closing = false;

  function refuse(res: ServerResponse, headers: HeaderMap, text: string, invalidToken: boolean): void {
    const challenge = invalidToken ? 'Bearer realm="asexor", error="invalid_token"' : 'Bearer realm="asexor"';
    sendText(res, 401, text, { ...headers, 'www-authenticate': challenge, 'cache-control': 'no-store' });
  }

  function newSession(bridge: LongPollSession['bridge'], digest: string): LongPollSession {
    let id = randomBytes(32).toString('base64url');
    while (sessions.has(id)) id = randomBytes(32).toString('base64url');
    const session = new LongPollSession({
      id, bridge, tokenDigest: digest,
      maxSessionTimeMs: settings.maxSessionTimeMs,
      maxSessionInactivityMs: settings.maxSessionInactivityMs,
      queueLimit: settings.queueLimit,
      logger: log.child({ authid: bridge.authid }),
      onEnd: (ended) => {
        if (sessions.get(ended.id) === ended) sessions.delete(ended.id);
        const own = byUser.get(ended.authid);
        own?.delete(ended);
        if (own?.size === 0) byUser.delete(ended.authid);
      },
    });
    sessions.set(id, session);
    let own = byUser.get(bridge.authid);
    if (own === undefined) byUser.set(bridge.authid, (own = new Set()));
    own.add(session);
    endOldestBeyondCap(bridge.authid, own);
    log.debug({ authid: bridge.authid, sessions: sessions.size }, 'legacy long-poll session started');
    return session;
  }

  /**
   * A user's sessions beyond `maxSessionsPerUser` end, oldest first (each holds a WAMP session until it
   * expires, so a client that never keeps its cookie must not pile them up). Ending a session removes
   * it from `own` (onEnd).
   */
  function endOldestBeyondCap(authid: string, own: Set<LongPollSession>): void {
    if (own.size <= settings.maxSessionsPerUser) return;
    log.info({ authid, limit: settings.maxSessionsPerUser }, 'legacy long poll: too many sessions of one user; ending the oldest');
    for (const oldest of own) {
      if (own.size <= settings.maxSessionsPerUser) break;
      oldest.end('too many sessions of this user'); // its onEnd removes it from `own`
    }
  }

  /**
   * The cookie's session, or a new one from the Bearer token. A request with both keeps the cookie's
   * session only when the token belongs to the same user; a token is checked by joining with it,
   * unless it is one already checked for that session.
   */
  async function resolveSession(req: IncomingMessage, res: ServerResponse, headers: HeaderMap): Promise<Resolved> {
    const bearer = bearerToken(req);
    const existing = cookieValues(req, settings.cookieName).map((value) => sessions.get(value)).find((s) => s !== undefined);
    existing?.touch();
    if (bearer.kind === 'invalid') {
      refuse(res, headers, 'Expected the header "Authorization: Bearer <token>".\n', false);
      return undefined;
    }
    if (bearer.kind === 'none') {
      if (existing !== undefined) return { session: existing, initial: false };
      refuse(res, headers, 'No session: send the header "Authorization: Bearer <token>" to start one.\n', false);
      return undefined;
    }
    const digest = tokenDigest(bearer.token);
    if (existing?.knowsToken(digest) === true) return { session: existing, initial: true };
    let bridge: LongPollSession['bridge'];
    try {
      bridge = await context.openSession({ kind: 'token', token: bearer.token }, LEGACY_LP_PROTOCOL, context.peerOf(req));
    } catch (err) {
      if (!(err instanceof BridgeJoinError)) throw err;
      if (UNAVAILABLE_REASONS.has(err.reason)) {
        sendText(res, 503, 'The router did not admit the session; try again.\n', headers);
      } else {
        log.debug({ reason: err.reason, peer: context.peerOf(req) }, 'legacy long poll: token refused');
        refuse(res, headers, 'The token was refused.\n', true);
      }
      return undefined;
    }
    if (closing) {
      bridge.close();
      sendText(res, 503, 'The server is shutting down.\n', headers);
      return undefined;
    }
    if (existing !== undefined && !existing.ended && existing.authid === bridge.authid) {
      bridge.close();
      existing.addToken(digest);
      return { session: existing, initial: true };
    }
    return { session: newSession(bridge, digest), initial: true };
  }

  async function post(req: IncomingMessage, res: ServerResponse, session: LongPollSession, headers: HeaderMap): Promise<void> {
    if (!isJsonContentType(req)) {
      sendText(res, 400, 'Expected "Content-Type: application/json" and a JSON call [call_id, task_name, {args, kwargs}].\n', headers);
      return;
    }
    const read = await readBody(req, settings.maxBodySize);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      sendText(res, 413, `A call is limited to ${settings.maxBodySize} bytes.\n`, { ...headers, connection: 'close' });
      return;
    }
    const body = parseJsonBody(read.body);
    if (!body.ok) {
      sendJsonAnswer(res, errorMessage(NO_CALL_ID, body.text), headers);
      return;
    }
    const input = parseLegacyCall(body.value);
    switch (input.kind) {
      case 'unreadable':
        sendJsonAnswer(res, errorMessage(NO_CALL_ID, input.text), headers);
        return;
      case 'bad':
        sendJsonAnswer(res, errorMessage(input.callId, input.text), headers);
        return;
      case 'call':
        // `user` and `role` (delegation) mean nothing here: the session's user submits.
        session.submit(input.callId, input.task, input.args, input.kwargs, (answer) => { sendJsonAnswer(res, answer, headers); });
    }
  }

  function get(req: IncomingMessage, res: ServerResponse, session: LongPollSession, initial: boolean, headers: HeaderMap): void {
    if (initial) {
      sendJsonAnswer(res, [], headers);
      return;
    }
    if (res.destroyed || req.socket.destroyed) return; // gone while its session was looked up
    let answered = false;
    const withdraw = session.poll((updates) => {
      answered = true;
      sendJsonAnswer(res, updates, headers);
    }, settings.pollTimeoutMs);
    if (!answered) res.once('close', () => { if (!answered) withdraw(); });
  }

  function preflight(res: ServerResponse, headers: HeaderMap): void {
    const cors = headers['access-control-allow-origin'] === undefined ? {} : {
      'access-control-allow-methods': ALLOW,
      'access-control-allow-headers': 'Authorization, Content-Type',
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
    };
    res.writeHead(204, { ...headers, ...cors, allow: ALLOW });
    res.end();
  }

  return {
    get sessionCount() {
      return sessions.size;
    },
    async handle(req, res, subpath) {
      if (subpath !== '' && subpath !== '/') {
        sendText(res, 404, 'Not Found\n');
        return;
      }
      const origin = checkOrigin(req, allowedOrigins);
      if (!origin.allowed) {
        log.debug({ origin: origin.origin }, 'legacy long poll: request from an origin that is not allowed');
        sendText(res, 403, 'This origin is not allowed to use this endpoint.\n', { vary: 'Origin' });
        return;
      }
      const headers = origin.headers;
      if (req.method === 'OPTIONS') {
        preflight(res, headers);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'POST') {
        sendText(res, 405, 'Use POST to submit a call and GET to poll for updates.\n', { ...headers, allow: ALLOW });
        return;
      }
      if (closing) {
        sendText(res, 503, 'The server is shutting down.\n', headers);
        return;
      }
      const resolved = await resolveSession(req, res, headers);
      if (resolved === undefined) return;
      const { session, initial } = resolved;
      const crossSite = headers['access-control-allow-origin'] !== undefined;
      const withCookie: HeaderMap = {
        ...headers,
        'set-cookie': setCookieHeader({ name: settings.cookieName, value: session.id, path: basePath, maxAgeS: session.remainingS, crossSite }),
      };
      if (req.method === 'POST') await post(req, res, session, withCookie);
      else get(req, res, session, initial, withCookie);
    },
    close() {
      closing = true;
      for (const session of [...sessions.values()]) session.end('the server is shutting down');
      sessions.clear();
      return Promise.resolve();
    },
  };
}
