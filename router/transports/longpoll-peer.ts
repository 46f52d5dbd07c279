/**
 * One WAMP-over-long-poll transport as a Peer (spec: advanced/transport_http_longpoll.md): the
 * outgoing queue that `receive` requests drain, the held `receive` request, and the transport's
 * idle clock. The HTTP routing (open, ids, CORS, bodies) is in longpoll.ts.
 *
 * Lifecycle: open → (the router closes the session: ABORT/GOODBYE stay queued for the next
 * receive; later sends are discarded with 204) → gone. A transport is gone, and its id unknown
 * (404), after the client's `close`, after `sessionTimeout` without any request (a held receive
 * counts as activity), when its queue exceeds `queueLimitBytes`, or when the service stops.
 *
 * The send path of the stream peers (send-path.ts) does not apply: what is unsent is this queue, not
 * a stream's buffer, so there is nothing to cork (a receive takes the whole queue, or one message,
 * as the protocol says) and no reading to pause (each send is its own HTTP request, and holding
 * those would hold requests, not bound memory). The one bound that carries over, closing above a
 * byte limit, is checked before a message is queued, with `queueLimitBytes`.
 */
import type { ServerResponse } from 'node:http';
import type { LongPollOptions } from '../../shared/config/types.ts';
import type { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { encodeMessage } from '../../shared/serializers/encode-memo.ts';
import { decode } from '../../shared/wamp/codec.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import { sendText, type HeaderMap } from './http-reply.ts';
import { frameMessage, splitBody, type LongPollProtocol } from './longpoll-codec.ts';
import { BasePeer, type CloseInfo, type TransportDetails } from './peer.ts';
import { decodeError, emitSafely, type PeerInput } from './peer-events.ts';
import { LazyLogger } from './lazy-logger.ts';

/** How long a transport whose session ended stays known (for its final messages and `close`) when sessionTimeout is 0. */
const CLOSED_LINGER_MS = 30_000;

export interface LongPollPeerOptions {
  /** The transport id from `open`. */
  readonly id: string;
  readonly protocol: LongPollProtocol;
  readonly details: TransportDetails;
  readonly options: Pick<LongPollOptions, 'requestTimeout' | 'sessionTimeout' | 'queueLimitBytes'>;
  /** The peer's logger, or its parent when `logBindings` is given. */
  readonly logger: Logger;
  /** Bindings of the peer's child logger, made from `logger` on first use (lazy-logger.ts). */
  readonly logBindings?: Readonly<Record<string, unknown>>;
  /** Called once when the transport is gone and its id must be forgotten. */
  readonly onGone: (peer: LongPollPeer) => void;
}

interface Poll {
  readonly res: ServerResponse;
  readonly headers: HeaderMap;
  timer: NodeJS.Timeout | undefined;
}

export class LongPollPeer extends BasePeer {
  readonly id: string;
  readonly #protocol: LongPollProtocol;
  readonly #options: LongPollPeerOptions['options'];
  readonly #log: LazyLogger;
  readonly #onGone: (peer: LongPollPeer) => void;
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  #poll: Poll | undefined;
  #lastActive = Date.now();
  #idleTimer: NodeJS.Timeout | undefined;
  #gone = false;

  constructor(options: LongPollPeerOptions) {
    super(options.details);
    this.id = options.id;
    this.#protocol = options.protocol;
    this.#options = options.options;
    this.#log = new LazyLogger(options.logger, options.logBindings);
    this.#onGone = options.onGone;
    this.#armIdleTimer(this.#idleLimit());
  }

  /** Bytes of framed messages waiting for a receive. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** POST <id>/send. Returns the error when the body is not valid for the protocol (the router then aborts the session). */
  deliver(body: Uint8Array): AppError | undefined {
    this.#touch();
    if (this.closed) return undefined; // the session is over: a late GOODBYE reply or the like is discarded
    let messages: WampMessage[];
    try {
      const serializer = this.#protocol.serializer;
      messages = splitBody(this.#protocol, body).map((part) => decode(serializer.decode(part)));
    } catch (err) {
      const error = decodeError(err);
      this.#emitSafely({ error });
      return error;
    }
    for (const message of messages) {
      if (this.closed) break;
      this.#emitSafely({ message });
    }
    return undefined;
  }

  /** A send the service refused before decoding (oversized): the session ends, as a WebSocket closes with 1009. */
  fail(error: AppError): void {
    this.#touch();
    if (!this.closed) this.#emitSafely({ error });
  }

  /**
   * POST <id>/receive: answered at once when messages are queued (one, or all when batched),
   * else held until one arrives or requestTimeout passes (then 204, no content). A second
   * receive replaces a held one, which is answered 204: the newest request is the one the client
   * is still waiting on (an old one may be stuck in a proxy).
   */
  poll(res: ServerResponse, headers: HeaderMap): void {
    this.#touch();
    if (this.#poll) this.#endPoll(this.#poll, 204);
    if (this.#queue.length > 0) {
      this.#respond(res, headers);
      return;
    }
    if (this.closed) {
      sendText(res, 410, 'This long-poll transport is closed: its WAMP session has ended.\n', { ...headers, 'cache-control': 'no-store' });
      return;
    }
    const poll: Poll = { res, headers, timer: undefined };
    if (this.#options.requestTimeout > 0) {
      poll.timer = setTimeout(() => {
        if (this.#poll === poll) this.#endPoll(poll, 204);
      }, this.#options.requestTimeout);
    }
    res.once('close', () => {
      if (this.#poll !== poll) return;
      clearTimeout(poll.timer);
      this.#poll = undefined;
      this.#touch();
    });
    this.#poll = poll;
  }

  /** POST <id>/close: the transport and (without GOODBYE) its session end now. */
  closeByClient(): void {
    this.#end({ reason: 'transport closed by the client' }, 204);
  }

  /** The service stops: a held receive gets what is still queued, else 503. */
  terminate(): void {
    this.#end({ code: 1001, reason: 'going away' }, 503);
  }

  protected transmit(message: WampMessage): void {
    let framed: Buffer;
    try {
      framed = frameMessage(this.#protocol, encodeMessage(this.#protocol.serializer, message));
    } catch (err) {
      this.#log.get().error({ err, messageType: message.type }, 'cannot serialize outgoing message');
      this.#end({ reason: 'internal error' }, 204);
      return;
    }
    if (this.#queuedBytes + framed.byteLength > this.#options.queueLimitBytes) {
      // Bounded memory beats delivering everything to a client that stopped polling.
      this.#log.get().warn({ queued: this.#queuedBytes, limit: this.#options.queueLimitBytes }, 'long-poll queue limit exceeded; closing');
      this.#end({ reason: 'receive queue limit exceeded' }, 204);
      return;
    }
    this.#queue.push(framed);
    this.#queuedBytes += framed.byteLength;
    const poll = this.#poll;
    if (poll) {
      this.#poll = undefined;
      clearTimeout(poll.timer);
      this.#respond(poll.res, poll.headers);
    }
  }

  /** The router ended the session: queued messages (its ABORT or GOODBYE) stay for the next receive. */
  protected shutdown(_info: CloseInfo): void {
    // nothing to tear down: the transport lingers until the client's close or the idle timeout
  }

  protected override markClosed(info: CloseInfo): void {
    super.markClosed(info);
    if (!this.#gone && this.#idleTimer === undefined) this.#armIdleTimer(this.#idleLimit());
  }

  #respond(res: ServerResponse, headers: HeaderMap): void {
    if (res.destroyed || res.writableEnded) return; // the client is gone; the messages stay queued
    const parts = this.#protocol.batched ? this.#queue.splice(0) : this.#queue.splice(0, 1);
    const body = parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
    this.#queuedBytes -= body.byteLength;
    res.writeHead(200, {
      ...headers,
      'content-type': this.#protocol.contentType,
      'content-length': String(body.byteLength),
      'cache-control': 'no-store',
    });
    res.end(body);
  }

  #endPoll(poll: Poll, status: 204 | 503): void {
    clearTimeout(poll.timer);
    if (this.#poll === poll) this.#poll = undefined;
    if (poll.res.destroyed || poll.res.writableEnded) return;
    if (status === 204) {
      poll.res.writeHead(204, { ...poll.headers, 'cache-control': 'no-store' });
      poll.res.end();
    } else {
      sendText(poll.res, status, 'The server is shutting down.\n', { ...poll.headers, 'cache-control': 'no-store' });
    }
  }

  /** Gone for good: answer a held receive, drop the queue, close the session (if still open), forget the id. */
  #end(info: CloseInfo, pollStatus: 204 | 503): void {
    if (this.#gone) return;
    this.#gone = true;
    clearTimeout(this.#idleTimer);
    const poll = this.#poll;
    this.#poll = undefined;
    if (poll) {
      clearTimeout(poll.timer);
      if (this.#queue.length > 0 && pollStatus === 503) this.#respond(poll.res, poll.headers);
      else this.#endPoll(poll, pollStatus);
    }
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    this.markClosed(info);
    this.#onGone(this);
  }

  #touch(): void {
    this.#lastActive = Date.now();
  }

  /** 0 = never: sessionTimeout, or a bounded linger once the session has ended. */
  #idleLimit(): number {
    const timeout = this.#options.sessionTimeout;
    return this.closed && timeout === 0 ? CLOSED_LINGER_MS : timeout;
  }

  #armIdleTimer(delay: number): void {
    if (delay <= 0) return;
    this.#idleTimer = setTimeout(() => { this.#checkIdle(); }, delay);
  }

  #checkIdle(): void {
    this.#idleTimer = undefined;
    const limit = this.#idleLimit();
    if (this.#poll) this.#touch(); // a held receive: the client is there
    const idle = Date.now() - this.#lastActive;
    if (idle < limit) {
      this.#armIdleTimer(limit - idle);
      return;
    }
    if (!this.closed) this.#log.get().info({ idleMs: idle }, 'long-poll transport without requests for sessionTimeout; closing');
    this.#end({ reason: 'session timeout' }, 204);
  }

  /** Listener failures are router bugs: log them and drop this transport, never throw into the HTTP handler. */
  #emitSafely(event: PeerInput): void {
    emitSafely(this, this.#log, event, (reason) => { this.#end({ reason }, 204); });
  }
}
