/**
 * The protocol model's edge: raw message arrays (what a serializer decodes) ⇄ typed `WampMessage`s.
 * `decode` is the only place in the project that indexes raw arrays; it checks the message code,
 * the length per type and every field's type, and throws ProtocolViolationError otherwise
 * (spec: basic/building_blocks.md "Protocol Errors"). Layouts: spec basic/messages.md, advanced/messages.md.
 * URI syntax is not checked here (it depends on context: strict/loose, match policy); see uri-rules.ts.
 */
import { ProtocolViolationError } from '../errors.ts';
import { MessageType, MessageTypeName } from './message-type.ts';
import type {
  Abort, Call, ErrorMessage, Event, Invocation, Publish, Result, WampMessage, Yield,
} from './messages.ts';
import { checkLength, describe, dictAt, idAt, intAt, payloadAt, stringAt } from './codec-fields.ts';
import type { Raw } from './codec-fields.ts';

export { encode } from './codec-encode.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Request types an ERROR may answer. spec: basic/messages.md "ERROR", building_blocks.md "Protocol Errors" */
const ERROR_REQUEST_TYPES: ReadonlySet<number> = new Set([
  MessageType.SUBSCRIBE, MessageType.UNSUBSCRIBE, MessageType.PUBLISH, MessageType.REGISTER,
  MessageType.UNREGISTER, MessageType.CALL, MessageType.INVOCATION,
]);

/** Turn one decoded raw value into a typed message, or throw ProtocolViolationError. */
export function decode(raw: unknown): WampMessage {
  if (!Array.isArray(raw)) {
    throw new ProtocolViolationError(`invalid message: expected an array, got ${describe(raw)}`);
  }
  const m = raw as Raw;
  if (m.length === 0) throw new ProtocolViolationError('invalid message: empty array');
  const code = m[0];
  switch (code) {
    case MessageType.HELLO:
      checkLength(m, 3, 3, 'HELLO');
      return { type: code, realm: stringAt(m, 1, 'HELLO', 'Realm'), details: dictAt(m, 2, 'HELLO', 'Details') };
    case MessageType.WELCOME:
      checkLength(m, 3, 3, 'WELCOME');
      return { type: code, session: idAt(m, 1, 'WELCOME', 'Session'), details: dictAt(m, 2, 'WELCOME', 'Details') };
    case MessageType.ABORT: {
      checkLength(m, 3, 5, 'ABORT');
      const msg: Mutable<Abort> = {
        type: code, details: dictAt(m, 1, 'ABORT', 'Details'), reason: stringAt(m, 2, 'ABORT', 'Reason'),
      };
      payloadAt(msg, m, 3, 'ABORT');
      return msg;
    }
    case MessageType.CHALLENGE:
      checkLength(m, 3, 3, 'CHALLENGE');
      return {
        type: code, authMethod: stringAt(m, 1, 'CHALLENGE', 'AuthMethod'), extra: dictAt(m, 2, 'CHALLENGE', 'Extra'),
      };
    case MessageType.AUTHENTICATE:
      checkLength(m, 3, 3, 'AUTHENTICATE');
      return {
        type: code,
        signature: stringAt(m, 1, 'AUTHENTICATE', 'Signature'),
        extra: dictAt(m, 2, 'AUTHENTICATE', 'Extra'),
      };
    case MessageType.GOODBYE:
      checkLength(m, 3, 3, 'GOODBYE');
      return { type: code, details: dictAt(m, 1, 'GOODBYE', 'Details'), reason: stringAt(m, 2, 'GOODBYE', 'Reason') };
    case MessageType.ERROR:
      return decodeError(m);
    case MessageType.PUBLISH: {
      checkLength(m, 4, 6, 'PUBLISH');
      const msg: Mutable<Publish> = {
        type: code,
        request: idAt(m, 1, 'PUBLISH', 'Request'),
        options: dictAt(m, 2, 'PUBLISH', 'Options'),
        topic: stringAt(m, 3, 'PUBLISH', 'Topic'),
      };
      payloadAt(msg, m, 4, 'PUBLISH');
      return msg;
    }
    case MessageType.PUBLISHED:
      checkLength(m, 3, 3, 'PUBLISHED');
      return {
        type: code, request: idAt(m, 1, 'PUBLISHED', 'Request'), publication: idAt(m, 2, 'PUBLISHED', 'Publication'),
      };
    case MessageType.SUBSCRIBE:
      checkLength(m, 4, 4, 'SUBSCRIBE');
      return {
        type: code,
        request: idAt(m, 1, 'SUBSCRIBE', 'Request'),
        options: dictAt(m, 2, 'SUBSCRIBE', 'Options'),
        topic: stringAt(m, 3, 'SUBSCRIBE', 'Topic'),
      };
    case MessageType.SUBSCRIBED:
      checkLength(m, 3, 3, 'SUBSCRIBED');
      return {
        type: code, request: idAt(m, 1, 'SUBSCRIBED', 'Request'), subscription: idAt(m, 2, 'SUBSCRIBED', 'Subscription'),
      };
    case MessageType.UNSUBSCRIBE:
      checkLength(m, 3, 3, 'UNSUBSCRIBE');
      return {
        type: code,
        request: idAt(m, 1, 'UNSUBSCRIBE', 'Request'),
        subscription: idAt(m, 2, 'UNSUBSCRIBE', 'Subscription'),
      };
    case MessageType.UNSUBSCRIBED:
      checkLength(m, 2, 2, 'UNSUBSCRIBED');
      return { type: code, request: idAt(m, 1, 'UNSUBSCRIBED', 'Request') };
    case MessageType.EVENT: {
      checkLength(m, 4, 6, 'EVENT');
      const msg: Mutable<Event> = {
        type: code,
        subscription: idAt(m, 1, 'EVENT', 'Subscription'),
        publication: idAt(m, 2, 'EVENT', 'Publication'),
        details: dictAt(m, 3, 'EVENT', 'Details'),
      };
      payloadAt(msg, m, 4, 'EVENT');
      return msg;
    }
    default:
      return decodeRpc(m, code);
  }
}

