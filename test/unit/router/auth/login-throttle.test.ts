import { expect } from 'chai';
import type { AuthDeny, AuthStep } from '../../../../router/auth/authenticator.ts';
import { buildAuthenticators } from '../../../../router/auth/index.ts';
import { LOGIN_THROTTLE_DEFAULTS, LoginThrottle, addressOf, type LoginThrottleOptions } from '../../../../router/auth/login-throttle.ts';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { createLogger } from '../../../../shared/logger.ts';
import { recordingLogger } from '../../../helpers/recording-logger.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { asChallenge, authRequest } from './fixtures.ts';

/** Lets the PassThrough deliver what pino wrote. */
const flush = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve); });

const at = (address: string | undefined, authid: string | undefined = 'joe') => ({ authid, address, authmethod: 'ticket' });

describe('LoginThrottle (router/auth/login-throttle.ts)', () => {
  let now: number;
  const clock = (): number => now;
  const throttle = (options: LoginThrottleOptions = {}): LoginThrottle => new LoginThrottle({ clock, ...options });
  beforeEach(() => { now = 1_000_000; });

  it('refuses an authid for backoffMs once it failed maxFailuresPerAuthid times within windowMs, from any address', () => {
    const t = throttle({ maxFailuresPerAuthid: 3, windowMs: 10_000, backoffMs: 30_000 });
    for (let i = 0; i < 2; i++) t.failed(at(`tcp4:10.0.0.${i}`), WampErrorUri.authenticationDenied);
    expect(t.retryAfter(at('tcp4:10.0.0.9'))).to.equal(0);
    t.failed(at('tcp4:10.0.0.3'), WampErrorUri.authenticationDenied);
    expect(t.retryAfter(at('tcp4:10.0.0.9'))).to.equal(30_000);
    expect(t.retryAfter(at('tcp4:10.0.0.9', 'ann'))).to.equal(0);
    now += 29_999;
    expect(t.retryAfter(at(undefined))).to.equal(1);
    now += 1;
    expect(t.retryAfter(at(undefined))).to.equal(0);
  });

  it('refuses an address once it failed maxFailuresPerAddress times, whatever authids it tried', () => {
    const t = throttle({ maxFailuresPerAddress: 5, backoffMs: 1000 });
    for (let i = 0; i < 5; i++) t.failed(at('tcp6:::1', `user${i}`), WampErrorUri.authenticationDenied);
    expect(t.retryAfter(at('tcp6:::1', 'someone-else'))).to.equal(1000);
    expect(t.retryAfter(at('tcp6:::2', 'someone-else'))).to.equal(0);
  });

  it('counts failures in a window: failures spread over more than windowMs never add up', () => {
    const t = throttle({ maxFailuresPerAuthid: 3, windowMs: 1000 });
    for (let i = 0; i < 10; i++) {
      t.failed(at(undefined), WampErrorUri.authenticationDenied);
      t.failed(at(undefined), WampErrorUri.authenticationDenied);
      now += 1000;
    }
    expect(t.retryAfter(at(undefined))).to.equal(0);
  });

  it('clears the authid (not the address) on a successful login', () => {
    const t = throttle({ maxFailuresPerAuthid: 3, maxFailuresPerAddress: 4 });
    t.failed(at('tcp4:1.2.3.4'), WampErrorUri.authenticationDenied);
    t.failed(at('tcp4:1.2.3.4'), WampErrorUri.authenticationDenied);
    t.succeeded(at('tcp4:1.2.3.4'));
    t.failed(at('tcp4:1.2.3.4'), WampErrorUri.authenticationDenied);
    expect(t.retryAfter(at(undefined))).to.equal(0);
    t.failed(at('tcp4:1.2.3.4', 'other'), WampErrorUri.authenticationDenied);
    expect(t.retryAfter(at('tcp4:1.2.3.4', 'x'))).to.equal(LOGIN_THROTTLE_DEFAULTS.backoffMs);
  });

  it('logs failures at warn at most once per key and window, with the count since the previous line', async () => {
    const { logger, lines } = recordingLogger();
    const t = throttle({ logger, maxFailuresPerAuthid: 1000, maxFailuresPerAddress: 1000, windowMs: 60_000 });
    for (let i = 0; i < 500; i++) t.failed(at('tcp4:10.1.1.1'), WampErrorUri.authenticationDenied);
    now += 60_000;
    t.failed(at('tcp4:10.1.1.1'), WampErrorUri.authenticationDenied);
    await flush();
    const failures = lines.filter((l) => l['msg'] === 'failed logins (counts since the previous line)');
    expect(failures).to.have.length(2);
    expect(failures[0]).to.include({ level: 40, authid: 'joe', address: 'tcp4:10.1.1.1', failuresOfAuthid: 1, failuresFromAddress: 1 });
    expect(failures[1]).to.include({ failuresOfAuthid: 500, failuresFromAddress: 500 });
  });

  it('logs the start of a back-off once per key, and counts refused attempts into the next line', async () => {
    const { logger, lines } = recordingLogger();
    const t = throttle({ logger, maxFailuresPerAuthid: 3, windowMs: 10_000, backoffMs: 60_000 });
    for (let i = 0; i < 3; i++) t.failed(at(undefined), WampErrorUri.authenticationDenied);
    for (let i = 0; i < 100; i++) t.retryAfter(at(undefined));
    now += 10_000;
    t.failed(at(undefined), WampErrorUri.authenticationDenied);
    await flush();
    const backoffs = lines.filter((l) => l['msg'] === 'too many failed logins: refusing further attempts for a while');
    expect(backoffs).to.have.length(1);
    expect(backoffs[0]).to.include({ level: 40, authid: 'joe', failures: 3, backoffMs: 60_000 });
    const failures = lines.filter((l) => l['msg'] === 'failed logins (counts since the previous line)');
    expect(failures.map((l) => l['failuresOfAuthid'])).to.deep.equal([1, 103]);
  });

  it('writes at most 100 failure lines a window in all, for fresh authids from fresh addresses', async () => {
    const { logger, lines } = recordingLogger();
    const t = throttle({ logger });
    for (let i = 0; i < 1000; i++) t.failed(at(`tcp4:10.2.${i >> 8}.${i & 255}`, `guess${i}`), WampErrorUri.authenticationDenied);
    await flush();
    expect(lines.filter((l) => l['msg'] === 'failed logins (counts since the previous line)')).to.have.length(100);
  });

  it('keeps at most maxTracked authids and addresses', () => {
    const t = throttle({ maxTracked: 100, maxFailuresPerAuthid: 5 });
    for (let i = 0; i < 10_000; i++) t.failed(at(undefined, `guess${i}`), WampErrorUri.authenticationDenied);
    expect(t.tracked).to.be.at.most(100);
  });

  it('takes the address of a TCP peer without its port, and none for in-process and Unix socket peers', () => {
    const transport = (peer: string) => ({ kind: 'rawsocket' as const, serializer: 'json' as const, peer });
    expect(addressOf(transport('tcp4:127.0.0.1:53122'))).to.equal('tcp4:127.0.0.1');
    expect(addressOf(transport('tcp6:::1:53122'))).to.equal('tcp6:::1');
    expect(addressOf(transport('unix'))).to.equal(undefined);
    expect(addressOf({ kind: 'local', serializer: 'none', peer: 'local' })).to.equal(undefined);
  });

  it('rejects options that are not positive integers, naming the option', () => {
    expect(() => new LoginThrottle({ windowMs: 0 })).to.throw(ConfigInvalidError, 'loginThrottle.windowMs: Expected `windowMs` to be an integer from 1 and up, got `0` (number)');
    expect(() => new LoginThrottle({ maxFailuresPerAuthid: 1.5 })).to.throw(ConfigInvalidError, 'maxFailuresPerAuthid');
  });
});

