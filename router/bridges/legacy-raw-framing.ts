/**
 * The original ASEXOR raw socket's frames, with no I/O (docs/legacy-rawsocket.md, "Framing"):
 *
 *   byte 0: RRRRRTTT   TTT = 0 data, 1 ping, 2 pong, 3..7 protocol error; RRRRR ignored, sent as 0
 *   bytes 1..3: payload length, 24-bit big-endian (at most 2^24 − 1)
 *
 * The same layout as WAMP-RawSocket frames but without its opening handshake and without the X bit,
 * so router/transports/rawsocket-codec.ts does not fit. The decoder keeps every unconsumed byte of a
 * read for the next one, however the stream was cut.
 */
import { LEGACY_RAW_MAX_PAYLOAD } from '../../shared/legacy/settings.ts';

export const LEGACY_FRAME_HEADER_LENGTH = 4;
export { LEGACY_RAW_MAX_PAYLOAD };

export type LegacyFrameType = 'data' | 'ping' | 'pong';
const TYPE_CODES = { data: 0, ping: 1, pong: 2 } as const satisfies Record<LegacyFrameType, number>;
const TYPE_NAMES: readonly (LegacyFrameType | undefined)[] = ['data', 'ping', 'pong'];
/** Unconsumed reads kept apart before they are joined into one buffer. */
const MAX_CHUNKS = 64;

export interface LegacyFrame {
  readonly type: LegacyFrameType;
  readonly payload: Buffer;
}

/** `badType`: TTT is 3..7; `tooLarge`: the announced length exceeds the limit. Either ends the connection. */
export type LegacyFrameErrorKind = 'badType' | 'tooLarge';

export class LegacyFrameError extends Error {
  readonly kind: LegacyFrameErrorKind;
  constructor(kind: LegacyFrameErrorKind, message: string) {
    super(message);
    this.name = 'LegacyFrameError';
    this.kind = kind;
  }
}

export interface LegacyDecodeResult {
  /** Every complete frame in arrival order, up to the first error. */
  readonly frames: readonly LegacyFrame[];
  /** Set once the stream broke a framing rule; nothing is decoded after it. */
  readonly error: LegacyFrameError | undefined;
}

/**
 * Incremental decoder: `push` every chunk read from the socket. Payloads are views into the pushed
 * chunks when a frame lies within one chunk, so callers must not reuse a pushed buffer.
 */
export class LegacyFrameDecoder {
  readonly #maxPayload: number;
  readonly #chunks: Buffer[] = [];
  #offset = 0; // consumed bytes of #chunks[0]
  #buffered = 0;
  #pending: { readonly type: LegacyFrameType; readonly length: number } | undefined;
  #error: LegacyFrameError | undefined;

  /** @param maxPayload the largest payload accepted, 0..2^24 − 1 */
  constructor(maxPayload: number = LEGACY_RAW_MAX_PAYLOAD) {
    if (!Number.isInteger(maxPayload) || maxPayload < 0 || maxPayload > LEGACY_RAW_MAX_PAYLOAD) {
      throw new RangeError(`the payload limit is 0..${LEGACY_RAW_MAX_PAYLOAD}, got ${maxPayload}`);
    }
    this.#maxPayload = maxPayload;
  }

  /** Bytes received but not yet returned in a frame (a parsed header counts as 4). */
  get buffered(): number {
    return this.#buffered + (this.#pending === undefined ? 0 : LEGACY_FRAME_HEADER_LENGTH);
  }

  push(chunk: Uint8Array): LegacyDecodeResult {
    if (this.#error !== undefined) return { frames: [], error: this.#error };
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.#buffered += chunk.length;
      if (this.#chunks.length > MAX_CHUNKS) this.#coalesce();
    }
    const frames: LegacyFrame[] = [];
    for (;;) {
      if (this.#pending === undefined) {
        if (this.#buffered < LEGACY_FRAME_HEADER_LENGTH) break;
        const header = parseLegacyHeader(this.#take(LEGACY_FRAME_HEADER_LENGTH), this.#maxPayload);
        if (header instanceof LegacyFrameError) {
          this.#error = header;
          this.#chunks.length = 0;
          this.#offset = 0;
          this.#buffered = 0;
          return { frames, error: header };
        }
        this.#pending = header;
      }
      if (this.#buffered < this.#pending.length) break;
      frames.push({ type: this.#pending.type, payload: this.#take(this.#pending.length) });
      this.#pending = undefined;
    }
    return { frames, error: undefined };
  }

  /** Remove and return the next `n` buffered bytes (n ≤ #buffered). */
  #take(n: number): Buffer {
    this.#buffered -= n;
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= n) { // the common case: a view, no copy
      const out = first.subarray(this.#offset, this.#offset + n);
      this.#advance(first, n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0];
      if (chunk === undefined) throw new Error('LegacyFrameDecoder: buffer underrun'); // unreachable: callers check #buffered
      const count = Math.min(n - filled, chunk.length - this.#offset);
      chunk.copy(out, filled, this.#offset, this.#offset + count);
      filled += count;
      this.#advance(chunk, count);
    }
    return out;
  }

  /** A frame dripping in through many tiny reads is kept as one buffer, not thousands of small ones. */
  #coalesce(): void {
    const first = this.#chunks[0];
    if (first !== undefined) this.#chunks[0] = first.subarray(this.#offset);
    const whole = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks.length = 0;
    this.#chunks.push(whole);
    this.#offset = 0;
  }

  #advance(chunk: Buffer, count: number): void {
    this.#offset += count;
    if (this.#offset === chunk.length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
  }
}

/** The type and length of a 4-byte header, or why the connection must end. */
export function parseLegacyHeader(header: Uint8Array, maxPayload: number): { readonly type: LegacyFrameType; readonly length: number } | LegacyFrameError {
  const first = header[0] ?? 0;
  const type = TYPE_NAMES[first & 0x07];
  if (type === undefined) return new LegacyFrameError('badType', `frame type ${first & 0x07} is not data (0), ping (1) or pong (2)`);
  const length = ((header[1] ?? 0) << 16) | ((header[2] ?? 0) << 8) | (header[3] ?? 0);
  if (length > maxPayload) return new LegacyFrameError('tooLarge', `a frame of ${length} bytes exceeds the limit of ${maxPayload} bytes`);
  return { type, length };
}

/** One frame, header and payload in one buffer. Throws RangeError above 2^24 − 1 bytes (the length would not fit). */
export function encodeLegacyFrame(type: LegacyFrameType, payload: Uint8Array): Buffer {
  const length = payload.length;
  if (length > LEGACY_RAW_MAX_PAYLOAD) throw new RangeError(`a frame carries at most ${LEGACY_RAW_MAX_PAYLOAD} bytes, got ${length}`);
  const frame = Buffer.allocUnsafe(LEGACY_FRAME_HEADER_LENGTH + length);
  frame.writeUInt32BE(((TYPE_CODES[type] << 24) | length) >>> 0, 0);
  frame.set(payload, LEGACY_FRAME_HEADER_LENGTH);
  return frame;
}
