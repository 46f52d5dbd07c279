/**
 * The router's own trusted service session in one realm: it calls procedures for router
 * components (dynamic authenticator, dynamic authorizer) through the dealer, bypassing
 * authorization. It is never joined to the realm, so clients never see it as a session.
 */
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { SequentialIds } from '../../shared/wamp/ids.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Dealer } from '../dealer/dealer.ts';
import { RouterOwnSession, TRUSTED } from './own-session.ts';
import type { CallResult } from '../types.ts';
import { WampCallError } from '../dealer/wamp-call-error.ts';

/**
 * Every internal call (dynamic authenticator/authorizer) is bounded, so a callee that never answers
 * cannot stall a session's ordered inbox: the dealer answers wamp.error.timeout (spec: advanced/rpc_call_timeout.md).
 */
export const INTERNAL_CALL_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(result: CallResult): void;
  reject(error: WampCallError): void;
}

export class InternalSession extends RouterOwnSession {
  readonly #dealer: Dealer;
  readonly #log: Logger;
  readonly #requests = new SequentialIds();
  readonly #pending = new Map<number, Pending>();

  constructor(realm: string, dealer: Dealer, logger: Logger) {
    super(realm, ['caller']);
    this.#dealer = dealer;
    this.#log = logger.child({ component: 'internal-session', realm });
  }

  call(procedure: string, args: readonly unknown[], kwargs?: Readonly<Record<string, unknown>>): Promise<CallResult> {
    const request = this.#requests.next();
    const { promise, resolve, reject } = Promise.withResolvers<CallResult>();
    this.#pending.set(request, { resolve, reject });
    try {
      this.#dealer.call(this, { type: MessageType.CALL, request, options: { timeout: INTERNAL_CALL_TIMEOUT_MS }, procedure, args, ...(kwargs ? { kwargs } : {}) }, TRUSTED);
    } catch (error) {
      this.#pending.delete(request);
      reject(new WampCallError(WampErrorUri.runtimeError, [error instanceof Error ? error.message : String(error)]));
    }
    return promise;
  }

  /** The dealer's answers to our calls. */
  send(message: WampMessage): void {
    if (message.type !== MessageType.RESULT && message.type !== MessageType.ERROR) {
      this.#log.warn({ type: message.type }, 'unexpected message to the internal session dropped');
      return;
    }
    if (message.type === MessageType.RESULT && message.details['progress'] === true) return;
    const pending = this.#pending.get(message.request);
    if (!pending) return;
    this.#pending.delete(message.request);
    if (message.type === MessageType.RESULT) pending.resolve({ args: message.args ?? [], kwargs: message.kwargs ?? {} });
    else pending.reject(new WampCallError(message.error, message.args, message.kwargs));
  }

  /** Router shutdown: fail what is still waiting. */
  close(): void {
    for (const pending of this.#pending.values()) {
      pending.reject(new WampCallError(WampErrorUri.canceled, ['the router is shutting down']));
    }
    this.#pending.clear();
  }
}
