/**
 * One WAMP-over-RawSocket connection after its handshake, as a Peer (spec:
 * advanced/transport_rawsocket.md): frames ↔ serializer ↔ codec, PONG for every PING, the
 * negotiated length limits in both directions, and the send path (send-path.ts: corking, backpressure).
 * The listener that accepts connections and runs the handshake is rawsocket.ts.
 */
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../shared/logger.ts';
import { ProtocolViolationError } from '../../shared/errors.ts';
import { decode } from '../../shared/wamp/codec.ts';
import { encodeMessage } from '../../shared/serializers/encode-memo.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import type { Serializer } from '../../shared/serializers/serializer.ts';
import { BasePeer, type CloseInfo, type TransportDetails } from './peer.ts';
import { decodeError, emitSafely, type PeerInput } from './peer-events.ts';
import { FrameDecoder, encodeFrame, type Frame, type FrameError } from './rawsocket-codec.ts';
import { oversizeReplacement } from './rawsocket-oversize.ts';
import { LazyLogger } from './lazy-logger.ts';
import { SendPath, type OutgoingFrame, type SendMarks } from './send-path.ts';

/** Per-connection limits that the config file does not carry. */
export interface RawSocketTuning {
  /** Drop a connection whose 4-octet handshake has not arrived after this long, ms. @default 10_000 */
  readonly handshakeTimeoutMs?: number;
  /** Pause reading from a peer once this many sent bytes are still unflushed. @default 1 MiB */
  readonly sendHighWaterMark?: number;
  /** Resume reading once unflushed sent bytes drop to this. @default 256 KiB */
  readonly sendLowWaterMark?: number;
  /** Close the connection above this many unflushed bytes. @default 64 MiB */
  readonly sendBufferLimit?: number;
  /** Destroy a socket that has not finished closing this long after we ended it, ms. @default 2_000 */
  readonly closeTimeoutMs?: number;
  /**
   * Send a PING this often, ms; 0 = never. @default 0: Twisted RawSocket peers (autobahn-python's
   * Twisted transport, Crossbar 20.12) do not implement PING and drop the connection on one.
   */
  readonly pingIntervalMs?: number;
  /** With pings on: close when the matching PONG is not back within this long, ms. @default 10_000 */
  readonly pingTimeoutMs?: number;
}

export const RAWSOCKET_TUNING_DEFAULTS = {
  handshakeTimeoutMs: 10_000,
  sendHighWaterMark: 1024 * 1024,
  sendLowWaterMark: 256 * 1024,
  sendBufferLimit: 64 * 1024 * 1024,
  closeTimeoutMs: 2_000,
  pingIntervalMs: 0,
  pingTimeoutMs: 10_000,
} as const satisfies Required<RawSocketTuning>;

export type ResolvedRawSocketTuning = Readonly<Required<RawSocketTuning>>;

export interface RawSocketPeerOptions {
  readonly socket: Socket;
  readonly serializer: Serializer;
  readonly details: TransportDetails;
  readonly logger: Logger;
  /** Bindings of this connection's child logger, made on first use (most connections never log). */
  readonly logBindings?: Record<string, unknown>;
  /** The largest frame we accept: the limit we announced in the handshake reply. */
  readonly maxLength: number;
  /** The largest frame the client accepts: the limit it announced in its handshake request. */
  readonly clientMaxLength: number;
  readonly tuning: ResolvedRawSocketTuning;
}

/**
 * The last message frame built, by payload: encode-memo.ts hands every subscriber of a fan-out the
 * same payload, so the frame (header + copy) is built once too. Frames are never modified after.
 */
let lastPayload: string | Uint8Array | undefined;
let lastFrame: Buffer = Buffer.alloc(0);

function messageFrame(payload: string | Uint8Array): Buffer {
  if (payload !== lastPayload) {
    lastFrame = encodeFrame('message', payload);
    lastPayload = payload;
  }
  return lastFrame;
}

