import { expect } from 'chai';
import { DynamicAuthenticator } from '../../../../router/auth/dynamic.ts';
import type { AuthAccept, AuthDeny, AuthMethod } from '../../../../router/auth/authenticator.ts';
import type { CallResult, InternalCall } from '../../../../router/types.ts';
import { WampCallError } from '../../../../router/dealer/wamp-call-error.ts';
import { silentLogger } from '../../../../shared/logger.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { asChallenge, authRequest, autobahnCra } from './fixtures.ts';

interface Recorded { realm: string; procedure: string; args: readonly unknown[] }

/** InternalCall is the true boundary of this unit: a function answering like the app's procedure would. */
function fakeCall(answer: (args: readonly unknown[]) => unknown): { call: InternalCall; calls: Recorded[] } {
  const calls: Recorded[] = [];
  const call: InternalCall = (realm, procedure, args) => {
    calls.push({ realm, procedure, args });
    return new Promise<CallResult>((resolve) => { resolve({ args: [answer(args)], kwargs: {} }); });
  };
  return { call, calls };
}

function authenticator(method: AuthMethod, call: InternalCall, authenticatorRealm?: string): DynamicAuthenticator {
  const config = { type: 'dynamic', authenticator: 'com.example.authenticate', ...(authenticatorRealm ? { authenticatorRealm } : {}) } as const;
  return new DynamicAuthenticator(method, config, { call, logger: silentLogger() });
}

describe('DynamicAuthenticator', () => {
  it('calls authenticate(realm, authid, details) with the Crossbar details and accepts a role string', async () => {
    const { call, calls } = fakeCall(() => 'guest');
    const step = await authenticator('anonymous', call).start(authRequest({ details: { authextra: { a: 1 } } }));
    expect(step.kind).to.equal('accept');
    const { principal } = step as AuthAccept;
    expect(principal).to.include({ authrole: 'guest', authmethod: 'anonymous', authprovider: 'dynamic' });
    expect(principal.authid).to.be.a('string').and.not.empty;
    expect(calls).to.have.length(1);
    expect(calls[0]).to.deep.include({ realm: 'realm1', procedure: 'com.example.authenticate' });
    expect(calls[0]!.args).to.deep.equal(['realm1', null, {
      session: 3251278072152162, authmethod: 'anonymous', authid: null, authextra: { a: 1 }, authprovider: 'dynamic',
      transport: { type: 'websocket', protocol: 'wamp.2.json', peer: 'tcp4:127.0.0.1:53122' },
    }]);
  });

  it('calls the procedure on the configured authenticator realm', async () => {
    const { call, calls } = fakeCall(() => 'guest');
    await authenticator('anonymous', call, 'auth-realm').start(authRequest());
    expect(calls[0]!.realm).to.equal('auth-realm');
    expect(calls[0]!.args[0]).to.equal('realm1');
  });

  it('passes the ticket in details.ticket and applies authid, realm and extra (→ WELCOME authextra) from a dict result', async () => {
    const { call, calls } = fakeCall(() => ({ role: 'user', authid: 'joe@example', realm: 'realm2', extra: { tier: 'gold' } }));
    const step = asChallenge(await authenticator('ticket', call).start(authRequest({ authid: 'joe' })));
    expect(step.extra).to.deep.equal({});
    expect(calls).to.have.length(0); // nothing is called before the ticket arrives
    const result = (await step.verify('t0ken', {})) as AuthAccept;
    expect((calls[0]!.args[2] as Record<string, unknown>)['ticket']).to.equal('t0ken');
    expect(result.principal).to.deep.equal({
      authid: 'joe@example', authrole: 'user', authmethod: 'ticket', authprovider: 'dynamic', authextra: { tier: 'gold' }, realm: 'realm2',
    });
  });

  it("denies with the authenticator's error URI and its first argument as message", async () => {
    const { call } = fakeCall(() => { throw new WampCallError('com.example.invalid_ticket', ['ticket expired']); });
    const step = asChallenge(await authenticator('ticket', call).start(authRequest({ authid: 'joe' })));
    expect(await step.verify('t0ken', {})).to.deep.equal({ kind: 'deny', reason: 'com.example.invalid_ticket', message: 'ticket expired' });
  });

  it('denies with a generic message when the error carries no string argument', async () => {
    const { call } = fakeCall(() => { throw new WampCallError('com.example.nope'); });
    const step = (await authenticator('anonymous', call).start(authRequest())) as AuthDeny;
    expect(step).to.include({ kind: 'deny', reason: 'com.example.nope' });
    expect(step.message).to.include('com.example.nope');
  });

  it('denies with wamp.error.authentication_failed and names procedure and realm when the authenticator is not registered', async () => {
    const { call } = fakeCall(() => { throw new WampCallError(WampErrorUri.noSuchProcedure, ['no callee']); });
    const step = (await authenticator('anonymous', call).start(authRequest())) as AuthDeny;
    expect(step.reason).to.equal(WampErrorUri.authenticationFailed);
    expect(step.message).to.include('"com.example.authenticate"').and.include('"realm1"').and.not.include('NoneType');
  });

  it('denies with wamp.error.authentication_failed when the result has no role', async () => {
    const { call } = fakeCall(() => ({ authid: 'x' }));
    expect(await authenticator('anonymous', call).start(authRequest())).to.include({ reason: WampErrorUri.authenticationFailed });
  });

  it('denies with wamp.error.authentication_failed, without the internal error text, when the call fails otherwise', async () => {
    const { call } = fakeCall(() => { throw new Error('db password=hunter2 rejected'); });
    const step = (await authenticator('anonymous', call).start(authRequest())) as AuthDeny;
    expect(step.reason).to.equal(WampErrorUri.authenticationFailed);
    expect(step.message).to.not.include('hunter2');
  });

  it('runs WAMP-CRA with the returned (derived) secret and salt parameters', async () => {
    const key = autobahnCra.derive_key('pw', 'NaCl', 100, 16);
    const { call } = fakeCall(() => ({ role: 'user', secret: key, salt: 'NaCl', iterations: 100, keylen: 16 }));
    const step = asChallenge(await authenticator('wampcra', call).start(authRequest({ authid: 'carol' })));
    expect(step.extra).to.include({ salt: 'NaCl', iterations: 100, keylen: 16 });
    const challenge = JSON.parse(step.extra['challenge'] as string) as Record<string, unknown>;
    expect(challenge).to.include({ authid: 'carol', authrole: 'user', authprovider: 'dynamic' });
    const signature = autobahnCra.sign(key, step.extra['challenge'] as string);
    expect(await step.verify(signature, {})).to.deep.include({ kind: 'accept' });
    const again = asChallenge(await authenticator('wampcra', call).start(authRequest({ authid: 'carol' })));
    expect(await again.verify(signature, {})).to.include({ kind: 'deny', reason: WampErrorUri.authenticationDenied });
  });

  it('denies WAMP-CRA with wamp.error.authentication_failed when the authenticator returns no secret', async () => {
    const { call } = fakeCall(() => 'user');
    expect(await authenticator('wampcra', call).start(authRequest({ authid: 'carol' }))).to.include({ reason: WampErrorUri.authenticationFailed });
  });

  it('requires an authid for ticket and wampcra before calling the authenticator', async () => {
    const { call, calls } = fakeCall(() => 'user');
    expect(await authenticator('wampcra', call).start(authRequest())).to.include({ reason: WampErrorUri.authenticationRequired });
    expect(await authenticator('ticket', call).start(authRequest())).to.include({ reason: WampErrorUri.authenticationRequired });
    expect(calls).to.have.length(0);
  });
});
