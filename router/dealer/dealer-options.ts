/**
 * Parsing of the dealer's request options (REGISTER, CALL, CANCEL). A bad value is an ordinary
 * request failure (ERROR wamp.error.invalid_argument with `reason` as first argument), not a
 * protocol violation. Options the spec does not define are ignored, as is Crossbar's
 * REGISTER.Options.concurrency (not implemented).
 */
import type { Dict } from '../../shared/wamp/messages.ts';
import { isMatchPolicy, type MatchPolicy } from '../matching.ts';
import { isInvokePolicy, type InvokePolicy } from './registration.ts';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface RegisterOptions {
  readonly match: MatchPolicy;
  readonly invoke: InvokePolicy;
  readonly discloseCaller: boolean;
}

export interface CallOptions {
  /** ms; 0 = no timeout */
  readonly timeoutMs: number;
  readonly receiveProgress: boolean;
  readonly discloseMe: boolean;
}

export type CancelMode = 'skip' | 'kill' | 'killnowait';

/** Largest delay setTimeout honours (2^31 - 1 ms, about 24.8 days); longer timeouts are capped to it. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail<T>(reason: string): Parsed<T> {
  return { ok: false, reason };
}

function flag(options: Dict, key: string): Parsed<boolean> {
  const value = options[key];
  if (value === undefined) return ok(false);
  return typeof value === 'boolean' ? ok(value) : fail(`option "${key}" must be a boolean`);
}

export function parseRegisterOptions(options: Dict): Parsed<RegisterOptions> {
  // spec: advanced/rpc_pattern_based_registration.md (match), rpc_shared_registration.md (invoke, default single)
  const match = options['match'] ?? 'exact';
  if (!isMatchPolicy(match)) return fail(`invalid match policy ${JSON.stringify(match)}`);
  const invoke = options['invoke'] ?? 'single';
  if (!isInvokePolicy(invoke)) return fail(`invalid invocation policy ${JSON.stringify(invoke)}`);
  const disclose = flag(options, 'disclose_caller');
  if (!disclose.ok) return disclose;
  return ok({ match, invoke, discloseCaller: disclose.value });
}

export function parseCallOptions(options: Dict): Parsed<CallOptions> {
  // spec: advanced/rpc_call_timeout.md: CALL.Options.timeout|integer in milliseconds; 0 or absent = none
  const timeout = options['timeout'] ?? 0;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0) {
    return fail(`option "timeout" must be a non-negative integer (milliseconds), got ${JSON.stringify(timeout)}`);
  }
  const receiveProgress = flag(options, 'receive_progress');
  if (!receiveProgress.ok) return receiveProgress;
  const discloseMe = flag(options, 'disclose_me');
  if (!discloseMe.ok) return discloseMe;
  return ok({
    timeoutMs: Math.min(timeout, MAX_TIMEOUT_MS),
    receiveProgress: receiveProgress.value,
    discloseMe: discloseMe.value,
  });
}

export function parseCancelMode(options: Dict): Parsed<CancelMode> {
  // spec: advanced/rpc_call_canceling.md: mode skip | kill | killnowait; we default to killnowait
  const mode = options['mode'] ?? 'killnowait';
  if (mode === 'skip' || mode === 'kill' || mode === 'killnowait') return ok(mode);
  return fail(`invalid cancel mode ${JSON.stringify(mode)}`);
}
