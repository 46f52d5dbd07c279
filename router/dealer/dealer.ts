/**
 * The dealer: registrations, CALL → INVOCATION, YIELD/ERROR → RESULT/ERROR, CANCEL and call timeouts.
 * The realm has validated URIs and authorized the request before calling in; every method is
 * synchronous. Protocol violations throw `ProtocolViolationError`; ordinary failures are ERROR
 * messages sent to the requesting session.
 */
import type { Logger } from '../../shared/logger.ts';
import { ProtocolViolationError } from '../../shared/errors.ts';
import { realTimers, type Timers } from '../../shared/timers.ts';
import type { RouterScopeIds } from '../../shared/wamp/ids.ts';
import { MessageType, MessageTypeName } from '../../shared/wamp/message-type.ts';
import type { Call, Cancel, ErrorMessage, Register, Unregister, Yield } from '../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { Authorization } from '../authz/authorizer.ts';
import { dealerError, interruptMessage, payloadOf } from './dealer-messages.ts';
import { parseCallOptions, parseCancelMode, parseRegisterOptions } from './dealer-options.ts';
import { InvocationTable, PendingCall, supportsCanceling } from './invocation.ts';
import { UriIndex, type MatchPolicy } from '../matching.ts';
import type { ObservationHooks, RegistrationDetails } from '../meta/hooks.ts';
import { Registration, registrationClash, type RegistrationInfo } from './registration.ts';
import type { SessionHandle } from '../types.ts';

export interface DealerOptions {
  readonly realm: string;
  readonly logger: Logger;
  readonly ids: RouterScopeIds;
  /** Source of randomness for the 'random' invocation policy. @default Math.random */
  readonly random?: () => number;
  /** The clock call timeouts (CALL.Options.timeout) run on. @default realTimers (shared/timers.ts) */
  readonly timers?: Timers;
  /** Told about every callee added to or removed from a registration (the registration meta API). */
  readonly hooks?: ObservationHooks<RegistrationDetails>;
}

function detailsOf(registration: Registration): RegistrationDetails {
  const { id, uri, match, invoke } = registration;
  return { id, created: registration.created.toISOString(), uri, match, invoke };
}

export interface DealerStats {
  readonly registrations: number;
  readonly pendingCalls: number;
}

export class Dealer {
  readonly #log: Logger;
  readonly #ids: RouterScopeIds;
  readonly #random: () => number;
  readonly #timers: Timers;
  readonly #index = new UriIndex<Registration>();
  readonly #byId = new Map<number, Registration>();
  /** session id → registrations it is a callee of */
  readonly #bySession = new Map<number, Set<Registration>>();
  readonly #calls = new InvocationTable();
  readonly #hooks: ObservationHooks<RegistrationDetails> | undefined;

  constructor(options: DealerOptions) {
    this.#log = options.logger.child({ component: 'dealer', realm: options.realm });
    this.#ids = options.ids;
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? realTimers;
    this.#hooks = options.hooks;
  }

