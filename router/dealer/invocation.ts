/**
 * In-flight calls: one `PendingCall` per CALL that reached a callee, indexed both by the caller's
 * CALL.Request and by the INVOCATION.Request the dealer issued to the callee.
 *
 * INVOCATION.Request is a sequential ID in the callee's session scope, incremented by the dealer
 * (spec: basic/remote_procedure_call.md "INVOCATION"); the table keeps one counter per
 * callee session and remembers the last ID issued, so an answer to an ID never issued is told
 * apart from a late answer to a finished (timed out, cancelled) invocation.
 */
import type { TimerHandle, Timers } from '../../shared/timers.ts';
import { SequentialIds } from '../../shared/wamp/ids.ts';
import type { Registration } from './registration.ts';
import type { SessionHandle } from '../types.ts';

/** spec: advanced/rpc_call_canceling.md feature name; the progressive-invocations text spells it call_cancelling. */
export function supportsCanceling(callee: SessionHandle): boolean {
  return callee.hasFeature('callee', 'call_canceling') || callee.hasFeature('callee', 'call_cancelling');
}

export interface PendingCallInit {
  readonly caller: SessionHandle;
  readonly callRequest: number;
  readonly callee: SessionHandle;
  readonly invocationId: number;
  readonly registration: Registration;
  readonly procedure: string;
  /** The caller asked for progressive results (CALL.Options.receive_progress). */
  readonly receiveProgress: boolean;
  /** Dealer-side timeout in ms; 0 = none. */
  readonly timeoutMs: number;
  /** The clock the timeout runs on (DealerOptions.timers). */
  readonly timers: Timers;
}

export class PendingCall {
  readonly caller: SessionHandle;
  readonly callRequest: number;
  readonly callee: SessionHandle;
  readonly invocationId: number;
  readonly registration: Registration;
  readonly procedure: string;
  readonly receiveProgress: boolean;
  readonly timeoutMs: number;
  /** An INTERRUPT was sent already (CANCEL mode 'kill' waits for the callee's answer). */
  interrupted = false;
  readonly #timers: Timers;
  #timer: TimerHandle | undefined;

  constructor(init: PendingCallInit) {
    this.caller = init.caller;
    this.callRequest = init.callRequest;
    this.callee = init.callee;
    this.invocationId = init.invocationId;
    this.registration = init.registration;
    this.procedure = init.procedure;
    this.receiveProgress = init.receiveProgress;
    this.timeoutMs = init.timeoutMs;
    this.#timers = init.timers;
  }

  /** (Re)start the timeout timer, if this call has a timeout. */
  armTimer(onTimeout: (call: PendingCall) => void): void {
    this.clearTimer();
    if (this.timeoutMs > 0) this.#timer = this.#timers.setTimeout(() => { onTimeout(this); }, this.timeoutMs);
  }

  clearTimer(): void {
    if (this.#timer) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

interface CalleeIds {
  readonly ids: SequentialIds;
  last: number;
}

export class InvocationTable {
  /** caller session id → CALL.Request → call */
  readonly #byCaller = new Map<number, Map<number, PendingCall>>();
  /** callee session id → INVOCATION.Request → call */
  readonly #byCallee = new Map<number, Map<number, PendingCall>>();
  readonly #calleeIds = new Map<number, CalleeIds>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Issue the next INVOCATION.Request for `callee`. */
  nextInvocationId(callee: SessionHandle): number {
    let state = this.#calleeIds.get(callee.id);
    if (!state) {
      state = { ids: new SequentialIds(), last: 0 };
      this.#calleeIds.set(callee.id, state);
    }
    state.last = state.ids.next();
    return state.last;
  }

  /** Whether `invocationId` was ever issued to `callee` (IDs are sequential, so: not above the last one). */
  wasIssued(callee: SessionHandle, invocationId: number): boolean {
    const last = this.#calleeIds.get(callee.id)?.last ?? 0;
    return invocationId >= 1 && invocationId <= last;
  }

  add(call: PendingCall): void {
    inner(this.#byCaller, call.caller.id).set(call.callRequest, call);
    inner(this.#byCallee, call.callee.id).set(call.invocationId, call);
    this.#size += 1;
  }

  byCaller(caller: SessionHandle, callRequest: number): PendingCall | undefined {
    return this.#byCaller.get(caller.id)?.get(callRequest);
  }

  byCallee(callee: SessionHandle, invocationId: number): PendingCall | undefined {
    return this.#byCallee.get(callee.id)?.get(invocationId);
  }

  /** Forget a call (finished, cancelled or timed out) and stop its timer. Idempotent. */
  remove(call: PendingCall): void {
    call.clearTimer();
    const removed = removeInner(this.#byCaller, call.caller.id, call.callRequest, call);
    removeInner(this.#byCallee, call.callee.id, call.invocationId, call);
    if (removed) this.#size -= 1;
  }

  /** Calls `session` made, still in flight. */
  madeBy(session: SessionHandle): PendingCall[] {
    return [...(this.#byCaller.get(session.id)?.values() ?? [])];
  }

  /** Calls `session` is serving as callee. */
  servedBy(session: SessionHandle): PendingCall[] {
    return [...(this.#byCallee.get(session.id)?.values() ?? [])];
  }

  /** Drop the per-session ID counter once the session is gone. */
  forgetSession(session: SessionHandle): void {
    this.#calleeIds.delete(session.id);
  }

  /** Stop every timer and forget everything. */
  clear(): void {
    for (const calls of this.#byCaller.values()) for (const call of calls.values()) call.clearTimer();
    this.#byCaller.clear();
    this.#byCallee.clear();
    this.#calleeIds.clear();
    this.#size = 0;
  }
}

function inner(outer: Map<number, Map<number, PendingCall>>, key: number): Map<number, PendingCall> {
  let map = outer.get(key);
  if (!map) {
    map = new Map();
    outer.set(key, map);
  }
  return map;
}

function removeInner(outer: Map<number, Map<number, PendingCall>>, key: number, id: number, call: PendingCall): boolean {
  const map = outer.get(key);
  if (map?.get(id) !== call) return false;
  map.delete(id);
  if (map.size === 0) outer.delete(key);
  return true;
}
