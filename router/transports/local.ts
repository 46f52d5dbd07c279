/**
 * An in-process transport: a linked pair of ends with no serialization. The router end is a Peer
 * for `router.attach`; the client end is a small typed object for unit tests and the in-process
 * worker. Messages are delivered asynchronously (queueMicrotask), in order, so a `send` never
 * re-enters the receiver synchronously. Messages are passed by reference: never mutate one after
 * sending it (every WampMessage field is readonly).
 */
import { EventEmitter } from 'node:events';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import type { AppError } from '../../shared/errors.ts';
import { BasePeer, type CloseInfo, type TransportDetails } from './peer.ts';

export interface LocalClientEvents {
  /** A message from the router, in order. */
  message: [WampMessage];
  /** The pair is closed (by either end). Emitted exactly once. */
  close: [CloseInfo];
}

/** The client end of a local pair. */
export interface LocalClient {
  readonly events: EventEmitter<LocalClientEvents>;
  readonly closed: boolean;
  /** Deliver a message to the router end; a no-op once closed. */
  send(message: WampMessage): void;
  /** Close both ends. Idempotent. */
  close(info?: CloseInfo): void;
}

const LOCAL_DETAILS: TransportDetails = Object.freeze({ kind: 'local', serializer: 'none', peer: 'local' });

/** The router end of a local pair. */
export class LocalPeer extends BasePeer {
  #remote: LocalClientEnd | undefined;

  /** @internal wiring done by createLocalPair */
  link(remote: LocalClientEnd): void {
    this.#remote = remote;
  }
  protected transmit(message: WampMessage): void {
    const remote = this.#remote;
    queueMicrotask(() => {
      remote?.receive(message);
    });
  }
  protected shutdown(info: CloseInfo): void {
    const remote = this.#remote;
    queueMicrotask(() => {
      remote?.remoteClosed(info);
    });
  }
  /** @internal a message from the client end */
  receive(message: WampMessage): void {
    if (!this.closed) this.emit('message', message);
  }
  /** @internal the client end closed */
  remoteClosed(info: CloseInfo): void {
    this.markClosed(info);
  }
  /** Report a transport-level failure (as a real transport does for bad bytes); used by tests. */
  fail(error: AppError): void {
    if (!this.closed) this.emit('error', error);
  }
}

class LocalClientEnd implements LocalClient {
  readonly events = new EventEmitter<LocalClientEvents>();
  readonly #peer: LocalPeer;
  #closed = false;

  constructor(peer: LocalPeer) {
    this.#peer = peer;
  }
  get closed(): boolean {
    return this.#closed;
  }
  send(message: WampMessage): void {
    if (this.#closed) return;
    const peer = this.#peer;
    queueMicrotask(() => {
      peer.receive(message);
    });
  }
  close(info: CloseInfo = {}): void {
    if (this.#closed) return;
    this.#markClosed(info);
    const peer = this.#peer;
    queueMicrotask(() => {
      peer.remoteClosed(info);
    });
  }
  receive(message: WampMessage): void {
    if (!this.#closed) this.events.emit('message', message);
  }
  remoteClosed(info: CloseInfo): void {
    this.#markClosed(info);
  }
  #markClosed(info: CloseInfo): void {
    if (this.#closed) return;
    this.#closed = true;
    this.events.emit('close', info);
  }
}

/** A linked in-process pair: give `peer` to `router.attach`, talk WAMP through `client`. */
export function createLocalPair(details: TransportDetails = LOCAL_DETAILS): { readonly peer: LocalPeer; readonly client: LocalClient } {
  const peer = new LocalPeer(details);
  const client = new LocalClientEnd(peer);
  peer.link(client);
  return { peer, client };
}
