/**
 * The seam between transports and the router. A transport turns bytes into typed `WampMessage`s
 * (serializer + codec) and back, and hands each connection to `router.attach(peer)`.
 * It never sees realms, brokers or dealers.
 */
import { EventEmitter } from 'node:events';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';
import type { AppError } from '../../shared/errors.ts';

export type TransportKind = 'websocket' | 'rawsocket' | 'longpoll' | 'local';

export interface TransportDetails {
  readonly kind: TransportKind;
  readonly serializer: SerializerId | 'none';
  /** e.g. 'tcp4:127.0.0.1:53122', 'unix', 'local' */
  readonly peer: string;
  /** The negotiated WebSocket subprotocol / long-poll protocol, e.g. 'wamp.2.json'. */
  readonly protocol?: string;
}

export interface CloseInfo {
  /** Transport-level code, e.g. a WebSocket close code. */
  readonly code?: number;
  readonly reason?: string;
}

export interface PeerEvents {
  /** One decoded, validated message from the remote side, in arrival order. */
  message: [WampMessage];
  /**
   * The remote side sent something the transport could not turn into a message (bad bytes,
   * bad shape, oversized). The router answers with ABORT and closes the peer.
   */
  error: [AppError];
  /** The connection is gone. Emitted exactly once. */
  close: [CloseInfo];
}

export interface Peer extends EventEmitter<PeerEvents> {
  readonly details: TransportDetails;
  /** Encode and send; a no-op once closed. */
  send(message: WampMessage): void;
  /** Close the connection (after flushing what was sent). Idempotent. */
  close(info?: CloseInfo): void;
  readonly closed: boolean;
}

/** Shared bookkeeping for Peer implementations: exactly-once close, no-op sends after close. */
export abstract class BasePeer extends EventEmitter<PeerEvents> implements Peer {
  #closed = false;
  readonly details: TransportDetails;
  constructor(details: TransportDetails) {
    super();
    this.details = details;
  }
  get closed(): boolean {
    return this.#closed;
  }
  send(message: WampMessage): void {
    if (!this.#closed) this.transmit(message);
  }
  close(info: CloseInfo = {}): void {
    if (this.#closed) return;
    this.shutdown(info);
    this.markClosed(info);
  }
  /** Called by subclasses when the underlying connection ended (either side). */
  protected markClosed(info: CloseInfo): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close', info);
  }
  protected abstract transmit(message: WampMessage): void;
  protected abstract shutdown(info: CloseInfo): void;
}
