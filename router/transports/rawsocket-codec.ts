/**
 * WAMP-over-RawSocket bytes, with no I/O (spec: advanced/transport_rawsocket.md): the 4-octet
 * handshake (request parsing, success and error replies) and the length-prefixed framing (an
 * incremental decoder that copes with frames split across reads and several frames in one read,
 * and an encoder). rawsocket.ts and rawsocket-peer.ts put these on sockets.
 */
import type { SerializerId } from '../../shared/serializers/serializer.ts';

/** spec: "The first octet is a magic octet with value 0x7F" (it never starts an HTTP request). */
export const MAGIC = 0x7f;
export const HANDSHAKE_LENGTH = 4;
export const FRAME_HEADER_LENGTH = 4;
/** The largest frame payload: 2^24 octets, which needs the X bit. */
export const MAX_FRAME_LENGTH = 2 ** 24;
/** The smallest announceable maximum: LENGTH 0 = 2^9 octets. */
export const MIN_MAX_LENGTH = 2 ** 9;
/**
 * The smallest receive limit we accept from a client (else handshake error 2): our WELCOME with
 * its role features is about 620 octets in JSON, so a client limited to 512 could not even join.
 */
export const MIN_CLIENT_MAX_LENGTH = 2 ** 10;

/** The SERIALIZER nibble (0 is illegal; 4 UBJSON and 5 FlatBuffers exist but we do not speak them). */
export const SerializerCode = { json: 1, msgpack: 2, cbor: 3 } as const satisfies Record<SerializerId, number>;

/** Error codes of a handshake error reply (upper nibble of the second octet). */
export const HandshakeError = {
  serializerUnsupported: 1,
  maxLengthUnacceptable: 2,
  reservedBitsUsed: 3,
  maxConnectionCount: 4,
} as const;
export type HandshakeError = (typeof HandshakeError)[keyof typeof HandshakeError];

/** The TTT bits of a frame header. */
export const FrameType = { message: 0, ping: 1, pong: 2 } as const;
export type FrameTypeName = keyof typeof FrameType;

/** What to do with a client's 4-octet handshake request. */
export type HandshakeOutcome =
  /** Reply `buildHandshakeReply(ourExponent, serializer)`; the client receives at most `clientMaxLength` octets per frame. */
  | { readonly kind: 'accept'; readonly serializer: SerializerId; readonly clientMaxLength: number }
  /** Reply `buildHandshakeError(error)`, then close. */
  | { readonly kind: 'refuse'; readonly error: HandshakeError; readonly reason: string }
  /** Not a RawSocket client at all: fail the connection without a reply. */
  | { readonly kind: 'fail'; readonly reason: string };

/**
 * Decide on a client's handshake request `[0x7F, LLLL SSSS, 0, 0]` given the serializers this
 * transport is configured with: checks the magic, the reserved octets (error 3), the serializer
 * (error 1) and the client's receive limit (error 2), in this order. The connection-count check
 * (error 4) is the caller's.
 */
export function negotiateHandshake(request: Uint8Array, serializers: readonly SerializerId[]): HandshakeOutcome {
  const [magic = 0, second = 0, reserved1 = 0, reserved2 = 0] = request;
  if (request.length !== HANDSHAKE_LENGTH) throw new RangeError(`a handshake has ${HANDSHAKE_LENGTH} octets, got ${request.length}`);
  // spec: "If the first octet differs from 0x7F ... the Router MUST fail the connection."
  if (magic !== MAGIC) return { kind: 'fail', reason: `first octet 0x${hex(magic)} is not the RawSocket magic 0x7f` };
  // spec: "The third and forth octet are reserved and MUST be all zeros"
  if (reserved1 !== 0 || reserved2 !== 0) {
    return { kind: 'refuse', error: HandshakeError.reservedBitsUsed, reason: `reserved octets 0x${hex(reserved1)}${hex(reserved2)} are not zero` };
  }
  const code = second & 0x0f;
  const serializer = serializers.find((id) => SerializerCode[id] === code);
  if (serializer === undefined) {
    // Serializer 0 is illegal; we answer it like any serializer we do not speak.
    return { kind: 'refuse', error: HandshakeError.serializerUnsupported, reason: `serializer ${code} is not one of ${serializers.map((id) => `${SerializerCode[id]} (${id})`).join(', ')}` };
  }
  const clientMaxLength = maxLengthOf(second >> 4);
  if (clientMaxLength < MIN_CLIENT_MAX_LENGTH) {
    return { kind: 'refuse', error: HandshakeError.maxLengthUnacceptable, reason: `the client accepts at most ${clientMaxLength} octets; we need ${MIN_CLIENT_MAX_LENGTH}` };
  }
  return { kind: 'accept', serializer, clientMaxLength };
}

