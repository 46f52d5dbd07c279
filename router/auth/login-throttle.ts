/**
 * Failed-login throttling, one per router (docs/fairness-and-abuse.md): every authentication that ends
 * in a deny counts one failure against the HELLO's authid and one against the client's address (the
 * IP of a TCP peer, without the port). `maxFailuresPerAuthid` or `maxFailuresPerAddress` failures
 * within `windowMs` start a back-off of `backoffMs` during which every HELLO with that authid or from
 * that address is refused at once, before any authenticator runs or a dynamic authenticator is called.
 * A login that succeeds clears its authid's failures (not its address's: one good account must not
 * reset an address that guesses others).
 *
 * Logging is bounded too: failures are logged at warn at most once per authid and per address per
 * window (and at most 100 lines a window in all), each line with the counts of failures since the
 * previous line naming that authid or address; the start of a back-off is logged once. Memory is bounded by `maxTracked` keys: past it, expired keys are swept, then the oldest dropped.
 */
import { ConfigInvalidError } from '../../shared/errors.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { TransportDetails } from '../transports/peer.ts';

export interface LoginThrottleOptions {
  /** Failures of one authid within `windowMs` that start its back-off. @default 10 */
  readonly maxFailuresPerAuthid?: number;
  /** Failures from one address within `windowMs` that start its back-off. @default 30 */
  readonly maxFailuresPerAddress?: number;
  /** The window failures are counted in, and the interval of the rate-limited log lines, ms. @default 60_000 */
  readonly windowMs?: number;
  /** How long an authid or address is refused once it reached its limit, ms. @default 60_000 */
  readonly backoffMs?: number;
  /** Most authids and addresses tracked at once (memory bound). @default 100_000 */
  readonly maxTracked?: number;
  /** Milliseconds now; injectable for tests. @default Date.now */
  readonly clock?: () => number;
  /** @default silentLogger() */
  readonly logger?: Logger;
}

export const LOGIN_THROTTLE_DEFAULTS = {
  maxFailuresPerAuthid: 10,
  maxFailuresPerAddress: 30,
  windowMs: 60_000,
  backoffMs: 60_000,
  maxTracked: 100_000,
} as const;

/** Failure lines per window, all keys together: a spray of fresh authids from fresh addresses stays bounded. */
const MAX_LINES_PER_WINDOW = 100;

/** The subject of one login attempt. `address` is undefined for in-process and Unix socket peers. */
export interface LoginAttempt {
  readonly authid: string | undefined;
  readonly address: string | undefined;
  readonly authmethod: string;
}

interface Counter {
  readonly kind: 'authid' | 'address';
  readonly value: string;
  /** Start of the current counting window. */
  windowStart: number;
  failures: number;
  /** Refused until then (0 = not backing off). */
  blockedUntil: number;
  /** When the last warn line about this key was written (-Infinity: never). */
  loggedAt: number;
  /** Failures and refusals since that line. */
  unlogged: number;
}

/** 'tcp4:10.0.0.1:5123' → 'tcp4:10.0.0.1', 'tcp6:::1:5123' → 'tcp6:::1'; non-TCP peers have no address. */
export function addressOf(transport: TransportDetails): string | undefined {
  const peer = transport.peer;
  if (!peer.startsWith('tcp4:') && !peer.startsWith('tcp6:')) return undefined;
  const lastColon = peer.lastIndexOf(':');
  return lastColon > 4 ? peer.slice(0, lastColon) : peer;
}

function checkPositiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigInvalidError(`Expected \`${name}\` to be an integer from 1 and up, got \`${String(value)}\` (${typeof value})`, `loginThrottle.${name}`);
  }
  return value;
}

export class LoginThrottle {
  readonly #maxPerAuthid: number;
  readonly #maxPerAddress: number;
  readonly #windowMs: number;
  readonly #backoffMs: number;
  readonly #maxTracked: number;
  readonly #clock: () => number;
  readonly #log: Logger;
  readonly #counters = new Map<string, Counter>();
  #linesWindowStart = -Infinity;
  #lines = 0;

  constructor(options: LoginThrottleOptions = {}) {
    const d = LOGIN_THROTTLE_DEFAULTS;
    this.#maxPerAuthid = checkPositiveInt('maxFailuresPerAuthid', options.maxFailuresPerAuthid ?? d.maxFailuresPerAuthid);
    this.#maxPerAddress = checkPositiveInt('maxFailuresPerAddress', options.maxFailuresPerAddress ?? d.maxFailuresPerAddress);
    this.#windowMs = checkPositiveInt('windowMs', options.windowMs ?? d.windowMs);
    this.#backoffMs = checkPositiveInt('backoffMs', options.backoffMs ?? d.backoffMs);
    this.#maxTracked = checkPositiveInt('maxTracked', options.maxTracked ?? d.maxTracked);
    this.#clock = options.clock ?? Date.now;
    this.#log = (options.logger ?? silentLogger()).child({ component: 'login-throttle' });
  }

