/**
 * The seam between WampTestClient and a transport: typed WAMP messages out, typed messages in,
 * in order, and a close. One implementation per transport lives next to this file.
 */
import type { WampMessage } from '../../../shared/wamp/messages.ts';

export interface ConnectionListener {
  /** One message from the router, in arrival order. */
  message(message: WampMessage): void;
  /** The connection is gone (called once); `reason` says why, e.g. 'websocket closed 1000'. */
  closed(reason: string): void;
}

export interface ClientConnection {
  /** e.g. 'websocket/msgpack', for messages and test titles. */
  readonly name: string;
  /** Encode and send; ignored once closed. The router receives messages in `send` order. */
  send(message: WampMessage): void;
  /** Start delivering; what arrived before is buffered and delivered first. */
  listen(listener: ConnectionListener): void;
  /** Close the connection and resolve once it is gone. Idempotent. */
  close(): Promise<void>;
}

/** Buffers messages until a listener is set and reports the close exactly once, after every message. */
export class Inbox {
  readonly #buffer: WampMessage[] = [];
  #listener: ConnectionListener | undefined;
  #closedReason: string | undefined;

  get isClosed(): boolean {
    return this.#closedReason !== undefined;
  }

  deliver(message: WampMessage): void {
    if (this.#closedReason !== undefined) return;
    if (this.#listener) this.#listener.message(message);
    else this.#buffer.push(message);
  }

  end(reason: string): void {
    if (this.#closedReason !== undefined) return;
    this.#closedReason = reason;
    this.#listener?.closed(reason);
  }

  listen(listener: ConnectionListener): void {
    if (this.#listener) throw new Error('a connection has one listener');
    this.#listener = listener;
    for (const message of this.#buffer.splice(0)) listener.message(message);
    if (this.#closedReason !== undefined) listener.closed(this.#closedReason);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
