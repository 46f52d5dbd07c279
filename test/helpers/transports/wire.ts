/**
 * The layer every connector of this folder shares: a Wire is one open transport connection that
 * carries WAMP messages as arrays, serialized with shared/serializers and framed the transport's
 * way. The three modes are built on it:
 * - raw (probe*: send any array, frame or bytes, await the next array, see the close) for
 *   byte-level tests;
 * - typed (connect*: a ClientConnection of WampMessage objects, for WampTestClient);
 * - lean (lean.ts: callbacks and no promise per message, for the bench's load generators).
 */
import { decode, encode } from '../../../shared/wamp/codec.ts';
import { Inbox, errorText, type ClientConnection } from './connection.ts';

export interface Wire {
  /** e.g. 'websocket/json', 'rawsocket-unix/cbor', 'longpoll/msgpack.batched'. */
  readonly name: string;
  /**
   * Called with every message from the router, deserialized but not checked as WAMP, in arrival
   * order. Set it before the first message can arrive (messages before that are dropped).
   */
  onArray: (message: unknown[]) => void;
  /** Called once when the connection is gone, after the last onArray, with why. */
  onClose: (reason: string) => void;
  /** Serialize and send one message; ignored once closed. The router receives them in this order. */
  sendArray(message: readonly unknown[]): void;
  readonly isClosed: boolean;
  /** Resolves with the close reason once the connection is gone. */
  readonly closed: Promise<string>;
  /** Close the connection and resolve once it is gone. Idempotent. */
  close(): Promise<void>;
}

/** How long close() waits for an orderly close before it destroys the connection. */
export const CLOSE_WAIT_MS = 2_000;

/** The close reporting every Wire does: `end` once, onClose first, then the promise. */
export class CloseLatch {
  readonly closed: Promise<string>;
  #resolve: (reason: string) => void = () => undefined;
  #reason: string | undefined;

  constructor() {
    this.closed = new Promise((resolve) => { this.#resolve = resolve; });
  }

  get isClosed(): boolean {
    return this.#reason !== undefined;
  }

  /** Returns false when already ended. */
  end(reason: string, onClose: (reason: string) => void): boolean {
    if (this.#reason !== undefined) return false;
    this.#reason = reason;
    onClose(reason);
    this.#resolve(reason);
    return true;
  }
}

/** Typed mode over a wire: WampMessage objects through shared/wamp/codec, buffered until listened to. */
export function wireConnection(wire: Wire): ClientConnection {
  const inbox = new Inbox();
  wire.onArray = (array) => {
    let message;
    try {
      message = decode(array);
    } catch (err) {
      inbox.end(`undecodable message from the router: ${errorText(err)}`);
      void wire.close();
      return;
    }
    inbox.deliver(message);
  };
  wire.onClose = (reason) => { inbox.end(reason); };
  return {
    name: wire.name,
    send(message) {
      if (!inbox.isClosed) wire.sendArray(encode(message));
    },
    listen(listener) {
      inbox.listen(listener);
    },
    close() {
      return wire.close();
    },
  };
}