  /** Authids and addresses tracked now. */
  get tracked(): number {
    return this.#counters.size;
  }

  /** Milliseconds until `attempt` may try again; 0 when it may now. A refusal is counted for the log. */
  retryAfter(attempt: LoginAttempt): number {
    const now = this.#clock();
    let wait = 0;
    for (const counter of this.#countersOf(attempt, false)) {
      if (counter.blockedUntil > now) {
        wait = Math.max(wait, counter.blockedUntil - now);
        counter.unlogged++;
      }
    }
    return wait;
  }

  /** An authentication of `attempt` was denied. */
  failed(attempt: LoginAttempt, reason: string): void {
    const now = this.#clock();
    let due = true;
    const counts: Record<string, number> = {};
    for (const counter of this.#countersOf(attempt, true)) {
      if (now - counter.windowStart >= this.#windowMs) {
        counter.windowStart = now;
        counter.failures = 0;
      }
      counter.failures++;
      counter.unlogged++;
      counts[counter.kind] = counter.unlogged;
      if (now - counter.loggedAt < this.#windowMs) due = false;
      const max = counter.kind === 'authid' ? this.#maxPerAuthid : this.#maxPerAddress;
      if (counter.failures >= max && counter.blockedUntil <= now) {
        counter.blockedUntil = now + this.#backoffMs;
        this.#log.warn({ [counter.kind]: counter.value, failures: counter.failures, windowMs: this.#windowMs, backoffMs: this.#backoffMs },
          'too many failed logins: refusing further attempts for a while');
      }
    }
    if (!due || !this.#lineAllowed(now)) return;
    // One line for both keys of this attempt, when neither was named within the window (so many authids
    // from one address, or one authid from many addresses, give one line a window); each key then stays quiet.
    this.#log.warn({
      authid: attempt.authid, address: attempt.address, authmethod: attempt.authmethod, reason,
      failuresOfAuthid: counts['authid'], failuresFromAddress: counts['address'],
    }, 'failed logins (counts since the previous line)');
    for (const counter of this.#countersOf(attempt, false)) {
      counter.loggedAt = now;
      counter.unlogged = 0;
    }
  }

  /** At most MAX_LINES_PER_WINDOW failure lines per window in all (many authids from many addresses). */
  #lineAllowed(now: number): boolean {
    if (now - this.#linesWindowStart >= this.#windowMs) {
      this.#linesWindowStart = now;
      this.#lines = 0;
    }
    return this.#lines++ < MAX_LINES_PER_WINDOW;
  }

  /** An authentication of `attempt` succeeded: its authid starts afresh. */
  succeeded(attempt: LoginAttempt): void {
    if (attempt.authid !== undefined) this.#counters.delete(`a:${attempt.authid}`);
  }

  #countersOf(attempt: LoginAttempt, create: boolean): Counter[] {
    const out: Counter[] = [];
    if (attempt.authid !== undefined) {
      const counter = this.#counter('authid', attempt.authid, create);
      if (counter) out.push(counter);
    }
    if (attempt.address !== undefined) {
      const counter = this.#counter('address', attempt.address, create);
      if (counter) out.push(counter);
    }
    return out;
  }

  #counter(kind: Counter['kind'], value: string, create: boolean): Counter | undefined {
    const key = `${kind === 'authid' ? 'a' : 'p'}:${value}`;
    let counter = this.#counters.get(key);
    if (counter === undefined && create) {
      if (this.#counters.size >= this.#maxTracked) this.#makeRoom();
      counter = { kind, value, windowStart: this.#clock(), failures: 0, blockedUntil: 0, loggedAt: -Infinity, unlogged: 0 };
      this.#counters.set(key, counter);
    }
    return counter;
  }

  /** Drops keys that neither back off nor counted a failure within the window; then the oldest, down to 90 %. */
  #makeRoom(): void {
    const now = this.#clock();
    for (const [key, c] of this.#counters) {
      if (c.blockedUntil <= now && now - c.windowStart >= this.#windowMs) this.#counters.delete(key);
    }
    const target = Math.floor(this.#maxTracked * 0.9);
    for (const key of this.#counters.keys()) {
      if (this.#counters.size <= target) break;
      this.#counters.delete(key);
    }
  }
}
