/**
 * The send side of a stream peer, one copy for websocket-peer.ts and rawsocket-peer.ts
 * (docs/router.md "Send path"):
 *
 * - Frames written in one turn of the event loop leave in one write: the stream is corked at the
 *   turn's first frame and uncorked once the turn is over (process.nextTick, see `send`).
 * - Unsent bytes (written, not yet handed to the OS) are bounded: above `sendHighWaterMark` the peer
 *   stops reading from its remote side, at `sendLowWaterMark` it reads again, and above
 *   `sendBufferLimit` the connection is closed, because events published by other clients cannot be
 *   paused and bounded memory beats delivering everything to a consumer that stopped reading.
 * - `close()` flushes at once, leaves nothing to do later, and resumes reading so that the closing
 *   handshake can still be read.
 *
 * A transport subclasses it with its stream's write, length, cork, pause and overflow close.
 * Long-poll has no stream to cork or pause; longpoll-peer.ts says what it does instead.
 */
import type { LazyLogger } from './lazy-logger.ts';

export type OutgoingFrame = string | Uint8Array;

/** The water marks, in bytes not yet handed to the OS; a transport's resolved tuning object fits. */
export interface SendMarks {
  /** Pause reading once more than this many bytes are unsent. */
  readonly sendHighWaterMark: number;
  /** Resume reading once unsent bytes drop to this. */
  readonly sendLowWaterMark: number;
  /** Close the connection above this many unsent bytes. */
  readonly sendBufferLimit: number;
}

export abstract class SendPath {
  readonly #marks: SendMarks;
  readonly #log: LazyLogger;
  readonly #corks: boolean;
  #readPaused = false;
  #closed = false;
  /** The stream is corked, and the flush at the end of this turn is due. */
  #flushDue = false;

  /**
   * @param marks shared by every connection of a listener (not copied)
   * @param corks false: the stream cannot be corked, and every frame is its own write
   */
  constructor(marks: SendMarks, log: LazyLogger, corks = true) {
    this.#marks = marks;
    this.#log = log;
    this.#corks = corks;
  }

  /** Whether reading is paused because the remote side is not consuming what we send. */
  get readPaused(): boolean {
    return this.#readPaused;
  }

  /** Write one frame; frames leave in the order they were sent. May close the connection (`overflow`). */
  send(frame: OutgoingFrame): void {
    if (this.#corks && !this.#flushDue && !this.#closed) {
      this.cork();
      this.#flushDue = true;
      // process.nextTick, not setImmediate: measured side by side, the two tied on calls/s and
      // events/s, and nextTick cost the router less CPU per call in most figures (docs/router.md "Send path").
      process.nextTick(this.#uncork);
    }
    this.write(frame, this.#afterWrite);
    this.#checkBackpressure();
  }

  /** The connection is closed: flush what is corked now, read again, leave nothing to do later. */
  close(): void {
    this.#closed = true;
    this.#uncork(); // the tick already queued then finds nothing to do
    if (this.#readPaused) {
      this.#readPaused = false;
      this.resume();
    }
  }

  /** Queue `frame` on the stream; call `written` once it has been handed to the OS. */
  protected abstract write(frame: OutgoingFrame, written: () => void): void;
  /** Bytes written and not yet handed to the OS, corked ones included. */
  protected abstract buffered(): number;
  protected abstract cork(): void;
  protected abstract uncork(): void;
  /** Stop reading from the remote side. */
  protected abstract pause(): void;
  /** Read from the remote side again. */
  protected abstract resume(): void;
  /** Close the connection: its unsent bytes went over `sendBufferLimit`. */
  protected abstract overflow(): void;

  readonly #uncork = (): void => {
    if (!this.#flushDue) return;
    this.#flushDue = false;
    this.uncork();
  };

  readonly #afterWrite = (): void => {
    if (this.#readPaused && this.buffered() <= this.#marks.sendLowWaterMark) {
      this.#readPaused = false;
      this.resume();
      this.#log.get().debug({ buffered: this.buffered() }, 'send buffer drained; reading resumed');
    }
  };

  #checkBackpressure(): void {
    if (this.#closed) return;
    const buffered = this.buffered();
    if (buffered > this.#marks.sendBufferLimit) {
      this.#log.get().warn({ buffered, limit: this.#marks.sendBufferLimit }, 'send buffer overflow; closing');
      this.overflow();
    } else if (buffered > this.#marks.sendHighWaterMark && !this.#readPaused) {
      this.#readPaused = true;
      this.pause();
      this.#log.get().debug({ buffered }, 'send buffer above high-water mark; reading paused');
    }
  }
}
