/**
 * What to do with an outgoing message that, serialized, exceeds the maximum length the RawSocket
 * client announced in its handshake. spec: advanced/transport_rawsocket.md "Serialization": the
 * message "can not be sent ... Handling situations like the latter is left to the implementation"
 * (suggested: drop an EVENT). We keep every request answered:
 * - EVENT: dropped (the spec's first suggestion); the subscriber stays connected.
 * - RESULT: the caller gets ERROR wamp.error.payload_size_exceeded for its CALL instead.
 * - ERROR: sent again without its payload, as wamp.error.payload_size_exceeded.
 * - INVOCATION: the callee cannot receive it, so the peer answers it itself with ERROR
 *   wamp.error.payload_size_exceeded, which the dealer forwards to the caller.
 * - anything else (WELCOME, CHALLENGE, ...: only possible with absurdly small limits): close.
 */
import { MessageType, MessageTypeName } from '../../shared/wamp/message-type.ts';
import type { ErrorMessage, WampMessage } from '../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';

export type OversizeAction =
  | { readonly action: 'drop' }
  /** Send this (small) message instead. */
  | { readonly action: 'send'; readonly message: WampMessage }
  /** Deliver this message to the router as if the client had sent it. */
  | { readonly action: 'answer'; readonly message: ErrorMessage }
  | { readonly action: 'close' };

export function oversizeReplacement(message: WampMessage, size: number, limit: number): OversizeAction {
  const text = `the ${MessageTypeName[message.type] ?? 'message'} of ${size} octets exceeds the client's RawSocket limit of ${limit} octets`;
  const error = (requestType: number, request: number): ErrorMessage => ({
    type: MessageType.ERROR, requestType, request, details: {}, error: WampErrorUri.payloadSizeExceeded, args: [text],
  });
  switch (message.type) {
    case MessageType.EVENT:
      return { action: 'drop' };
    case MessageType.RESULT:
      return { action: 'send', message: error(MessageType.CALL, message.request) };
    case MessageType.ERROR:
      // Never loop: a replacement that is still too big (an absurd URI) closes instead.
      if (message.error === WampErrorUri.payloadSizeExceeded) return { action: 'close' };
      return { action: 'send', message: error(message.requestType, message.request) };
    case MessageType.INVOCATION:
      return { action: 'answer', message: error(MessageType.INVOCATION, message.request) };
    default:
      return { action: 'close' };
  }
}