  register(session: SessionHandle, msg: Register): void {
    const parsed = parseRegisterOptions(msg.options);
    if (!parsed.ok) {
      session.send(dealerError(MessageType.REGISTER, msg.request, WampErrorUri.invalidArgument, parsed.reason));
      return;
    }
    const { match, invoke, discloseCaller } = parsed.value;
    let registration = this.#index.get(msg.procedure, match);
    const created = !registration;
    if (registration) {
      const clash = registrationClash(registration, session, invoke);
      if (clash) {
        session.send(dealerError(MessageType.REGISTER, msg.request, clash, `procedure "${msg.procedure}" (match ${match}) is already registered with invoke "${registration.invoke}"`));
        return;
      }
    } else {
      registration = new Registration({ id: this.#ids.next(), uri: msg.procedure, match, invoke, random: this.#random });
      this.#index.set(msg.procedure, match, registration);
      this.#byId.set(registration.id, registration);
    }
    registration.add({ session, discloseCaller });
    let mine = this.#bySession.get(session.id);
    if (!mine) this.#bySession.set(session.id, (mine = new Set()));
    mine.add(registration);
    session.send({ type: MessageType.REGISTERED, request: msg.request, registration: registration.id });
    this.#hooks?.added(session, detailsOf(registration), created);
  }

  unregister(session: SessionHandle, msg: Unregister): void {
    const registration = this.#byId.get(msg.registration);
    if (!registration?.has(session)) {
      session.send(dealerError(MessageType.UNREGISTER, msg.request, WampErrorUri.noSuchRegistration, `no registration ${msg.registration} for this session`));
      return;
    }
    session.send({ type: MessageType.UNREGISTERED, request: msg.request });
    this.#detach(session, registration);
  }

  call(session: SessionHandle, msg: Call, authorization: Authorization): void {
    const parsed = parseCallOptions(msg.options);
    if (!parsed.ok) {
      session.send(dealerError(MessageType.CALL, msg.request, WampErrorUri.invalidArgument, parsed.reason));
      return;
    }
    if (this.#calls.byCaller(session, msg.request)) {
      throw new ProtocolViolationError(`CALL request ${msg.request} is already in flight`);
    }
    // spec: advanced/rpc_pattern_based_registration.md "Calls matching multiple registrations"
    const registration = this.#index.best(msg.procedure);
    const entry = registration?.pick();
    if (!registration || !entry) {
      session.send(dealerError(MessageType.CALL, msg.request, WampErrorUri.noSuchProcedure, `no callee registered for procedure "${msg.procedure}"`));
      return;
    }
    const options = parsed.value;
    const callee = entry.session;
    const call = new PendingCall({
      caller: session, callRequest: msg.request, callee, invocationId: this.#calls.nextInvocationId(callee),
      registration, procedure: msg.procedure, receiveProgress: options.receiveProgress, timeoutMs: options.timeoutMs,
      timers: this.#timers,
    });
    const details: Record<string, unknown> = {};
    // spec: advanced/rpc_pattern_based_registration.md "Concrete procedure called"
    if (registration.match !== 'exact') details['procedure'] = msg.procedure;
    // spec: advanced/rpc_progressive_call_results.md: forwarded only if the callee announced the feature
    if (options.receiveProgress && callee.hasFeature('callee', 'progressive_call_results')) details['receive_progress'] = true;
    // spec: advanced/rpc_caller_identification.md (disclose_me, router config, REGISTER.Options.disclose_caller)
    if (options.discloseMe || authorization.disclose || entry.discloseCaller) {
      details['caller'] = session.id;
      details['caller_authid'] = session.authid;
      details['caller_authrole'] = session.authrole;
    }
    this.#calls.add(call);
    call.armTimer(this.#onTimeout);
    callee.send({ type: MessageType.INVOCATION, request: call.invocationId, registration: registration.id, details, ...payloadOf(msg) });
  }

  yield(session: SessionHandle, msg: Yield): void {
    const call = this.#answered(session, msg.request, 'YIELD');
    if (!call) return;
    if (msg.options['progress'] === true) {
      // spec: advanced/rpc_progressive_call_results.md "Timeouts": the timeout runs between results
      call.armTimer(this.#onTimeout);
      if (!call.receiveProgress || call.interrupted) {
        this.#log.debug({ sessionId: session.id, invocation: msg.request }, 'progressive YIELD dropped: caller did not ask for progress');
        return;
      }
      call.caller.send({ type: MessageType.RESULT, request: call.callRequest, details: { progress: true }, ...payloadOf(msg) });
      return;
    }
    this.#calls.remove(call);
    call.caller.send({ type: MessageType.RESULT, request: call.callRequest, details: {}, ...payloadOf(msg) });
  }

  /** ERROR answering an INVOCATION: forwarded to the caller with the same URI and payload. */
  error(session: SessionHandle, msg: ErrorMessage): void {
    if (msg.requestType !== MessageType.INVOCATION) {
      throw new ProtocolViolationError(`ERROR for ${MessageTypeName[msg.requestType] ?? String(msg.requestType)} cannot be sent to a router`);
    }
    const call = this.#answered(session, msg.request, 'ERROR');
    if (!call) return;
    this.#calls.remove(call);
    call.caller.send({ type: MessageType.ERROR, requestType: MessageType.CALL, request: call.callRequest, details: {}, error: msg.error, ...payloadOf(msg) });
  }

  cancel(session: SessionHandle, msg: Cancel): void {
    const mode = parseCancelMode(msg.options);
    if (!mode.ok) {
      session.send(dealerError(MessageType.CANCEL, msg.request, WampErrorUri.invalidArgument, mode.reason));
      return;
    }
    const call = this.#calls.byCaller(session, msg.request);
    if (!call) {
      this.#log.debug({ sessionId: session.id, request: msg.request }, 'CANCEL for no call in flight ignored');
      return;
    }
    // spec: advanced/rpc_call_canceling.md "If the callee does not support call canceling, then behavior is skip"
    const effective = supportsCanceling(call.callee) ? mode.value : 'skip';
    if (effective === 'kill') {
      // The caller's answer is whatever the callee answers (RESULT or ERROR), forwarded as usual.
      this.#interrupt(call, 'kill');
      return;
    }
    this.#calls.remove(call);
    call.caller.send(dealerError(MessageType.CALL, call.callRequest, WampErrorUri.canceled, 'call canceled by the caller'));
    if (effective === 'killnowait') this.#interrupt(call, 'killnowait');
  }

  /** Session left/closed: drop its registrations; fail calls it was serving; cancel calls it made. */
  leave(session: SessionHandle): void {
    for (const registration of [...(this.#bySession.get(session.id) ?? [])]) this.#detach(session, registration);
    for (const call of this.#calls.servedBy(session)) {
      this.#calls.remove(call);
      // spec: basic/remote_procedure_call.md "Callee Leaving During an RPC Invocation"
      if (call.caller.id !== session.id) {
        call.caller.send(dealerError(MessageType.CALL, call.callRequest, WampErrorUri.canceled, 'callee left before the call completed'));
      }
    }
    for (const call of this.#calls.madeBy(session)) {
      this.#calls.remove(call);
      // spec: basic/remote_procedure_call.md "Caller Leaving During an RPC Invocation"
      if (call.callee.id !== session.id && supportsCanceling(call.callee)) this.#interrupt(call, 'killnowait');
    }
    this.#calls.forgetSession(session);
  }

  /** Stop every timer and forget every call in flight. */
  close(): void {
    this.#calls.clear();
  }

  get stats(): DealerStats {
    return { registrations: this.#byId.size, pendingCalls: this.#calls.size };
  }

  registrations(): RegistrationInfo[] {
    return [...this.#byId.values()].map((registration) => registration.info());
  }

  /** A registration and its callees (meta API wamp.registration.get / list_callees). */
  registration(id: number): RegistrationInfo | undefined {
    return this.#byId.get(id)?.info();
  }

  /** The registration with exactly this pattern and policy (meta API wamp.registration.lookup). */
  lookup(procedure: string, match: MatchPolicy = 'exact'): RegistrationInfo | undefined {
    return this.#index.get(procedure, match)?.info();
  }

  /** The registration a CALL to `procedure` would be routed to (meta API wamp.registration.match). */
  match(procedure: string): RegistrationInfo | undefined {
    return this.#index.best(procedure)?.info();
  }

  readonly #onTimeout = (call: PendingCall): void => {
    // spec: advanced/rpc_call_timeout.md "Dealer-Initiated Timeouts": killnowait if the callee can, else skip
    this.#calls.remove(call);
    call.caller.send(dealerError(MessageType.CALL, call.callRequest, WampErrorUri.timeout, `call timed out after ${call.timeoutMs} ms`));
    if (supportsCanceling(call.callee)) this.#interrupt(call, 'killnowait');
  };

  /** Send INTERRUPT once per invocation. */
  #interrupt(call: PendingCall, mode: 'kill' | 'killnowait'): void {
    if (call.interrupted) return;
    call.interrupted = true;
    call.callee.send(interruptMessage(call.invocationId, mode));
  }

  /** The call a YIELD/ERROR answers; undefined for a late answer; throws for an ID never issued. */
  #answered(session: SessionHandle, invocationId: number, what: string): PendingCall | undefined {
    const call = this.#calls.byCallee(session, invocationId);
    if (call) return call;
    if (!this.#calls.wasIssued(session, invocationId)) {
      throw new ProtocolViolationError(`${what} for INVOCATION ${invocationId}, which was never issued to this session`);
    }
    // spec: basic/remote_procedure_call.md: be prepared to discard answers to defunct calls
    this.#log.debug({ sessionId: session.id, invocation: invocationId }, `late ${what} discarded`);
    return undefined;
  }

  /** Remove `session` from `registration`, dropping the registration once it has no callee. */
  #detach(session: SessionHandle, registration: Registration): void {
    if (!registration.remove(session)) return;
    const mine = this.#bySession.get(session.id);
    mine?.delete(registration);
    if (mine?.size === 0) this.#bySession.delete(session.id);
    const deleted = registration.isEmpty;
    if (deleted) {
      this.#index.delete(registration.uri, registration.match);
      this.#byId.delete(registration.id);
    }
    this.#hooks?.removed(session, detailsOf(registration), deleted);
  }
}
