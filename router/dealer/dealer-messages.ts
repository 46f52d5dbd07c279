/** Small builders for the messages the dealer sends, so dealer.ts reads as routing logic only. */
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { Args, ErrorMessage, Interrupt, KwArgs } from '../../shared/wamp/messages.ts';
import type { CancelMode } from './dealer-options.ts';

export interface PayloadFields {
  args?: Args;
  kwargs?: KwArgs;
}

/** Copy `args`/`kwargs` as they are present (a missing payload stays missing on the wire). */
export function payloadOf(source: { readonly args?: Args; readonly kwargs?: KwArgs }): PayloadFields {
  const payload: PayloadFields = {};
  if (source.args !== undefined) payload.args = source.args;
  if (source.kwargs !== undefined) payload.kwargs = source.kwargs;
  return payload;
}

/**
 * An ERROR raised by the dealer itself, with a human-readable first argument
 * (as Crossbar.io does; docs/crossbar-compat.md).
 */
export function dealerError(requestType: number, request: number, error: string, text: string): ErrorMessage {
  return { type: MessageType.ERROR, requestType, request, details: {}, error, args: [text] };
}

/** spec: advanced/rpc_call_canceling.md: [INTERRUPT, INVOCATION.Request|id, Options|dict] */
export function interruptMessage(invocationId: number, mode: Exclude<CancelMode, 'skip'>): Interrupt {
  return { type: MessageType.INTERRUPT, request: invocationId, options: { mode } };
}
