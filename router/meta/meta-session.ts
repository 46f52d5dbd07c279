/**
 * The router's own session in a realm that serves the meta procedures and publishes the meta events
 * (spec: advanced/meta_api_sessions.md "Session meta procedures MUST be registered by the Router").
 * It goes through the dealer and broker like any client, so calls from clients are authorized by
 * the realm first. It is never joined to the realm: no meta procedure lists it.
 *
 * Its `send` receives what the dealer sends a callee: REGISTERED, then INVOCATIONs, answered with
 * YIELD / ERROR (synchronously when the procedure is). The caller is known because every meta
 * procedure is registered with disclose_caller (spec: advanced/rpc_caller_identification.md).
 */
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { Args, Dict, ErrorMessage, Invocation, WampMessage, Yield } from '../../shared/wamp/messages.ts';
import { SequentialIds } from '../../shared/wamp/ids.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { Logger } from '../../shared/logger.ts';
import { RouterOwnSession, TRUSTED } from '../session/own-session.ts';
import type { SessionHandle } from '../types.ts';
import { WampCallError } from '../dealer/wamp-call-error.ts';
import type { MetaRealm } from './realm-view.ts';
import type { MetaProcedure, MetaTopic } from './uris.ts';


/** One call of a meta procedure. */
export interface MetaCall {
  /** The calling client session; undefined for the router's own service session (Router.call). */
  readonly caller: SessionHandle | undefined;
  readonly args: Args;
  readonly kwargs: Dict;
}

/**
 * Returns the single positional result (undefined: a RESULT without arguments), or a promise of it.
 * Throws (or rejects with) WampCallError to answer with that error URI.
 */
export type MetaHandler = (call: MetaCall) => unknown;

export class MetaSession extends RouterOwnSession {
  readonly #owner: MetaRealm;
  readonly #log: Logger;
  readonly #requests = new SequentialIds();
  /** registration id → handler */
  readonly #handlers = new Map<number, MetaHandler>();
  #registering: MetaHandler | undefined;

  constructor(owner: MetaRealm, logger: Logger) {
    super(owner.name, ['callee', 'publisher']);
    this.#owner = owner;
    this.#log = logger.child({ component: 'meta', realm: owner.name });
  }


  register(procedure: MetaProcedure, handler: MetaHandler): void {
    this.#registering = handler;
    this.#owner.dealer.register(this, { type: MessageType.REGISTER, request: this.#requests.next(), options: { disclose_caller: true }, procedure });
    this.#registering = undefined;
  }

  /** Publish a meta event as the router (subscribers were authorized when they subscribed). */
  publish(topic: MetaTopic, args: Args): void {
    this.#owner.broker.publish(this, { type: MessageType.PUBLISH, request: this.#requests.next(), options: {}, topic, args }, TRUSTED);
  }

  send(message: WampMessage): void {
    switch (message.type) {
      case MessageType.REGISTERED:
        if (this.#registering) this.#handlers.set(message.registration, this.#registering);
        return;
      case MessageType.INVOCATION:
        this.#invoke(message);
        return;
      default:
        this.#log.warn({ type: message.type }, 'unexpected message to the meta session dropped');
    }
  }

  #invoke(invocation: Invocation): void {
    const handler = this.#handlers.get(invocation.registration);
    const callerId = invocation.details['caller'];
    const caller = typeof callerId === 'number' ? this.#owner.session(callerId) : undefined;
    let result: unknown;
    try {
      if (!handler) throw new Error(`no meta procedure for registration ${invocation.registration}`);
      result = handler({ caller, args: invocation.args ?? [], kwargs: invocation.kwargs ?? {} });
    } catch (error) {
      this.#fail(invocation.request, error);
      return;
    }
    if (result instanceof Promise) {
      // An answer after the call ended (caller gone, timeout) is discarded by the dealer.
      result.then((value: unknown) => { this.#yield(invocation.request, value); }, (error: unknown) => { this.#fail(invocation.request, error); });
    } else {
      this.#yield(invocation.request, result);
    }
  }

  #yield(request: number, value: unknown): void {
    this.#answer({ type: MessageType.YIELD, request, options: {}, ...(value === undefined ? {} : { args: [value] }) });
  }

  #fail(request: number, error: unknown): void {
    let answer: WampCallError;
    if (error instanceof WampCallError) {
      answer = error;
    } else {
      this.#log.error({ err: error }, 'meta procedure failed');
      answer = new WampCallError(WampErrorUri.runtimeError, ['internal router error']);
    }
    this.#answer({
      type: MessageType.ERROR, requestType: MessageType.INVOCATION, request, details: {}, error: answer.error, args: answer.args,
      ...(Object.keys(answer.kwargs).length > 0 ? { kwargs: answer.kwargs } : {}),
    });
  }

  #answer(message: Yield | ErrorMessage): void {
    try {
      if (message.type === MessageType.YIELD) this.#owner.dealer.yield(this, message);
      else this.#owner.dealer.error(this, message);
    } catch (error) {
      this.#log.error({ err: error }, 'meta procedure answer rejected by the dealer');
    }
  }
}
