import { expect } from 'chai';
import { DynamicAuthorizer, InvalidAuthorizationResultError } from '../../../router/authz/dynamic-authorizer.ts';
import type { InternalCall, SessionInfo } from '../../../router/types.ts';
import { WampCallError } from '../../../router/dealer/wamp-call-error.ts';

const session: SessionInfo = {
  id: 42, realm: 'realm1', authid: 'carol', authrole: 'user', authmethod: 'ticket', authprovider: 'static',
  transport: { kind: 'websocket', serializer: 'json', peer: 'tcp4:127.0.0.1:1' },
};

/** InternalCall is the true boundary here: a function answering like the app's authorizer procedure. */
function answering(value: unknown): { call: InternalCall; calls: { realm: string; procedure: string; args: readonly unknown[] }[] } {
  const calls: { realm: string; procedure: string; args: readonly unknown[] }[] = [];
  return {
    calls,
    call: (realm, procedure, args) => {
      calls.push({ realm, procedure, args });
      return value instanceof Error ? Promise.reject(value) : Promise.resolve({ args: [value], kwargs: {} });
    },
  };
}

describe('DynamicAuthorizer', () => {
  it('calls authorize(session, uri, action, options) on the session realm with the Crossbar session dict', async () => {
    const { call, calls } = answering(true);
    await new DynamicAuthorizer('com.example.authorize', call).authorize(session, 'subscribe', 'com.x', { match: 'prefix' });
    expect(calls).to.deep.equal([{
      realm: 'realm1', procedure: 'com.example.authorize',
      args: [{ realm: 'realm1', authid: 'carol', authrole: 'user', authmethod: 'ticket', authprovider: 'static', session: 42 }, 'com.x', 'subscribe', { match: 'prefix' }],
    }]);
  });

  it('maps a bool result to allow without disclosure', async () => {
    expect(await new DynamicAuthorizer('p', answering(true).call).authorize(session, 'call', 'u', {})).to.deep.equal({ allow: true, disclose: false });
    expect(await new DynamicAuthorizer('p', answering(false).call).authorize(session, 'call', 'u', {})).to.deep.equal({ allow: false, disclose: false });
  });

  it('maps a dict result {allow, disclose}', async () => {
    const a = new DynamicAuthorizer('p', answering({ allow: true, disclose: true, cache: true }).call);
    expect(await a.authorize(session, 'publish', 'u', {})).to.deep.equal({ allow: true, disclose: true });
  });

  it('rejects on a result that is neither a bool nor {allow: bool}', async () => {
    for (const bad of ['yes', { allow: 'true' }, null, { disclose: true }]) {
      let thrown: unknown;
      try { await new DynamicAuthorizer('p', answering(bad).call).authorize(session, 'call', 'u', {}); } catch (err) { thrown = err; }
      expect(thrown, JSON.stringify(bad)).to.be.instanceOf(InvalidAuthorizationResultError);
    }
  });

  it("propagates the authorizer's error so the realm answers wamp.error.authorization_failed", async () => {
    const error = new WampCallError('com.example.db_down', ['database unavailable']);
    let thrown: unknown;
    try { await new DynamicAuthorizer('p', answering(error).call).authorize(session, 'call', 'u', {}); } catch (err) { thrown = err; }
    expect(thrown).to.equal(error);
  });
});