function decodeError(m: Raw): ErrorMessage {
  checkLength(m, 5, 7, 'ERROR');
  const requestType = intAt(m, 1, 'ERROR', 'REQUEST.Type');
  // spec: basic/building_blocks.md "Protocol Errors": ERROR with invalid REQUEST.Type
  if (!ERROR_REQUEST_TYPES.has(requestType)) {
    throw new ProtocolViolationError(`invalid ERROR.REQUEST.Type ${requestType}`);
  }
  const msg: Mutable<ErrorMessage> = {
    type: MessageType.ERROR,
    requestType,
    request: idAt(m, 2, 'ERROR', 'REQUEST.Request'),
    details: dictAt(m, 3, 'ERROR', 'Details'),
    error: stringAt(m, 4, 'ERROR', 'Error'),
  };
  payloadAt(msg, m, 5, 'ERROR');
  return msg;
}

/** The RPC half of the switch (split only to keep functions short). */
function decodeRpc(m: Raw, code: unknown): WampMessage {
  switch (code) {
    case MessageType.CALL: {
      checkLength(m, 4, 6, 'CALL');
      const msg: Mutable<Call> = {
        type: code,
        request: idAt(m, 1, 'CALL', 'Request'),
        options: dictAt(m, 2, 'CALL', 'Options'),
        procedure: stringAt(m, 3, 'CALL', 'Procedure'),
      };
      payloadAt(msg, m, 4, 'CALL');
      return msg;
    }
    case MessageType.CANCEL:
      checkLength(m, 3, 3, 'CANCEL');
      return { type: code, request: idAt(m, 1, 'CANCEL', 'Request'), options: dictAt(m, 2, 'CANCEL', 'Options') };
    case MessageType.RESULT: {
      checkLength(m, 3, 5, 'RESULT');
      const msg: Mutable<Result> = {
        type: code, request: idAt(m, 1, 'RESULT', 'Request'), details: dictAt(m, 2, 'RESULT', 'Details'),
      };
      payloadAt(msg, m, 3, 'RESULT');
      return msg;
    }
    case MessageType.REGISTER:
      checkLength(m, 4, 4, 'REGISTER');
      return {
        type: code,
        request: idAt(m, 1, 'REGISTER', 'Request'),
        options: dictAt(m, 2, 'REGISTER', 'Options'),
        procedure: stringAt(m, 3, 'REGISTER', 'Procedure'),
      };
    case MessageType.REGISTERED:
      checkLength(m, 3, 3, 'REGISTERED');
      return {
        type: code,
        request: idAt(m, 1, 'REGISTERED', 'Request'),
        registration: idAt(m, 2, 'REGISTERED', 'Registration'),
      };
    case MessageType.UNREGISTER:
      checkLength(m, 3, 3, 'UNREGISTER');
      return {
        type: code,
        request: idAt(m, 1, 'UNREGISTER', 'Request'),
        registration: idAt(m, 2, 'UNREGISTER', 'Registration'),
      };
    case MessageType.UNREGISTERED:
      checkLength(m, 2, 2, 'UNREGISTERED');
      return { type: code, request: idAt(m, 1, 'UNREGISTERED', 'Request') };
    case MessageType.INVOCATION: {
      checkLength(m, 4, 6, 'INVOCATION');
      const msg: Mutable<Invocation> = {
        type: code,
        request: idAt(m, 1, 'INVOCATION', 'Request'),
        registration: idAt(m, 2, 'INVOCATION', 'Registration'),
        details: dictAt(m, 3, 'INVOCATION', 'Details'),
      };
      payloadAt(msg, m, 4, 'INVOCATION');
      return msg;
    }
    case MessageType.INTERRUPT:
      checkLength(m, 3, 3, 'INTERRUPT');
      return {
        type: code, request: idAt(m, 1, 'INTERRUPT', 'Request'), options: dictAt(m, 2, 'INTERRUPT', 'Options'),
      };
    case MessageType.YIELD: {
      checkLength(m, 3, 5, 'YIELD');
      const msg: Mutable<Yield> = {
        type: code, request: idAt(m, 1, 'YIELD', 'Request'), options: dictAt(m, 2, 'YIELD', 'Options'),
      };
      payloadAt(msg, m, 3, 'YIELD');
      return msg;
    }
    default:
      throw unknownType(code);
  }
}

function unknownType(code: unknown): ProtocolViolationError {
  // Includes the implementation-specific range 256-1023: we define no such messages.
  if ((typeof code === 'number' && Number.isInteger(code)) || typeof code === 'bigint') {
    return new ProtocolViolationError(`unknown message type ${code}`);
  }
  return new ProtocolViolationError(`invalid message type: expected an integer, got ${describe(code)}`);
}

/** The message's name for logs ("CALL"), or its number if unknown. */
export function messageName(type: number): string {
  return MessageTypeName[type] ?? String(type);
}