export class RawSocketPeer extends BasePeer {
  readonly #socket: Socket;
  readonly #serializer: Serializer;
  readonly #log: LazyLogger;
  readonly #sendPath: RawSocketSendPath;
  readonly #tuning: ResolvedRawSocketTuning;
  readonly #decoder: FrameDecoder;
  readonly #clientMaxLength: number;
  #destroyTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #pongTimer: NodeJS.Timeout | undefined;
  #pingPayload: Buffer | undefined;
  /** Resolves once the socket is fully closed. */
  readonly ended: Promise<void>;

  constructor(options: RawSocketPeerOptions) {
    super(options.details);
    this.#socket = options.socket;
    this.#serializer = options.serializer;
    this.#log = new LazyLogger(options.logger, options.logBindings);
    this.#tuning = options.tuning;
    this.#sendPath = new RawSocketSendPath(this, options.socket, options.tuning, this.#log);
    this.#clientMaxLength = options.clientMaxLength;
    this.#decoder = new FrameDecoder(options.maxLength);
    // Resolved by the one 'close' listener below: no once() wrapper per connection (docs/router-memory.md).
    let ended!: () => void;
    this.ended = new Promise((resolve) => { ended = resolve; });
    this.#socket.on('data', (chunk: Buffer) => { this.#receive(chunk); });
    this.#socket.on('error', (err: Error & { code?: string }) => {
      this.#log.get().debug({ err: { code: err.code, message: err.message } }, 'rawsocket socket error');
    });
    this.#socket.on('close', (hadError) => {
      clearTimeout(this.#destroyTimer);
      ended();
      this.markClosed(hadError ? { reason: 'connection lost' } : {});
    });
    if (this.#tuning.pingIntervalMs > 0) {
      this.#pingTimer = setInterval(() => { this.#ping(); }, this.#tuning.pingIntervalMs);
    }
  }

  /** Whether reading is paused because the remote side is not consuming what we send. */
  get readPaused(): boolean {
    return this.#sendPath.readPaused;
  }

  /** Feed octets that arrived together with the handshake (a client that did not wait for the reply). */
  receive(chunk: Buffer): void {
    this.#receive(chunk);
  }

  protected transmit(message: WampMessage): void {
    let payload: string | Uint8Array;
    try {
      payload = encodeMessage(this.#serializer, message);
    } catch (err) {
      this.#log.get().error({ err, messageType: message.type }, 'cannot serialize outgoing message');
      this.close({ reason: 'internal error' });
      return;
    }
    const size = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
    if (size > this.#clientMaxLength) {
      this.#transmitOversized(message, size);
      return;
    }
    this.#sendPath.send(messageFrame(payload));
  }

  protected shutdown(_info: CloseInfo): void {
    // Flush what was sent (e.g. ABORT or GOODBYE), then FIN; incoming octets are ignored from now on.
    this.#socket.end();
    this.#destroyTimer ??= setTimeout(() => { this.#socket.destroy(); }, this.#tuning.closeTimeoutMs);
  }

  protected override markClosed(info: CloseInfo): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#sendPath.close(); // flushes, and lets the socket finish closing even if backpressure paused us
    super.markClosed(info);
  }

  /**
   * spec: "If the serialized length exceed the maximum requested, the WAMP message can not be sent
   * to the Peer. Handling situations like the latter is left to the implementation."
   */
  #transmitOversized(message: WampMessage, size: number): void {
    const replacement = oversizeReplacement(message, size, this.#clientMaxLength);
    this.#log.get().warn({ messageType: message.type, size, limit: this.#clientMaxLength, action: replacement.action },
      'outgoing message exceeds the limit the client announced');
    switch (replacement.action) {
      case 'drop':
        return;
      case 'send':
        this.transmit(replacement.message);
        return;
      case 'answer': {
        // Later, never re-entrantly: the dealer is still in the middle of sending the INVOCATION.
        const answer = replacement.message;
        queueMicrotask(() => { if (!this.closed) this.#emitSafely({ message: answer }); });
        return;
      }
      case 'close':
        this.close({ reason: 'outgoing message too big for the client' });
    }
  }

  #receive(chunk: Buffer): void {
    if (this.closed) return;
    const { frames, error } = this.#decoder.push(chunk);
    for (const frame of frames) {
      if (this.closed) return;
      this.#onFrame(frame);
    }
    if (error && !this.closed) this.#onFrameError(error);
  }

  #onFrame(frame: Frame): void {
    switch (frame.type) {
      case 'ping':
        // spec: "A Peer MUST reply to each PING by sending exactly one PONG immediately ... echo back the payload"
        this.#sendPath.send(encodeFrame('pong', frame.payload));
        return;
      case 'pong':
        if (this.#pingPayload?.equals(frame.payload)) { // an unsolicited or stale PONG is ignored
          this.#pingPayload = undefined;
          clearTimeout(this.#pongTimer);
        }
        return;
      case 'message':
        this.#onMessageFrame(frame.payload);
    }
  }

  #onMessageFrame(payload: Buffer): void {
    let message: WampMessage;
    try {
      message = decode(this.#serializer.decode(this.#serializer.binary ? payload : payload.toString('utf8')));
    } catch (err) {
      this.#emitSafely({ error: decodeError(err) });
      return;
    }
    this.#emitSafely({ message });
  }

  #onFrameError(error: FrameError): void {
    this.#log.get().warn({ kind: error.kind, reason: error.message }, 'rawsocket framing error');
    if (error.kind === 'tooLarge') {
      // spec: "a Peer MUST fail the connection": no reply; nothing after the header is read.
      this.markClosed({ reason: 'message too big' });
      this.#socket.destroySoon();
      this.#destroyTimer ??= setTimeout(() => { this.#socket.destroy(); }, this.#tuning.closeTimeoutMs);
      return;
    }
    // The framing is still intact up to here, so the client can be told why (ABORT by the router).
    this.#emitSafely({ error: new ProtocolViolationError(`rawsocket: ${error.message}`) });
  }

  /** Listener failures are router bugs: log them and drop this connection, never throw into the socket. */
  #emitSafely(event: PeerInput): void {
    emitSafely(this, this.#log, event, (reason) => { this.close({ reason }); });
  }

  #ping(): void {
    if (this.#pingPayload !== undefined) return; // still waiting for the previous PONG
    this.#pingPayload = randomBytes(8);
    this.#sendPath.send(encodeFrame('ping', this.#pingPayload));
    this.#pongTimer = setTimeout(() => {
      this.#log.get().warn({ timeoutMs: this.#tuning.pingTimeoutMs }, 'no PONG in time; dropping connection');
      this.markClosed({ reason: 'ping timeout' });
      this.#socket.destroy();
    }, this.#tuning.pingTimeoutMs);
  }
}

const SEND_OVERFLOW = { reason: 'send buffer overflow' } as const;

/** send-path.ts over the connection's socket. */
class RawSocketSendPath extends SendPath {
  readonly #peer: RawSocketPeer;
  readonly #socket: Socket;

  constructor(peer: RawSocketPeer, socket: Socket, marks: SendMarks, log: LazyLogger) {
    super(marks, log);
    this.#peer = peer;
    this.#socket = socket;
  }

  protected write(frame: OutgoingFrame, written: () => void): void {
    this.#socket.write(frame, written);
  }

  protected buffered(): number {
    return this.#socket.writableLength;
  }

  protected cork(): void {
    this.#socket.cork();
  }

  protected uncork(): void {
    this.#socket.uncork();
  }

  protected pause(): void {
    this.#socket.pause();
  }

  protected resume(): void {
    this.#socket.resume();
  }

  /** No FIN after the backlog: a consumer that stopped reading would hold the socket until closeTimeoutMs. */
  protected overflow(): void {
    this.#peer.close(SEND_OVERFLOW);
    this.#socket.destroy();
  }
}
