/**
 * An authenticator behind the router's LoginThrottle (login-throttle.ts): a HELLO whose authid or
 * address is backing off is denied at once, and every deny of the wrapped authenticator counts as a
 * failure. A deny with wamp.error.authentication_failed (the machinery failed, deny.ts) and a thrown
 * error are not the client's fault and do not count.
 */
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { AuthDeny, AuthRequest, AuthStep, Authenticator, AuthMethod } from './authenticator.ts';
import { denyFailure } from './deny.ts';
import { addressOf, type LoginAttempt, type LoginThrottle } from './login-throttle.ts';

/** The ABORT message of a refused attempt; the reason is wamp.error.authentication_failed. */
export function throttledMessage(retryAfterMs: number): string {
  return `too many failed logins for this authid or from this address: retry in ${Math.ceil(retryAfterMs / 1000)} s`;
}

export class ThrottledAuthenticator implements Authenticator {
  readonly method: AuthMethod;
  readonly #inner: Authenticator;
  readonly #throttle: LoginThrottle;

  constructor(inner: Authenticator, throttle: LoginThrottle) {
    this.method = inner.method;
    this.#inner = inner;
    this.#throttle = throttle;
  }

  async start(request: AuthRequest): Promise<AuthStep> {
    const attempt: LoginAttempt = { authid: request.authid, address: addressOf(request.transport), authmethod: this.method };
    const wait = this.#throttle.retryAfter(attempt);
    if (wait > 0) return denyFailure(throttledMessage(wait));
    const step = await this.#inner.start(request);
    if (step.kind !== 'challenge') return this.#observe(attempt, step);
    return {
      kind: 'challenge',
      extra: step.extra,
      verify: async (signature, extra) => {
        // Parallel HELLOs all pass start() before the first deny: their answers are checked again here.
        const waitNow = this.#throttle.retryAfter(attempt);
        if (waitNow > 0) return denyFailure(throttledMessage(waitNow));
        return this.#observe(attempt, await step.verify(signature, extra));
      },
    };
  }

  #observe<T extends AuthStep>(attempt: LoginAttempt, step: T): T {
    if (step.kind === 'accept') this.#throttle.succeeded(attempt);
    else if (step.kind === 'deny' && countsAsFailure(step)) this.#throttle.failed(attempt, step.reason);
    return step;
  }
}

function countsAsFailure(deny: AuthDeny): boolean {
  return deny.reason !== WampErrorUri.authenticationFailed;
}
