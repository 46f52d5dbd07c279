import { expect } from 'chai';
import { DynamicAuthorizer } from '../../../router/authz/dynamic-authorizer.ts';
import type { InternalCall, SessionInfo } from '../../../router/types.ts';

function sessionNo(id: number): SessionInfo {
  return {
    id, realm: 'realm1', authid: `user${id}`, authrole: 'user', authmethod: 'ticket', authprovider: 'static',
    transport: { kind: 'websocket', serializer: 'json', peer: 'tcp4:127.0.0.1:1' },
  };
}

/** An authorizer procedure that allows everything and counts its calls. */
function counting(answer: unknown): { call: InternalCall; count: () => number } {
  let calls = 0;
  return {
    count: () => calls,
    call: () => {
      calls += 1;
      return Promise.resolve({ args: [answer], kwargs: {} });
    },
  };
}

describe('DynamicAuthorizer decision cache', () => {
  it('answers a repeated request of one session from the cache when the authorizer returned cache: true (Crossbar semantics)', async () => {
    const { call, count } = counting({ allow: true, disclose: true, cache: true });
    const authorizer = new DynamicAuthorizer('p', call);
    const session = sessionNo(1);
    expect(await authorizer.authorize(session, 'call', 'asexor.task.date', {})).to.deep.equal({ allow: true, disclose: true });
    const second = authorizer.authorize(session, 'call', 'asexor.task.date', { receive_progress: true });
    expect(second, 'a cached decision is synchronous').not.to.be.instanceOf(Promise);
    expect(second).to.deep.equal({ allow: true, disclose: true });
    expect(count()).to.equal(1);
  });

  it('keys the cache by session, action, URI and match policy', async () => {
    const { call, count } = counting({ allow: false, cache: true });
    const authorizer = new DynamicAuthorizer('p', call);
    const a = sessionNo(1);
    await authorizer.authorize(a, 'subscribe', 'asexor.status.user1', {});
    await authorizer.authorize(a, 'subscribe', 'asexor.status.user1', { match: 'prefix' });
    await authorizer.authorize(a, 'call', 'asexor.status.user1', {});
    await authorizer.authorize(a, 'subscribe', 'asexor.status.user2', {});
    await authorizer.authorize(sessionNo(2), 'subscribe', 'asexor.status.user1', {});
    expect(count()).to.equal(5);
    await authorizer.authorize(a, 'subscribe', 'asexor.status.user1', { match: 'exact' });
    expect(count(), 'exact is the default match').to.equal(5);
  });

  it('calls every time when the authorizer does not ask for caching', async () => {
    for (const answer of [true, { allow: true }, { allow: true, cache: false }]) {
      const { call, count } = counting(answer);
      const authorizer = new DynamicAuthorizer('p', call);
      await authorizer.authorize(sessionNo(1), 'call', 'u', {});
      await authorizer.authorize(sessionNo(1), 'call', 'u', {});
      expect(count(), JSON.stringify(answer)).to.equal(2);
    }
  });

  it('keeps at most maxCachedPerSession decisions per session, dropping the oldest', async () => {
    const { call, count } = counting({ allow: true, cache: true });
    const authorizer = new DynamicAuthorizer('p', call, { maxCachedPerSession: 2 });
    const session = sessionNo(1);
    for (const uri of ['a', 'b', 'c']) await authorizer.authorize(session, 'call', uri, {});
    expect(count()).to.equal(3);
    await authorizer.authorize(session, 'call', 'c', {});
    await authorizer.authorize(session, 'call', 'b', {});
    expect(count(), 'b and c are cached').to.equal(3);
    await authorizer.authorize(session, 'call', 'a', {});
    expect(count(), 'a was dropped').to.equal(4);
  });
});
