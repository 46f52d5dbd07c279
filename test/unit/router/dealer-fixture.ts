/** Message builders and assertions shared by the dealer unit tests. */
import { expect } from 'chai';
import { Dealer, type DealerOptions } from '../../../router/dealer/dealer.ts';
import type { Authorization } from '../../../router/authz/authorizer.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { SequentialIds } from '../../../shared/wamp/ids.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import type {
  Args, Call, Cancel, Dict, ErrorMessage, KwArgs, Register, Unregister, WampMessage, Yield,
} from '../../../shared/wamp/messages.ts';
import { RecordingSession, type RecordingSessionOptions } from '../../helpers/recording-session.ts';

export const ALLOW: Authorization = { allow: true, disclose: false };
export const ALLOW_DISCLOSE: Authorization = { allow: true, disclose: true };

/** A dealer for realm1; `random` and `timers` as in DealerOptions (real ones when absent). */
export function makeDealer(options: Pick<DealerOptions, 'random' | 'timers'> = {}): Dealer {
  return new Dealer({ realm: 'realm1', logger: silentLogger(), ids: new SequentialIds(), ...options });
}

let nextSessionId = 1000;
/** A session with a fresh id; `callee` features given as a list. */
export function session(calleeFeatures: readonly string[] = [], options: Partial<RecordingSessionOptions> = {}): RecordingSession {
  nextSessionId += 1;
  return new RecordingSession({ id: nextSessionId, roles: { caller: [], callee: calleeFeatures }, ...options });
}

export function register(request: number, procedure: string, options: Dict = {}): Register {
  return { type: MessageType.REGISTER, request, options, procedure };
}
export function unregister(request: number, registration: number): Unregister {
  return { type: MessageType.UNREGISTER, request, registration };
}
export function call(request: number, procedure: string, options: Dict = {}, args?: Args, kwargs?: KwArgs): Call {
  return { type: MessageType.CALL, request, options, procedure, ...(args ? { args } : {}), ...(kwargs ? { kwargs } : {}) };
}
export function yieldMsg(request: number, options: Dict = {}, args?: Args): Yield {
  return { type: MessageType.YIELD, request, options, ...(args ? { args } : {}) };
}
export function invocationError(request: number, error: string, args?: Args, kwargs?: KwArgs): ErrorMessage {
  return {
    type: MessageType.ERROR, requestType: MessageType.INVOCATION, request, details: {}, error,
    ...(args ? { args } : {}), ...(kwargs ? { kwargs } : {}),
  };
}
export function cancel(request: number, options: Dict = {}): Cancel {
  return { type: MessageType.CANCEL, request, options };
}

type MessageOf<T extends WampMessage['type']> = Extract<WampMessage, { type: T }>;

/** Assert the type of a message and narrow it. */
export function as<T extends WampMessage['type']>(message: WampMessage | undefined, type: T): MessageOf<T> {
  expect(message?.type, `message ${JSON.stringify(message)}`).to.equal(type);
  return message as MessageOf<T>;
}

/** Take exactly one message from `session` and narrow it to `type`. */
export function only<T extends WampMessage['type']>(session: RecordingSession, type: T): MessageOf<T> {
  const messages = session.take();
  expect(messages, `messages to session ${session.id}`).to.have.length(1);
  return as(messages[0], type);
}

/** Register `procedure` for `callee` and return the registration id. */
export function registerOk(dealer: Dealer, callee: RecordingSession, procedure: string, options: Dict = {}): number {
  dealer.register(callee, register(1, procedure, options));
  return only(callee, MessageType.REGISTERED).registration;
}

export { MessageType };
