/**
 * A small client of the original ASEXOR raw socket protocol, written from docs/legacy-rawsocket.md
 * (not from the original's code): the token as the first data frame, a 1-byte answer, then one
 * plain CBOR value per data frame. Frames (4-byte headers: type in the low 3 bits, 24-bit big-endian
 * length) go through the bridge's pure framing code (router/bridges/legacy-raw-framing.ts), which
 * the bench's legacy client (bench/tasks/legacy-client.ts) uses through this class too.
 * It exposes raw bytes too, so tests can send what a broken client would.
 */
import { connect, type Socket } from 'node:net';
import { decode, encode } from 'cborg';
import { LegacyFrameDecoder, encodeLegacyFrame, type LegacyFrameType } from '../../router/bridges/legacy-raw-framing.ts';

export type RawFrameType = LegacyFrameType;
export interface RawFrame {
  readonly type: RawFrameType;
  readonly payload: Buffer;
}

export function rawFrame(type: RawFrameType, payload: Uint8Array | string): Buffer {
  return encodeLegacyFrame(type, typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload);
}

/** [call_id, task_name, {args?, kwargs?, user?, role?}] as one CBOR data frame. */
export function callFrame(callId: unknown, task: string, payload: Record<string, unknown> = {}): Buffer {
  return rawFrame('data', encode([callId, task, payload]));
}

export type LegacyAnswer = ['r', unknown, string] | ['e', unknown, string, null] | ['m', unknown, Record<string, unknown>];

export type RawAddress = { readonly host: string; readonly port: number } | { readonly path: string };

export class LegacyRawClient {
  readonly socket: Socket;
  /** Every frame received, in order (those given to onAnswer excepted). */
  readonly frames: RawFrame[] = [];
  /**
   * When set, every data frame after the handshake answer goes here, CBOR-decoded, instead of
   * `frames` (a load generator keeps nothing).
   */
  onAnswer: ((answer: unknown) => void) | undefined;
  /** Resolves when the server closed the connection (or it broke). */
  readonly closed: Promise<void>;
  readonly #decoder = new LegacyFrameDecoder();
  #waiters: (() => void)[] = [];
  #isClosed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = this.#decoder.push(chunk);
      for (const { type, payload } of frames) {
        if (this.onAnswer !== undefined && type === 'data') this.onAnswer(decode(payload));
        else this.frames.push({ type, payload: Buffer.from(payload) });
      }
      if (error !== undefined) throw new Error(`server broke the framing: ${error.message}`);
      this.#wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#isClosed = true;
        this.#wake();
        resolve();
      });
    });
  }

  static connect(address: RawAddress): Promise<LegacyRawClient> {
    return new Promise((resolve, reject) => {
      const socket = 'path' in address ? connect({ path: address.path }) : connect({ host: address.host, port: address.port });
      socket.once('connect', () => { resolve(new LegacyRawClient(socket)); });
      socket.once('error', reject);
    });
  }

  /** Connect, send the token, and wait for the 1-byte answer (0 = ok). */
  static async login(address: RawAddress, token: string): Promise<LegacyRawClient> {
    const client = await LegacyRawClient.connect(address);
    const answer = await client.handshake(token);
    if (answer !== 0) throw new Error(`handshake answered ${answer}`);
    return client;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Send the token and return the first byte of the server's first data frame. */
  async handshake(token: string): Promise<number> {
    this.write(rawFrame('data', token));
    const frame = await this.nextData();
    if (frame.payload.length !== 1) throw new Error(`expected a 1-byte answer, got ${frame.payload.toString('hex')}`);
    return frame.payload[0] ?? -1;
  }

  call(callId: unknown, task: string, payload: Record<string, unknown> = {}): void {
    this.write(callFrame(callId, task, payload));
  }

  /** The data frames after the handshake answer, decoded. */
  answers(): LegacyAnswer[] {
    return this.frames.filter((f) => f.type === 'data' && f.payload.length > 1).map((f) => decode(f.payload) as LegacyAnswer);
  }

  async nextData(timeoutMs = 5000): Promise<RawFrame> {
    await this.until(() => this.frames.some((f) => f.type === 'data'), timeoutMs);
    const index = this.frames.findIndex((f) => f.type === 'data');
    const [frame] = this.frames.splice(index, 1);
    if (frame === undefined) throw new Error('no data frame');
    return frame;
  }

  /** Wait until `done()` holds; fails after `timeoutMs` with what arrived so far. */
  async until(done: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out; closed=${this.#isClosed}; frames: ${JSON.stringify(this.frames.map((f) => [f.type, f.payload.toString('hex')]))}`);
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Wait for the answers that end call `callId`: an `e`, or an `m` with status success or error. */
  async finished(callId: unknown, timeoutMs = 10_000): Promise<LegacyAnswer[]> {
    await this.until(() => this.answers().some((a) => a[1] === callId && (a[0] === 'e' || (a[0] === 'm' && (a[2]['status'] === 'success' || a[2]['status'] === 'error')))), timeoutMs);
    return this.answers().filter((a) => a[1] === callId);
  }

  /** Wait until the server closes the connection. */
  async closedByServer(timeoutMs = 5000): Promise<void> {
    await this.until(() => this.#isClosed, timeoutMs);
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
