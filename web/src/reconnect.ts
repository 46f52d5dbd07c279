/**
 * Connection policy, pure: the transports to try and in which order, the delay before the next
 * round (exponential backoff with jitter), and what a closed connection means for the user (the
 * ABORT reasons of docs/authentication.md, "Authentication and authorization"). web/src/connection.ts applies it.
 */

export type TransportKind = 'websocket' | 'longpoll';

export interface Backoff {
  /** Delay before the second round, ms. */
  readonly initialMs: number;
  readonly maxMs: number;
  readonly growth: number;
  /** ± this fraction of the delay is random, so many pages do not come back at the same instant. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000, growth: 1.8, jitter: 0.2 };

/** The delay before round `round` (1 = the first retry round), in ms. */
export function retryDelay(round: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.growth ** Math.max(0, round - 1));
  return Math.round(base * (1 + backoff.jitter * (2 * random() - 1)));
}

/**
 * The transports of one round: the one that worked last first (a page behind a proxy that blocks
 * WebSocket keeps to long poll), then the others. autobahn-js itself only falls back when a
 * transport cannot even be created, not when its connection fails, hence this.
 */
export function transportOrder(available: readonly TransportKind[], lastGood: TransportKind | undefined): TransportKind[] {
  if (lastGood === undefined || !available.includes(lastGood)) return [...available];
  return [lastGood, ...available.filter((kind) => kind !== lastGood)];
}

/** How an attempt ended. */
export interface CloseInfo {
  /** autobahn's reason: 'closed' | 'lost' | 'unreachable' | 'unsupported'. */
  readonly reason: string;
  /** The WAMP reason of an ABORT or GOODBYE, if any. */
  readonly wampReason?: string | null;
  readonly message?: string | null;
  /** Whether this attempt's session had joined. */
  readonly joined: boolean;
}

export type Verdict =
  /** The router refused the login: stop, and show this message on the login form. */
  | { readonly kind: 'refused'; readonly message: string }
  /** This transport did not get a session: try the next transport of the round. */
  | { readonly kind: 'next-transport'; readonly message: string }
  /** A session was lost: start a new round (after a delay). */
  | { readonly kind: 'lost'; readonly message: string };

const REFUSALS: Readonly<Record<string, string>> = {
  'wamp.error.authentication_denied': 'Wrong user name or ticket/secret.',
  'wamp.error.authentication_required': 'Enter a user name.',
  'wamp.error.no_matching_auth_method': 'The server does not accept this login method here; try the other one.',
  'wamp.error.authentication_failed': 'The server could not check the login (its authenticator failed); try again later.',
  'wamp.error.no_such_realm': 'The server has no realm "asexor".',
  'wamp.error.no_such_role': 'Your user has a role the server does not know.',
  'wamp.error.not_authorized': 'You may not join this realm.',
};

/** Whether a WAMP reason is a refusal of the login (an ABORT), as opposed to a goodbye (`wamp.close.*`). */
function isRefusal(reason: string): boolean {
  return reason !== '' && !reason.startsWith('wamp.close.');
}

export function verdict(info: CloseInfo): Verdict {
  const reason = info.wampReason ?? '';
  if (!info.joined && isRefusal(reason)) {
    const known = REFUSALS[reason];
    const detail = info.message !== undefined && info.message !== null && info.message !== '' ? info.message : undefined;
    const message = known ?? `Login refused (${reason}${detail === undefined ? '' : `: ${detail}`}).`;
    return { kind: 'refused', message };
  }
  if (!info.joined) {
    return { kind: 'next-transport', message: info.reason === 'unsupported' ? 'this browser cannot open the transport' : 'the server could not be reached' };
  }
  if (reason === 'wamp.close.system_shutdown') return { kind: 'lost', message: 'The server is shutting down.' };
  if (reason === 'wamp.close.killed') return { kind: 'lost', message: 'The server closed this session.' };
  return { kind: 'lost', message: 'The connection was lost.' };
}

/** The message when a whole round of transports failed before any session joined. */
export function unreachableMessage(url: string): string {
  return `Cannot reach the server at ${url}: check that it is running and that the address is right.`;
}
