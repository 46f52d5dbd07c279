/**
 * Typed message → raw array (the inverse of codec.decode; re-exported by codec.ts).
 * Layouts: spec basic/messages.md. Trailing payload rule: ArgumentsKw present → Arguments emitted
 * (as [] when absent); neither → no trailing elements.
 */
import { MessageType } from './message-type.ts';
import { assertNever } from './messages.ts';
import type { WampMessage } from './messages.ts';

/** Append the trailing payload: kwargs present → args emitted (as [] if absent); none → nothing. */
function withPayload(out: unknown[], msg: { readonly args?: unknown; readonly kwargs?: unknown }): unknown[] {
  if (msg.kwargs !== undefined) out.push(msg.args ?? [], msg.kwargs);
  else if (msg.args !== undefined) out.push(msg.args);
  return out;
}

/** Build the raw array for a typed message (the inverse of decode). spec: basic/messages.md */
export function encode(message: WampMessage): unknown[] {
  switch (message.type) {
    case MessageType.HELLO: return [message.type, message.realm, message.details];
    case MessageType.WELCOME: return [message.type, message.session, message.details];
    case MessageType.ABORT: return withPayload([message.type, message.details, message.reason], message);
    case MessageType.CHALLENGE: return [message.type, message.authMethod, message.extra];
    case MessageType.AUTHENTICATE: return [message.type, message.signature, message.extra];
    case MessageType.GOODBYE: return [message.type, message.details, message.reason];
    case MessageType.ERROR:
      return withPayload(
        [message.type, message.requestType, message.request, message.details, message.error], message,
      );
    case MessageType.PUBLISH:
      return withPayload([message.type, message.request, message.options, message.topic], message);
    case MessageType.PUBLISHED: return [message.type, message.request, message.publication];
    case MessageType.SUBSCRIBE: return [message.type, message.request, message.options, message.topic];
    case MessageType.SUBSCRIBED: return [message.type, message.request, message.subscription];
    case MessageType.UNSUBSCRIBE: return [message.type, message.request, message.subscription];
    case MessageType.UNSUBSCRIBED: return [message.type, message.request];
    case MessageType.EVENT:
      return withPayload([message.type, message.subscription, message.publication, message.details], message);
    case MessageType.CALL:
      return withPayload([message.type, message.request, message.options, message.procedure], message);
    case MessageType.CANCEL: return [message.type, message.request, message.options];
    case MessageType.RESULT: return withPayload([message.type, message.request, message.details], message);
    case MessageType.REGISTER: return [message.type, message.request, message.options, message.procedure];
    case MessageType.REGISTERED: return [message.type, message.request, message.registration];
    case MessageType.UNREGISTER: return [message.type, message.request, message.registration];
    case MessageType.UNREGISTERED: return [message.type, message.request];
    case MessageType.INVOCATION:
      return withPayload([message.type, message.request, message.registration, message.details], message);
    case MessageType.INTERRUPT: return [message.type, message.request, message.options];
    case MessageType.YIELD: return withPayload([message.type, message.request, message.options], message);
    default: return assertNever(message);
  }
}
