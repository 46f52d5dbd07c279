/**
 * One WAMP-over-WebSocket connection as a Peer: frames ↔ serializer ↔ codec, keep-alive pings and
 * the send path (send-path.ts: corking, backpressure). The service that accepts connections is in websocket.ts.
 */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../shared/logger.ts';
import { SerializationError } from '../../shared/errors.ts';
import { decode } from '../../shared/wamp/codec.ts';
import { encodeMessage } from '../../shared/serializers/encode-memo.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import type { Serializer } from '../../shared/serializers/serializer.ts';
import { BasePeer, type CloseInfo, type TransportDetails } from './peer.ts';
import { decodeError, emitSafely, type PeerInput } from './peer-events.ts';
import { LazyLogger } from './lazy-logger.ts';
import { SendPath, type OutgoingFrame, type SendMarks } from './send-path.ts';

/** Per-connection limits that the config file does not carry. */
export interface WebSocketTuning {
  /** Pause reading from a peer once this many sent bytes are still unflushed. @default 1 MiB */
  readonly sendHighWaterMark?: number;
  /** Resume reading once unflushed sent bytes drop to this. @default 256 KiB */
  readonly sendLowWaterMark?: number;
  /** Close with 1008 'send buffer overflow' above this many unflushed bytes. @default 64 MiB */
  readonly sendBufferLimit?: number;
  /** Terminate a connection whose closing handshake has not finished after this long, ms. @default 2_000 */
  readonly closeTimeoutMs?: number;
}

export const WEBSOCKET_TUNING_DEFAULTS = {
  sendHighWaterMark: 1024 * 1024,
  sendLowWaterMark: 256 * 1024,
  sendBufferLimit: 64 * 1024 * 1024,
  closeTimeoutMs: 2_000,
} as const satisfies Required<WebSocketTuning>;

export type ResolvedWebSocketTuning = Readonly<Required<WebSocketTuning>>;

export interface WebSocketPeerOptions {
  readonly ws: WebSocket;
  /** The upgraded connection under `ws`: corked while one event-loop turn's messages are written. */
  readonly socket?: Duplex;
  readonly serializer: Serializer;
  readonly details: TransportDetails;
  /** The peer's logger, or its parent when `logBindings` is given. */
  readonly logger: Logger;
  /**
   * Bindings of the peer's child logger, made from `logger` on first use: most connections never
   * log, and a pino child costs about 300 bytes per connection (docs/router-memory.md).
   */
  readonly logBindings?: Readonly<Record<string, unknown>>;
  /** ms between pings, 0 = off; ms to wait for the pong, 0 = no deadline. */
  readonly keepAlive: { readonly intervalMs: number; readonly timeoutMs: number };
  readonly tuning: ResolvedWebSocketTuning;
}