describe('authenticators behind the login throttle (router/auth/throttled.ts)', () => {
  let now: number;
  beforeEach(() => { now = 0; });
  const call = () => Promise.reject(new Error('not used'));
  const auth = { ticket: { type: 'static' as const, principals: { joe: { ticket: 'right', role: 'user' } } }, anonymous: { type: 'static' as const, role: 'guest' } };
  const build = (options: LoginThrottleOptions) => {
    const throttle = new LoginThrottle({ clock: () => now, ...options });
    return { throttle, map: buildAuthenticators(auth, { call, logger: createLogger({ level: 'silent' }), throttle }) };
  };
  const ticketFor = async (map: ReturnType<typeof build>['map'], authid: string, ticket: string, peer = 'tcp4:10.0.0.1:4000'): Promise<AuthStep> => {
    const step = await map.get('ticket')?.start(authRequest({ authid, transport: { kind: 'websocket', serializer: 'json', peer } }));
    if (step === undefined) throw new Error('no ticket authenticator');
    return step.kind === 'challenge' ? step.verify(ticket, {}) : step;
  };

  it('denies at HELLO, before any CHALLENGE, with wamp.error.authentication_failed and a retry hint, even the right ticket', async () => {
    const { map } = build({ maxFailuresPerAuthid: 2, backoffMs: 90_000 });
    expect(await ticketFor(map, 'joe', 'wrong')).to.include({ kind: 'deny', reason: WampErrorUri.authenticationDenied });
    expect(await ticketFor(map, 'joe', 'wrong')).to.include({ kind: 'deny', reason: WampErrorUri.authenticationDenied });
    const refused = await map.get('ticket')?.start(authRequest({ authid: 'joe' })) as AuthDeny;
    expect(refused).to.deep.equal({
      kind: 'deny', reason: WampErrorUri.authenticationFailed,
      message: 'too many failed logins for this authid or from this address: retry in 90 s',
    });
    now += 90_000;
    expect(await ticketFor(map, 'joe', 'right')).to.include({ kind: 'accept' });
  });

  it('refuses the answers of challenges issued before the back-off began (parallel guessing)', async () => {
    const { map } = build({ maxFailuresPerAddress: 2 });
    const pending = await Promise.all([1, 2, 3].map(async (i) => asChallenge(await map.get('ticket')?.start(authRequest({ authid: `u${i}` })) as AuthStep)));
    const results = [];
    for (const challenge of pending) results.push(await challenge.verify('guess', {}));
    expect(results.map((r) => r.kind === 'deny' && r.reason)).to.deep.equal([
      WampErrorUri.authenticationDenied, WampErrorUri.authenticationDenied, WampErrorUri.authenticationFailed,
    ]);
  });

  it('leaves static anonymous alone: it never denies, so it is never refused', async () => {
    const { map } = build({ maxFailuresPerAddress: 1 });
    await ticketFor(map, 'joe', 'wrong', 'tcp4:127.0.0.1:1');
    expect(await map.get('anonymous')?.start(authRequest())).to.include({ kind: 'accept' });
  });

  it('does not count a deny of the auth machinery itself (wamp.error.authentication_failed)', async () => {
    const throttle = new LoginThrottle({ clock: () => now, maxFailuresPerAddress: 1 });
    const map = buildAuthenticators({ ticket: { type: 'dynamic', authenticator: 'com.example.auth' } }, {
      call: () => Promise.reject(new Error('boom')), logger: createLogger({ level: 'silent' }), throttle,
    });
    for (let i = 0; i < 3; i++) {
      const step = asChallenge(await map.get('ticket')?.start(authRequest({ authid: 'joe' })) as AuthStep);
      expect(await step.verify('t', {})).to.include({ reason: WampErrorUri.authenticationFailed });
    }
    expect(throttle.retryAfter(at('tcp4:127.0.0.1'))).to.equal(0);
  });
});