/** The success reply: our LENGTH exponent (limit for what the client sends) and the echoed serializer. */
export function buildHandshakeReply(lengthExponent: number, serializer: SerializerId): Buffer {
  if (!Number.isInteger(lengthExponent) || lengthExponent < 0 || lengthExponent > 15) {
    throw new RangeError(`the LENGTH exponent is 0..15, got ${lengthExponent}`);
  }
  return Buffer.of(MAGIC, (lengthExponent << 4) | SerializerCode[serializer], 0, 0);
}

/** An error reply `[0x7F, EEEE 0000, 0, 0]` (spec: "Router-to-Client Reply"). */
export function buildHandshakeError(error: HandshakeError): Buffer {
  return Buffer.of(MAGIC, error << 4, 0, 0);
}

/** The LENGTH exponent for a configured maximum: the largest 2^(9+L) ≤ maxMessageSize, L in 0..15. */
export function lengthExponentFor(maxMessageSize: number): number {
  if (!(maxMessageSize >= MIN_MAX_LENGTH)) throw new RangeError(`a RawSocket maximum is at least ${MIN_MAX_LENGTH} octets, got ${maxMessageSize}`);
  return Math.min(15, Math.floor(Math.log2(maxMessageSize)) - 9);
}

/** 2^(9+L) */
export function maxLengthOf(lengthExponent: number): number {
  return 2 ** (lengthExponent + 9);
}

export interface Frame {
  readonly type: FrameTypeName;
  readonly payload: Buffer;
}

/** Why the decoder gave up. `tooLarge` means fail the connection; the others are protocol violations. */
export type FrameErrorKind = 'reservedBits' | 'reservedType' | 'badLength' | 'tooLarge';

export class FrameError extends Error {
  readonly kind: FrameErrorKind;
  constructor(kind: FrameErrorKind, message: string) {
    super(message);
    this.name = 'FrameError';
    this.kind = kind;
  }
}

export interface DecodeResult {
  /** Every complete frame in arrival order, up to the first error. */
  readonly frames: readonly Frame[];
  /** Set when the stream broke a framing rule; the decoder accepts nothing after it. */
  readonly error: FrameError | undefined;
}

const TYPE_NAMES: readonly (FrameTypeName | undefined)[] = ['message', 'ping', 'pong'];

/**
 * Incremental decoder: `push` each chunk as it is read; frames come out exactly as sent, however
 * the stream was cut. Payloads are views into the pushed chunks when a frame lies within one chunk,
 * so pushed chunks must not be reused by the caller (socket chunks never are).
 */
export class FrameDecoder {
  readonly #maxLength: number;
  readonly #chunks: Buffer[] = [];
  #head = 0; // index of the first unconsumed chunk
  #offset = 0; // consumed octets of #chunks[#head]
  #buffered = 0;
  #pending: { readonly type: FrameTypeName; readonly length: number } | undefined;
  #error: FrameError | undefined;

  /** @param maxLength the largest payload accepted (the limit we announced), at most 2^24 */
  constructor(maxLength: number) {
    this.#maxLength = maxLength;
  }

  /** Octets received but not yet part of a returned frame. */
  get buffered(): number {
    return this.#buffered + (this.#pending === undefined ? 0 : FRAME_HEADER_LENGTH);
  }

