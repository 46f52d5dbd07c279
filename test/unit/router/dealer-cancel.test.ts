import { expect } from 'chai';
import { ProtocolViolationError } from '../../../shared/errors.ts';
import { WampErrorUri } from '../../../shared/wamp/uris.ts';
import type { Dealer } from '../../../router/dealer/dealer.ts';
import { ManualTimers } from '../../helpers/manual-timers.ts';
import type { RecordingSession } from '../../helpers/recording-session.ts';
import {
  ALLOW, MessageType, call, cancel, invocationError, makeDealer, only, registerOk, session, yieldMsg,
} from './dealer-fixture.ts';

describe('Dealer: cancel, timeout and sessions leaving', () => {
  let dealer: Dealer;
  let caller: RecordingSession;
  let timers: ManualTimers;
  beforeEach(() => {
    timers = new ManualTimers();
    dealer = makeDealer({ timers });
    caller = session();
  });
  afterEach(() => { dealer.close(); });

  /** Register `procedure` on a new callee with `features`, call it, and return the callee and invocation id. */
  function start(features: readonly string[], options: Record<string, unknown> = {}): [RecordingSession, number] {
    const callee = session(features);
    registerOk(dealer, callee, 'com.app.slow');
    dealer.call(caller, call(21, 'com.app.slow', options), ALLOW);
    return [callee, only(callee, MessageType.INVOCATION).request];
  }

  describe('CANCEL (spec: advanced/rpc_call_canceling.md)', () => {
    it('skip: ERROR canceled to the caller at once, no INTERRUPT, the late YIELD discarded', () => {
      const [callee, invocation] = start(['call_canceling']);
      dealer.cancel(caller, cancel(21, { mode: 'skip' }));
      const error = only(caller, MessageType.ERROR);
      expect([error.requestType, error.request, error.error]).to.deep.equal([MessageType.CALL, 21, WampErrorUri.canceled]);
      expect(callee.sent).to.deep.equal([]);
      dealer.yield(callee, yieldMsg(invocation, {}, ['late']));
      expect(caller.sent).to.deep.equal([]);
      expect(dealer.stats.pendingCalls).to.equal(0);
    });

    it('kill: INTERRUPT kill to the callee; the caller gets what the callee answers (ERROR)', () => {
      const [callee, invocation] = start(['call_canceling']);
      dealer.cancel(caller, cancel(21, { mode: 'kill' }));
      expect(only(callee, MessageType.INTERRUPT)).to.deep.equal({ type: MessageType.INTERRUPT, request: invocation, options: { mode: 'kill' } });
      expect(caller.sent).to.deep.equal([]);
      dealer.error(callee, invocationError(invocation, WampErrorUri.canceled, ['interrupted']));
      expect(only(caller, MessageType.ERROR)).to.deep.include({ request: 21, error: WampErrorUri.canceled, args: ['interrupted'] });
    });

    it('kill: a callee that finishes first answers the caller with RESULT', () => {
      const [callee, invocation] = start(['call_canceling']);
      dealer.cancel(caller, cancel(21, { mode: 'kill' }));
      callee.take();
      dealer.yield(callee, yieldMsg(invocation, {}, ['done anyway']));
      expect(only(caller, MessageType.RESULT).args).to.deep.equal(['done anyway']);
    });

    it('killnowait (the default mode): ERROR canceled at once and INTERRUPT killnowait; the late ERROR discarded', () => {
      const [callee, invocation] = start(['call_canceling']);
      dealer.cancel(caller, cancel(21));
      expect(only(caller, MessageType.ERROR).error).to.equal(WampErrorUri.canceled);
      expect(only(callee, MessageType.INTERRUPT).options).to.deep.equal({ mode: 'killnowait' });
      dealer.error(callee, invocationError(invocation, WampErrorUri.canceled));
      expect(caller.sent).to.deep.equal([]);
    });

    it('falls back to skip for a callee that did not announce call_canceling', () => {
      const [callee] = start([]);
      dealer.cancel(caller, cancel(21, { mode: 'kill' }));
      expect(only(caller, MessageType.ERROR).error).to.equal(WampErrorUri.canceled);
      expect(callee.sent).to.deep.equal([]);
    });

    it('accepts the call_cancelling spelling of the feature', () => {
      const [callee] = start(['call_cancelling']);
      dealer.cancel(caller, cancel(21, { mode: 'killnowait' }));
      expect(only(callee, MessageType.INTERRUPT).options).to.deep.equal({ mode: 'killnowait' });
    });

    it('answers an invalid mode with ERROR invalid_argument and keeps the call running', () => {
      start(['call_canceling']);
      dealer.cancel(caller, cancel(21, { mode: 'nuke' }));
      const error = only(caller, MessageType.ERROR);
      expect([error.requestType, error.request, error.error]).to.deep.equal([MessageType.CANCEL, 21, WampErrorUri.invalidArgument]);
      expect(dealer.stats.pendingCalls).to.equal(1);
    });

    it('ignores CANCEL for an unknown or finished call', () => {
      const [callee, invocation] = start(['call_canceling']);
      dealer.yield(callee, yieldMsg(invocation));
      caller.take();
      dealer.cancel(caller, cancel(21));
      dealer.cancel(caller, cancel(99));
      expect([caller.sent, callee.sent]).to.deep.equal([[], []]);
    });
  });

  describe('call timeout (spec: advanced/rpc_call_timeout.md, milliseconds)', () => {
    it('fails the call with wamp.error.timeout and INTERRUPTs a canceling callee with killnowait', () => {
      const [callee, invocation] = start(['call_canceling'], { timeout: 30 });
      timers.advance(29);
      expect([caller.sent, callee.sent], 'nothing before the timeout').to.deep.equal([[], []]);
      timers.advance(1);
      const error = only(caller, MessageType.ERROR);
      expect([error.request, error.error]).to.deep.equal([21, WampErrorUri.timeout]);
      expect(only(callee, MessageType.INTERRUPT)).to.deep.include({ request: invocation, options: { mode: 'killnowait' } });
      dealer.yield(callee, yieldMsg(invocation, {}, ['late']));
      expect(caller.sent).to.deep.equal([]);
    });

    it('only drops the invocation (skip) for a callee without call_canceling', () => {
      const [callee] = start([], { timeout: 30 });
      timers.advance(30);
      expect(only(caller, MessageType.ERROR).error).to.equal(WampErrorUri.timeout);
      expect(callee.sent).to.deep.equal([]);
      expect(dealer.stats.pendingCalls).to.equal(0);
    });

    it('restarts the timeout on each progressive YIELD (spec: advanced/rpc_progressive_call_results.md "Timeouts")', () => {
      const [callee, invocation] = start(['progressive_call_results', 'call_canceling'], { timeout: 150, receive_progress: true });
      timers.advance(100);
      dealer.yield(callee, yieldMsg(invocation, { progress: true }));
      timers.advance(149);
      expect(caller.take().map((m) => m.type), 'the progress, no timeout 249 ms after the CALL').to.deep.equal([MessageType.RESULT]);
      timers.advance(1);
      expect(only(caller, MessageType.ERROR).error, '150 ms after the last progress').to.equal(WampErrorUri.timeout);
    });

    it('restarts the timeout on a progressive YIELD it drops because the caller did not ask for progress', () => {
      const [callee, invocation] = start(['progressive_call_results'], { timeout: 50 });
      timers.advance(40);
      dealer.yield(callee, yieldMsg(invocation, { progress: true }));
      timers.advance(40);
      dealer.yield(callee, yieldMsg(invocation, {}, ['done']));
      expect(only(caller, MessageType.RESULT).args).to.deep.equal(['done']);
      expect(timers.pending).to.equal(0);
    });

    it('treats timeout 0 as no timeout and clears timers on completion and on close()', () => {
      const [callee, invocation] = start([], { timeout: 0 });
      expect(timers.pending, 'timeout 0 arms nothing').to.equal(0);
      dealer.call(caller, call(22, 'com.app.slow', { timeout: 30 }), ALLOW);
      expect(timers.pending).to.equal(1);
      dealer.yield(callee, yieldMsg(invocation));
      dealer.call(caller, call(23, 'com.app.slow', { timeout: 30 }), ALLOW);
      expect(timers.pending).to.equal(2);
      dealer.close();
      expect(timers.pending).to.equal(0);
      timers.advance(60);
      expect(only(caller, MessageType.RESULT).request).to.equal(21);
      expect(dealer.stats.pendingCalls).to.equal(0);
    });

    it('stops the timer of a call that ends by RESULT, ERROR or CANCEL', () => {
      const [callee, first] = start(['call_canceling'], { timeout: 30 });
      dealer.yield(callee, yieldMsg(first));
      dealer.call(caller, call(22, 'com.app.slow', { timeout: 30 }), ALLOW);
      dealer.error(callee, invocationError(only(callee, MessageType.INVOCATION).request, 'com.app.failed'));
      dealer.call(caller, call(23, 'com.app.slow', { timeout: 30 }), ALLOW);
      dealer.cancel(caller, cancel(23, { mode: 'skip' }));
      expect(timers.pending).to.equal(0);
      timers.advance(60);
      expect(caller.take().map((m) => m.type)).to.deep.equal([MessageType.RESULT, MessageType.ERROR, MessageType.ERROR]);
    });
  });

  describe('protocol violations', () => {
    it('throws ProtocolViolationError for YIELD or ERROR to an invocation never issued to the session', () => {
      const [callee, invocation] = start([]);
      expect(() => { dealer.yield(callee, yieldMsg(invocation + 1)); }).to.throw(ProtocolViolationError, /never issued/);
      expect(() => { dealer.error(session(), invocationError(1, 'com.app.err')); }).to.throw(ProtocolViolationError);
    });

    it('throws ProtocolViolationError for an ERROR that does not answer an INVOCATION', () => {
      const [callee, invocation] = start([]);
      const error = { ...invocationError(invocation, 'com.app.err'), requestType: MessageType.CALL };
      expect(() => { dealer.error(callee, error); }).to.throw(ProtocolViolationError);
    });

    it('throws ProtocolViolationError for a CALL reusing a request id still in flight', () => {
      start([]);
      expect(() => { dealer.call(caller, call(21, 'com.app.slow'), ALLOW); }).to.throw(ProtocolViolationError, /in flight/);
    });
  });

  describe('sessions leaving', () => {
    it('fails the calls a leaving callee was serving with wamp.error.canceled (spec: basic "Callee Leaving")', () => {
      const a = session();
      const b = session();
      registerOk(dealer, a, 'com.app.shared', { invoke: 'first' });
      registerOk(dealer, b, 'com.app.shared', { invoke: 'first' });
      dealer.call(caller, call(1, 'com.app.shared'), ALLOW);
      dealer.leave(a);
      const error = only(caller, MessageType.ERROR);
      expect([error.request, error.error]).to.deep.equal([1, WampErrorUri.canceled]);
      expect(error.args?.[0]).to.match(/callee left/);
      dealer.call(caller, call(2, 'com.app.shared'), ALLOW);
      expect(only(b, MessageType.INVOCATION).request).to.equal(1);
      dealer.leave(b);
      expect([dealer.registrations(), caller.take().length]).to.deep.equal([[], 1]);
    });

    it('INTERRUPTs (killnowait) calls a leaving caller made, only for callees that support canceling (spec: basic "Caller Leaving")', () => {
      const [canceling, invocation] = start(['call_canceling']);
      const plain = session();
      registerOk(dealer, plain, 'com.app.plain');
      dealer.call(caller, call(30, 'com.app.plain'), ALLOW);
      plain.take();
      dealer.leave(caller);
      expect(only(canceling, MessageType.INTERRUPT)).to.deep.include({ request: invocation, options: { mode: 'killnowait' } });
      expect(plain.sent).to.deep.equal([]);
      dealer.yield(canceling, yieldMsg(invocation));
      expect([caller.sent, dealer.stats.pendingCalls]).to.deep.equal([[], 0]);
    });
  });
});
