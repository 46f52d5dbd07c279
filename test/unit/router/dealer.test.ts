import { expect } from 'chai';
import { WampErrorUri } from '../../../shared/wamp/uris.ts';
import type { Dealer } from '../../../router/dealer/dealer.ts';
import {
  ALLOW, ALLOW_DISCLOSE, MessageType, call, invocationError, makeDealer, only, register, registerOk, session,
  unregister, yieldMsg,
} from './dealer-fixture.ts';

describe('Dealer', () => {
  let dealer: Dealer;
  beforeEach(() => { dealer = makeDealer(); });
  afterEach(() => { dealer.close(); });

  describe('registration', () => {
    it('answers REGISTER with REGISTERED carrying a router-scoped registration id', () => {
      const a = session();
      const b = session();
      expect(registerOk(dealer, a, 'com.app.one')).to.equal(1);
      expect(registerOk(dealer, b, 'com.app.two')).to.equal(2);
      expect(dealer.registrations().map((r) => [r.id, r.uri, r.match, r.invoke, r.callees])).to.deep.equal([
        [1, 'com.app.one', 'exact', 'single', [a.id]], [2, 'com.app.two', 'exact', 'single', [b.id]],
      ]);
    });

    it('fails a second REGISTER of a single registration with procedure_already_exists (spec: advanced/rpc_shared_registration.md)', () => {
      registerOk(dealer, session(), 'com.app.proc');
      const b = session();
      dealer.register(b, register(7, 'com.app.proc', { invoke: 'single' }));
      const error = only(b, MessageType.ERROR);
      expect([error.requestType, error.request, error.error]).to.deep.equal([MessageType.REGISTER, 7, WampErrorUri.procedureAlreadyExists]);
      expect(error.args?.[0]).to.be.a('string').that.includes('com.app.proc');
    });

    it('fails a REGISTER with a different invocation policy with procedure_exists_with_different_invocation_policy', () => {
      registerOk(dealer, session(), 'com.app.proc', { invoke: 'roundrobin' });
      const b = session();
      dealer.register(b, register(2, 'com.app.proc', { invoke: 'random' }));
      expect(only(b, MessageType.ERROR).error).to.equal(WampErrorUri.procedureExistsWithDifferentInvocationPolicy);
    });

    it('fails a session registering the same shared procedure twice with procedure_already_exists', () => {
      const a = session();
      registerOk(dealer, a, 'com.app.proc', { invoke: 'roundrobin' });
      dealer.register(a, register(2, 'com.app.proc', { invoke: 'roundrobin' }));
      expect(only(a, MessageType.ERROR).error).to.equal(WampErrorUri.procedureAlreadyExists);
    });

    it('gives every callee of a shared registration the same registration id', () => {
      const id = registerOk(dealer, session(), 'com.app.proc', { invoke: 'first' });
      expect(registerOk(dealer, session(), 'com.app.proc', { invoke: 'first' })).to.equal(id);
      expect(dealer.stats.registrations).to.equal(1);
    });

    it('answers invalid match/invoke options with wamp.error.invalid_argument', () => {
      const a = session();
      dealer.register(a, register(3, 'com.app.proc', { match: 'regex' }));
      dealer.register(a, register(4, 'com.app.proc', { invoke: 'broadcast' }));
      expect(a.take().map((m) => m.type === MessageType.ERROR && [m.request, m.error])).to.deep.equal([
        [3, WampErrorUri.invalidArgument], [4, WampErrorUri.invalidArgument],
      ]);
      expect(dealer.stats.registrations).to.equal(0);
    });
  });

  describe('unregistration', () => {
    it('answers UNREGISTER with UNREGISTERED, after which calls fail with no_such_procedure', () => {
      const callee = session();
      const id = registerOk(dealer, callee, 'com.app.proc');
      dealer.unregister(callee, unregister(5, id));
      expect(only(callee, MessageType.UNREGISTERED).request).to.equal(5);
      const caller = session();
      dealer.call(caller, call(1, 'com.app.proc'), ALLOW);
      expect(only(caller, MessageType.ERROR).error).to.equal(WampErrorUri.noSuchProcedure);
      expect(dealer.stats.registrations).to.equal(0);
    });

    it('answers an unknown registration, or one of another session, with no_such_registration', () => {
      const id = registerOk(dealer, session(), 'com.app.proc');
      const other = session();
      dealer.unregister(other, unregister(1, id));
      dealer.unregister(other, unregister(2, 999));
      expect(other.take().map((m) => m.type === MessageType.ERROR && [m.requestType, m.error])).to.deep.equal([
        [MessageType.UNREGISTER, WampErrorUri.noSuchRegistration], [MessageType.UNREGISTER, WampErrorUri.noSuchRegistration],
      ]);
    });

    it('keeps a shared registration for the remaining callees', () => {
      const a = session();
      const b = session();
      const id = registerOk(dealer, a, 'com.app.proc', { invoke: 'roundrobin' });
      registerOk(dealer, b, 'com.app.proc', { invoke: 'roundrobin' });
      dealer.unregister(a, unregister(2, id));
      expect(dealer.lookup('com.app.proc')?.callees).to.deep.equal([b.id]);
    });
  });

  describe('invocation policies (spec: advanced/rpc_shared_registration.md)', () => {
    function servedBy(policy: string, count: number, calls: number, random?: () => number): number[] {
      dealer = makeDealer(random ? { random } : {});
      const callees = Array.from({ length: count }, () => session());
      for (const callee of callees) registerOk(dealer, callee, 'com.app.proc', { invoke: policy });
      const caller = session();
      const served: number[] = [];
      for (let i = 1; i <= calls; i += 1) {
        dealer.call(caller, call(i, 'com.app.proc'), ALLOW);
        const index = callees.findIndex((c) => c.sent.length > 0);
        served.push(index);
        const callee = callees[index];
        if (!callee) throw new Error('no callee invoked');
        dealer.yield(callee, yieldMsg(only(callee, MessageType.INVOCATION).request));
      }
      return served;
    }

    it('roundrobin alternates over the callees in registration order', () => {
      expect(servedBy('roundrobin', 2, 5)).to.deep.equal([0, 1, 0, 1, 0]);
    });
    it('first always invokes the first callee, last the last one', () => {
      expect(servedBy('first', 3, 3)).to.deep.equal([0, 0, 0]);
      expect(servedBy('last', 3, 3)).to.deep.equal([2, 2, 2]);
    });
    it('random picks the callee the random source points at', () => {
      const draws = [0.9, 0.1, 0.5];
      expect(servedBy('random', 3, 3, () => draws.shift() ?? 0)).to.deep.equal([2, 0, 1]);
    });
  });

  describe('calls', () => {
    it('routes CALL to INVOCATION and YIELD to RESULT, keeping the payload', () => {
      const callee = session();
      const registration = registerOk(dealer, callee, 'com.app.add');
      const caller = session();
      dealer.call(caller, call(11, 'com.app.add', {}, [2, 3], { round: true }), ALLOW);
      const invocation = only(callee, MessageType.INVOCATION);
      expect(invocation).to.deep.include({ request: 1, registration, details: {}, args: [2, 3], kwargs: { round: true } });
      expect(dealer.stats.pendingCalls).to.equal(1);
      dealer.yield(callee, yieldMsg(invocation.request, {}, [5]));
      expect(only(caller, MessageType.RESULT)).to.deep.equal({ type: MessageType.RESULT, request: 11, details: {}, args: [5] });
      expect(dealer.stats.pendingCalls).to.equal(0);
    });

    it('numbers INVOCATIONs sequentially per callee session (spec: basic INVOCATION "session scope")', () => {
      const a = session();
      const b = session();
      registerOk(dealer, a, 'com.app.a');
      registerOk(dealer, b, 'com.app.b');
      const caller = session();
      dealer.call(caller, call(1, 'com.app.a'), ALLOW);
      dealer.call(caller, call(2, 'com.app.a'), ALLOW);
      dealer.call(caller, call(3, 'com.app.b'), ALLOW);
      expect(a.take().map((m) => m.type === MessageType.INVOCATION && m.request)).to.deep.equal([1, 2]);
      expect(only(b, MessageType.INVOCATION).request).to.equal(1);
    });

    it('forwards a callee ERROR to the caller with the same URI and payload', () => {
      const callee = session();
      registerOk(dealer, callee, 'com.app.proc');
      const caller = session();
      dealer.call(caller, call(4, 'com.app.proc'), ALLOW);
      dealer.error(callee, invocationError(only(callee, MessageType.INVOCATION).request, 'com.app.error.write_protected', ['no'], { severity: 3 }));
      expect(only(caller, MessageType.ERROR)).to.deep.equal({
        type: MessageType.ERROR, requestType: MessageType.CALL, request: 4, details: {},
        error: 'com.app.error.write_protected', args: ['no'], kwargs: { severity: 3 },
      });
    });

    it('answers a CALL without callee with no_such_procedure and a readable message', () => {
      const caller = session();
      dealer.call(caller, call(9, 'com.app.missing'), ALLOW);
      const error = only(caller, MessageType.ERROR);
      expect([error.requestType, error.request, error.error]).to.deep.equal([MessageType.CALL, 9, WampErrorUri.noSuchProcedure]);
      expect(error.args).to.deep.equal(['no callee registered for procedure "com.app.missing"']);
    });

    it('answers a negative, fractional or non-number timeout with invalid_argument (spec: advanced/rpc_call_timeout.md)', () => {
      registerOk(dealer, session(), 'com.app.proc');
      const caller = session();
      for (const timeout of [-1, 1.5, '100']) dealer.call(caller, call(1, 'com.app.proc', { timeout }), ALLOW);
      expect(caller.take().map((m) => m.type === MessageType.ERROR && m.error)).to.deep.equal(Array(3).fill(WampErrorUri.invalidArgument));
      expect(dealer.stats.pendingCalls).to.equal(0);
    });
  });

  describe('pattern-based registrations (spec: advanced/rpc_pattern_based_registration.md)', () => {
    it('routes to exact, then longest prefix, then wildcard, with Details.procedure for patterns', () => {
      const exact = session();
      const prefix = session();
      const longer = session();
      const wildcard = session();
      registerOk(dealer, exact, 'a1.b2.c3.d4.e55');
      registerOk(dealer, prefix, 'a1.b2.c3', { match: 'prefix' });
      registerOk(dealer, longer, 'a1.b2.c3.d4', { match: 'prefix' });
      registerOk(dealer, wildcard, 'a1.b2..d4.e5', { match: 'wildcard' });
      const caller = session();
      dealer.call(caller, call(1, 'a1.b2.c3.d4.e55'), ALLOW);
      dealer.call(caller, call(2, 'a1.b2.c3.d98.e74'), ALLOW);
      dealer.call(caller, call(3, 'a1.b2.c3.d4.e325'), ALLOW);
      dealer.call(caller, call(4, 'a1.b2.c55.d4.e5'), ALLOW);
      expect(only(exact, MessageType.INVOCATION).details).to.deep.equal({});
      expect(only(prefix, MessageType.INVOCATION).details).to.deep.equal({ procedure: 'a1.b2.c3.d98.e74' });
      expect(only(longer, MessageType.INVOCATION).details).to.deep.equal({ procedure: 'a1.b2.c3.d4.e325' });
      expect(only(wildcard, MessageType.INVOCATION).details).to.deep.equal({ procedure: 'a1.b2.c55.d4.e5' });
      expect(dealer.match('a1.b2.c55.d4.e5')?.uri).to.equal('a1.b2..d4.e5');
    });
  });

  describe('progressive call results (spec: advanced/rpc_progressive_call_results.md)', () => {
    it('forwards receive_progress to a callee that announced the feature and relays progressive YIELDs', () => {
      const callee = session(['progressive_call_results', 'call_canceling']);
      registerOk(dealer, callee, 'com.app.stream');
      const caller = session();
      dealer.call(caller, call(3, 'com.app.stream', { receive_progress: true }), ALLOW);
      const invocation = only(callee, MessageType.INVOCATION);
      expect(invocation.details).to.deep.equal({ receive_progress: true });
      dealer.yield(callee, yieldMsg(invocation.request, { progress: true }, ['part 1']));
      dealer.yield(callee, yieldMsg(invocation.request, { progress: true }));
      dealer.yield(callee, yieldMsg(invocation.request, {}, ['total']));
      expect(caller.take()).to.deep.equal([
        { type: MessageType.RESULT, request: 3, details: { progress: true }, args: ['part 1'] },
        { type: MessageType.RESULT, request: 3, details: { progress: true } },
        { type: MessageType.RESULT, request: 3, details: {}, args: ['total'] },
      ]);
      expect(dealer.stats.pendingCalls).to.equal(0);
    });

    it('does not forward receive_progress to a callee without the feature', () => {
      const callee = session();
      registerOk(dealer, callee, 'com.app.stream');
      dealer.call(session(), call(1, 'com.app.stream', { receive_progress: true }), ALLOW);
      expect(only(callee, MessageType.INVOCATION).details).to.deep.equal({});
    });

    it('drops a progressive YIELD when the caller did not ask for progress, keeping the call open', () => {
      const callee = session(['progressive_call_results']);
      registerOk(dealer, callee, 'com.app.stream');
      const caller = session();
      dealer.call(caller, call(1, 'com.app.stream'), ALLOW);
      const { request } = only(callee, MessageType.INVOCATION);
      dealer.yield(callee, yieldMsg(request, { progress: true }, ['part']));
      expect(caller.sent).to.deep.equal([]);
      dealer.yield(callee, yieldMsg(request, {}, ['done']));
      expect(only(caller, MessageType.RESULT).args).to.deep.equal(['done']);
    });
  });

  describe('caller identification (spec: advanced/rpc_caller_identification.md)', () => {
    const disclosed = (caller: { id: number; authid: string; authrole: string }): Record<string, unknown> =>
      ({ caller: caller.id, caller_authid: caller.authid, caller_authrole: caller.authrole });

    it('discloses the caller on disclose_me, on authorization disclose, and on REGISTER disclose_caller only', () => {
      const plain = session();
      const asking = session();
      registerOk(dealer, plain, 'com.app.plain');
      registerOk(dealer, asking, 'com.app.asking', { disclose_caller: true });
      const caller = session([], { authid: 'alice', authrole: 'frontend' });
      dealer.call(caller, call(1, 'com.app.plain', { disclose_me: true }), ALLOW);
      dealer.call(caller, call(2, 'com.app.plain'), ALLOW_DISCLOSE);
      dealer.call(caller, call(3, 'com.app.plain'), ALLOW);
      dealer.call(caller, call(4, 'com.app.asking'), ALLOW);
      expect(plain.take().map((m) => m.type === MessageType.INVOCATION && m.details)).to.deep.equal([
        disclosed(caller), disclosed(caller), {},
      ]);
      expect(only(asking, MessageType.INVOCATION).details).to.deep.equal(disclosed(caller));
    });
  });
});