  push(chunk: Uint8Array): DecodeResult {
    if (this.#error) return { frames: [], error: this.#error };
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.#buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (this.#pending === undefined) {
        if (this.#buffered < FRAME_HEADER_LENGTH) break;
        const header = this.#take(FRAME_HEADER_LENGTH);
        try {
          this.#pending = parseFrameHeader(header, this.#maxLength);
        } catch (err) {
          this.#error = err as FrameError;
          this.#release();
          return { frames, error: this.#error };
        }
      }
      if (this.#buffered < this.#pending.length) break;
      frames.push({ type: this.#pending.type, payload: this.#take(this.#pending.length) });
      this.#pending = undefined;
    }
    this.#compact();
    return { frames, error: undefined };
  }

  /** Remove and return the next `n` buffered octets (n ≤ buffered). */
  #take(n: number): Buffer {
    this.#buffered -= n;
    const first = this.#chunks[this.#head];
    if (first !== undefined && first.length - this.#offset >= n) { // the common case: no copy
      const out = first.subarray(this.#offset, this.#offset + n);
      this.#advance(first, n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[this.#head];
      if (chunk === undefined) throw new Error('FrameDecoder: buffer underrun'); // unreachable: callers check #buffered
      const count = Math.min(n - filled, chunk.length - this.#offset);
      chunk.copy(out, filled, this.#offset, this.#offset + count);
      filled += count;
      this.#advance(chunk, count);
    }
    return out;
  }

  #advance(chunk: Buffer, count: number): void {
    this.#offset += count;
    if (this.#offset === chunk.length) {
      this.#chunks[this.#head] = EMPTY; // drop the reference now, compact later
      this.#head += 1;
      this.#offset = 0;
    }
  }

  #compact(): void {
    if (this.#head === 0) return;
    this.#chunks.splice(0, this.#head);
    this.#head = 0;
  }

  #release(): void {
    this.#chunks.length = 0;
    this.#head = 0;
    this.#offset = 0;
    this.#buffered = 0;
  }
}

const EMPTY = Buffer.alloc(0);

/** `RRRR XTTT` + 24-bit length (spec: "Framing"). Throws FrameError. */
export function parseFrameHeader(header: Uint8Array, maxLength: number): { readonly type: FrameTypeName; readonly length: number } {
  const first = header[0] ?? 0;
  const low24 = ((header[1] ?? 0) << 16) | ((header[2] ?? 0) << 8) | (header[3] ?? 0);
  if ((first & 0xf0) !== 0) throw new FrameError('reservedBits', `reserved bits 0x${hex(first & 0xf0)} set in a frame header`);
  const type = TYPE_NAMES[first & 0x07];
  if (type === undefined) throw new FrameError('reservedType', `frame type ${first & 0x07} is reserved`);
  // spec: X "is only set when the payload length is exactly 16M octets, with the 24 remaining L bits cleared"
  const xBit = (first & 0x08) !== 0;
  if (xBit && low24 !== 0) throw new FrameError('badLength', `the X bit is set with a nonzero length ${low24}`);
  const length = xBit ? MAX_FRAME_LENGTH : low24;
  // spec: "If a message received during a connection exceeds the limit requested, a Peer MUST fail the connection."
  if (length > maxLength) throw new FrameError('tooLarge', `frame of ${length} octets exceeds the limit of ${maxLength} octets`);
  return { type, length };
}

/** One frame: header + payload in a single buffer (one write). A string payload is written as UTF-8. */
export function encodeFrame(type: FrameTypeName, payload: Uint8Array | string): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
  if (length > MAX_FRAME_LENGTH) throw new RangeError(`a RawSocket frame carries at most ${MAX_FRAME_LENGTH} octets, got ${length}`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + length);
  writeFrameHeader(frame, type, length);
  if (typeof payload === 'string') frame.write(payload, FRAME_HEADER_LENGTH, 'utf8');
  else frame.set(payload, FRAME_HEADER_LENGTH);
  return frame;
}

function writeFrameHeader(target: Buffer, type: FrameTypeName, length: number): void {
  if (length === MAX_FRAME_LENGTH) {
    target.writeUInt32BE(((0x08 | FrameType[type]) << 24) >>> 0, 0);
  } else {
    target.writeUInt32BE(((FrameType[type] << 24) | length) >>> 0, 0);
  }
}

function hex(octet: number): string {
  return octet.toString(16).padStart(2, '0');
}