/** WebSocket close codes (RFC 6455 §7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
} as const;

export class WebSocketPeer extends BasePeer {
  readonly #ws: WebSocket;
  readonly #serializer: Serializer;
  readonly #log: LazyLogger;
  readonly #sendPath: WebSocketSendPath;
  readonly #tuning: ResolvedWebSocketTuning;
  readonly #keepAlive: WebSocketPeerOptions['keepAlive'];
  #pingTimer: NodeJS.Timeout | undefined;
  #pongTimer: NodeJS.Timeout | undefined;
  #terminateTimer: NodeJS.Timeout | undefined;
  /** Resolves once the underlying socket is gone (closing handshake done or connection dropped). */
  readonly ended: Promise<void>;

  constructor(options: WebSocketPeerOptions) {
    super(options.details);
    this.#ws = options.ws;
    this.#serializer = options.serializer;
    this.#log = new LazyLogger(options.logger, options.logBindings);
    this.#tuning = options.tuning;
    this.#sendPath = new WebSocketSendPath(this, options, this.#log);
    this.#keepAlive = options.keepAlive;
    this.#ws.binaryType = 'nodebuffer';
    // Resolved by the one 'close' listener below: no once() wrapper per connection (docs/router-memory.md).
    let ended!: () => void;
    this.ended = new Promise((resolve) => { ended = resolve; });
    this.#ws.on('message', (data, isBinary) => { this.#receive(data, isBinary); });
    this.#ws.on('pong', () => { this.#clearPongTimer(); });
    this.#ws.on('error', (err) => { this.#onSocketError(err); });
    this.#ws.on('close', (code, reason) => {
      clearTimeout(this.#terminateTimer);
      ended();
      this.markClosed({ code, reason: reason.toString('utf8') });
    });
    if (this.#keepAlive.intervalMs > 0) {
      this.#pingTimer = setInterval(() => { this.#ping(); }, this.#keepAlive.intervalMs);
    }
  }

  /** Whether reading is paused because the remote side is not consuming what we send. */
  get readPaused(): boolean {
    return this.#sendPath.readPaused;
  }

  protected transmit(message: WampMessage): void {
    let data: string | Uint8Array;
    try {
      data = encodeMessage(this.#serializer, message);
    } catch (err) {
      this.#log.get().error({ err, messageType: message.type }, 'cannot serialize outgoing message');
      this.close({ code: CloseCode.internalError, reason: 'internal error' });
      return;
    }
    this.#sendPath.send(data);
  }

  protected shutdown(info: CloseInfo): void {
    const code = info.code ?? CloseCode.normal;
    const reason = truncateReason(info.reason ?? '');
    try {
      this.#ws.close(code, reason);
    } catch {
      this.#ws.close(CloseCode.normal); // ws rejects codes it may not send (e.g. 1006); fall back to normal
    }
    this.#terminateTimer ??= setTimeout(() => { this.#ws.terminate(); }, this.#tuning.closeTimeoutMs);
  }

  protected override markClosed(info: CloseInfo): void {
    clearInterval(this.#pingTimer);
    this.#clearPongTimer();
    this.#sendPath.close(); // flushes, and lets the closing handshake be read even if backpressure paused us
    super.markClosed(info);
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    let message: WampMessage;
    try {
      // spec: basic/building_blocks.md "WebSocket Transport": json uses text messages, msgpack/cbor binary.
      if (isBinary !== this.#serializer.binary) {
        throw new SerializationError(
          `${isBinary ? 'binary' : 'text'} message on ${this.details.protocol ?? this.#serializer.id}, which requires ${this.#serializer.binary ? 'binary' : 'text'} messages`,
        );
      }
      const bytes = toBuffer(data);
      message = decode(this.#serializer.decode(isBinary ? bytes : bytes.toString('utf8')));
    } catch (err) {
      this.#emitSafely({ error: decodeError(err) });
      return;
    }
    this.#emitSafely({ message });
  }

  /** Listener failures are router bugs: log them and drop this connection, never throw into ws. */
  #emitSafely(event: PeerInput): void {
    emitSafely(this, this.#log, event, (reason) => {
      this.close({ code: reason === 'internal error' ? CloseCode.internalError : CloseCode.protocolError, reason });
    });
  }

  #onSocketError(err: Error & { code?: string }): void {
    // ws already started closing (1009 above maxPayload, 1002/1007 for bad frames); clean the
    // session up now instead of after the closing handshake.
    const code = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? CloseCode.messageTooBig
      : err.code === 'WS_ERR_INVALID_UTF8' ? CloseCode.invalidPayload : CloseCode.protocolError;
    this.#log.get().warn({ err: { code: err.code, message: err.message }, closeCode: code }, 'websocket protocol error');
    this.#terminateTimer ??= setTimeout(() => { this.#ws.terminate(); }, this.#tuning.closeTimeoutMs);
    this.markClosed({ code, reason: code === CloseCode.messageTooBig ? 'message too big' : err.message });
  }

  #ping(): void {
    if (this.#pongTimer !== undefined) return; // still waiting for the previous pong
    this.#ws.ping();
    if (this.#keepAlive.timeoutMs > 0) {
      this.#pongTimer = setTimeout(() => {
        this.#pongTimer = undefined;
        this.#log.get().warn({ timeoutMs: this.#keepAlive.timeoutMs }, 'no pong in time; dropping connection');
        this.markClosed({ code: 1006, reason: 'ping timeout' });
        this.#ws.terminate();
      }, this.#keepAlive.timeoutMs);
    }
  }

  #clearPongTimer(): void {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }
}

const BINARY = { binary: true } as const;
const TEXT = { binary: false } as const;
const SEND_OVERFLOW = { code: CloseCode.policyViolation, reason: 'send buffer overflow' } as const;

/** send-path.ts over a `ws` WebSocket; corks the upgraded connection under it, when given. */
class WebSocketSendPath extends SendPath {
  readonly #peer: WebSocketPeer;
  readonly #ws: WebSocket;
  readonly #socket: Duplex | undefined;
  readonly #options: typeof BINARY | typeof TEXT;

  constructor(peer: WebSocketPeer, options: WebSocketPeerOptions, log: LazyLogger) {
    const marks: SendMarks = options.tuning;
    super(marks, log, options.socket !== undefined);
    this.#peer = peer;
    this.#ws = options.ws;
    this.#socket = options.socket;
    this.#options = options.serializer.binary ? BINARY : TEXT;
  }

  protected write(frame: OutgoingFrame, written: () => void): void {
    this.#ws.send(frame, this.#options, written);
  }

  protected buffered(): number {
    return this.#ws.bufferedAmount;
  }

  protected cork(): void {
    this.#socket?.cork();
  }

  protected uncork(): void {
    this.#socket?.uncork();
  }

  protected pause(): void {
    this.#ws.pause();
  }

  protected resume(): void {
    this.#ws.resume();
  }

  protected overflow(): void {
    this.#peer.close(SEND_OVERFLOW);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** RFC 6455 §5.5: a close frame's reason is at most 123 bytes of UTF-8. */
function truncateReason(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8');
  if (bytes.length <= 123) return reason;
  return bytes.subarray(0, 123).toString('utf8').replace(/\uFFFD+$/, '');
}
