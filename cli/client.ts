/**
 * Connecting the client commands (run, tasks, status, cancel) to a router over WebSocket with
 * autobahn-js: shared options, their defaults and environment variables, and a session whose calls
 * reject when the connection is lost (autobahn leaves them pending). The defaults reach the demo
 * user of `npm start`, so `npx asexor run date` works without options.
 */
import { ClientConnectError } from '../shared/errors.ts';
import { DEFAULT_URI_PREFIX } from '../shared/wamp/app-uris.ts';
import { autobahn, craChallengeHandler, isAbError, ticketChallengeHandler, type AbSession, type Dict } from '../shared/autobahn.ts';

export const DEFAULT_URL = 'ws://127.0.0.1:8484/ws';
export const DEFAULT_REALM = 'asexor';
export const DEMO_USER = { authid: 'demo', ticket: 'demo-ticket' } as const;
const CONNECT_TIMEOUT_MS = 10_000;
/** GOODBYE reasons of an ordinary close (autobahn answers with the wamp.error spelling). */
const NORMAL_CLOSE: ReadonlySet<string> = new Set(['wamp.close.normal', 'wamp.close.goodbye_and_out', 'wamp.error.goodbye_and_out']);

/** node:util parseArgs options every client command accepts. */
export const clientArgOptions = {
  url: { type: 'string' },
  realm: { type: 'string' },
  user: { type: 'string', short: 'u' },
  authid: { type: 'string' },
  ticket: { type: 'string' },
  secret: { type: 'string' },
  prefix: { type: 'string' },
} as const;

export const clientUsage = `Connection options (before the task name for "run"):
      --url URL          router WebSocket URL (default ${DEFAULT_URL}, or $ASEXOR_URL)
      --realm REALM      (default ${DEFAULT_REALM}, or $ASEXOR_REALM)
  -u, --user ID          authid, alias --authid (default $ASEXOR_USER, else the demo user "${DEMO_USER.authid}")
      --ticket TICKET    ticket authentication (or $ASEXOR_TICKET)
      --secret SECRET    WAMP-CRA secret or password (or $ASEXOR_SECRET; salted users too)
      --prefix PREFIX    URI prefix of the server's procedures (default ${DEFAULT_URI_PREFIX}, or $ASEXOR_URI_PREFIX)`;

export interface ClientArgs {
  readonly url?: string | undefined;
  readonly realm?: string | undefined;
  readonly user?: string | undefined;
  readonly authid?: string | undefined;
  readonly ticket?: string | undefined;
  readonly secret?: string | undefined;
  readonly prefix?: string | undefined;
}

export interface ClientOptions {
  readonly url: string;
  readonly uriPrefix: string;
  readonly realm: string;
  readonly authid: string;
  readonly credential: { readonly ticket: string } | { readonly secret: string };
}

/** Flags, then environment, then defaults; the demo ticket only for the demo user. Throws a usage message. */
export function resolveClientOptions(args: ClientArgs, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const authid = args.user ?? args.authid ?? env['ASEXOR_USER'] ?? DEMO_USER.authid;
  const ticket = args.ticket ?? env['ASEXOR_TICKET'];
  const secret = args.secret ?? env['ASEXOR_SECRET'];
  if (ticket !== undefined && secret !== undefined) throw new Error('give either a ticket or a secret, not both');
  let credential: ClientOptions['credential'];
  if (secret !== undefined) credential = { secret };
  else if (ticket !== undefined) credential = { ticket };
  else if (authid === DEMO_USER.authid) credential = { ticket: DEMO_USER.ticket };
  else throw new Error(`no credential for user "${authid}": give --ticket or --secret (or $ASEXOR_TICKET / $ASEXOR_SECRET)`);
  return {
    url: args.url ?? env['ASEXOR_URL'] ?? DEFAULT_URL,
    uriPrefix: args.prefix ?? env['ASEXOR_URI_PREFIX'] ?? DEFAULT_URI_PREFIX,
    realm: args.realm ?? env['ASEXOR_REALM'] ?? DEFAULT_REALM,
    authid,
    credential,
  };
}

export interface ClientSession {
  readonly session: AbSession;
  readonly uriPrefix: string;
  readonly authid: string;
  readonly authrole: string;
  /** A call that rejects if the connection is lost; `onProgress` receives progressive results. */
  call(procedure: string, args?: unknown[], kwargs?: Dict, options?: Dict, onProgress?: (result: unknown) => void): Promise<unknown>;
  close(): Promise<void>;
}

/** "uri: message" of a WAMP error, else the error's message. */
export function describeError(error: unknown): string {
  if (isAbError(error)) {
    const message = error.kwargs['message'] ?? error.args[0];
    return typeof message === 'string' && message !== '' ? `${error.error}: ${message}` : error.error;
  }
  return error instanceof Error ? error.message : String(error);
}

export function connectClient(options: ClientOptions): Promise<ClientSession> {
  const auth = 'secret' in options.credential
    ? { authmethods: ['wampcra'], onchallenge: craChallengeHandler(options.credential.secret) }
    : { authmethods: ['ticket'], onchallenge: ticketChallengeHandler(options.credential.ticket) };
  const connection = new autobahn.Connection({
    url: options.url, realm: options.realm, authid: options.authid, ...auth,
    max_retries: 0, retry_if_unreachable: false,
    on_user_error: () => undefined, on_internal_error: () => undefined,
  });
  let lose: (error: ClientConnectError) => void = () => undefined;
  const lost = new Promise<never>((_resolve, reject) => { lose = reject; });
  lost.catch(() => undefined);
  let closed: () => void = () => undefined;
  const whenClosed = new Promise<void>((resolve) => { closed = resolve; });
  return new Promise<ClientSession>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new ClientConnectError(`cannot join realm "${options.realm}" at ${options.url}: no answer within ${CONNECT_TIMEOUT_MS / 1000} s`));
      try { connection.close(); } catch { /* not connected */ }
    }, CONNECT_TIMEOUT_MS);
    connection.onopen = (session, details) => {
      clearTimeout(timer);
      resolve({
        session, uriPrefix: options.uriPrefix, authid: details.authid, authrole: details.authrole,
        call: (procedure, args = [], kwargs = {}, callOptions = {}, onProgress) => Promise.race([
          new Promise<unknown>((ok, fail) => { session.call(procedure, args, kwargs, callOptions).then(ok, fail, onProgress); }),
          lost,
        ]),
        close: async () => {
          try { connection.close(); } catch { return; }
          await whenClosed;
        },
      });
    };
    connection.onclose = (how, details) => {
      clearTimeout(timer);
      const error = how === 'unreachable'
        ? new ClientConnectError(`cannot connect to ${options.url} (is the router running?)`)
        : details.reason !== null && !NORMAL_CLOSE.has(details.reason)
          ? new ClientConnectError(`the router closed the session: ${details.reason}${details.message ? ` (${details.message})` : ''}`, details.reason)
          : new ClientConnectError(`the connection to ${options.url} was closed`);
      reject(error);
      lose(error);
      closed();
      return true;
    };
    connection.open();
  });
}
