/**
 * A lean WAMP-over-RawSocket client for load generation (spec: advanced/transport_rawsocket.md):
 * node:net + our frame codec, serializers and WAMP codec, nothing else. Same surface as
 * raw-client.ts's RawWampClient, so the load generators can use either. URLs follow autobahn:
 * `rs://127.0.0.1:PORT` (TCP) and `rs://unix:/path/to.sock` (Unix socket).
 */
import { connect, type Socket } from 'node:net';
import { decode, encode } from '../../shared/wamp/codec.ts';
import { serializerById } from '../../shared/serializers/index.ts';
import type { Serializer } from '../../shared/serializers/serializer.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import {
  FrameDecoder, MAX_FRAME_LENGTH, SerializerCode, encodeFrame, type Frame,
} from '../../router/transports/rawsocket-codec.ts';
import type { ConnectOptions } from './raw-client.ts';

// spec: basic/sessions.md (HELLO.Details.roles is required and non-empty)
const ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} } as const;

export function isRawSocketUrl(url: string): boolean {
  return url.startsWith('rs://');
}

/** `rs://unix:/p` → { path: '/p' }; `rs://host:port` → { host, port }. */
export function parseRawSocketUrl(url: string): { readonly path: string } | { readonly host: string; readonly port: number } {
  if (url.startsWith('rs://unix:')) return { path: url.slice('rs://unix:'.length) };
  const { hostname, port } = new URL(url);
  return { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) };
}

export class RawSocketWampClient {
  readonly sessionId: number;
  onMessage: (message: WampMessage) => void = () => undefined;
  readonly #socket: Socket;
  readonly #serializer: Serializer;
  #lastRequest = 0;

  constructor(socket: Socket, serializer: Serializer, sessionId: number, frames: (handler: (frame: Frame) => void) => void) {
    this.#socket = socket;
    this.#serializer = serializer;
    this.sessionId = sessionId;
    frames((frame) => {
      if (frame.type === 'ping') socket.write(encodeFrame('pong', frame.payload));
      else if (frame.type === 'message') this.onMessage(decodePayload(serializer, frame.payload));
    });
  }

  nextRequestId(): number {
    this.#lastRequest += 1;
    return this.#lastRequest;
  }

  send(message: WampMessage): void {
    this.#socket.write(encodeFrame('message', this.#serializer.encode(encode(message))));
  }

  /** End the connection and resolve once it is closed (destroyed after 2 s). */
  close(): Promise<void> {
    const socket = this.#socket;
    if (socket.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => { socket.destroy(); }, 2000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }
}

function decodePayload(serializer: Serializer, payload: Buffer): WampMessage {
  return decode(serializer.decode(serializer.binary ? payload : payload.toString('utf8')));
}

/** Connect, handshake (we accept up to 16 MiB), send HELLO (anonymous), resolve on WELCOME. */
export function connectRawSocket(options: ConnectOptions): Promise<RawSocketWampClient> {
  const serializer = serializerById(options.serializer);
  const target = parseRawSocketUrl(options.url);
  const socket = 'path' in target ? connect({ path: target.path }) : connect({ host: target.host, port: target.port, noDelay: true });
  const decoder = new FrameDecoder(MAX_FRAME_LENGTH);
  let handler: (frame: Frame) => void = () => undefined;
  let head: Buffer = Buffer.alloc(0);
  let handshaken = false;
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const failWith = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => { failWith(new Error(`no WELCOME from ${options.url} within ${timeoutMs} ms`)); }, timeoutMs);
    const onClose = (): void => { failWith(new Error(`connection to ${options.url} closed during the handshake`)); };
    socket.once('error', failWith);
    socket.once('close', onClose);
    socket.once('connect', () => {
      socket.write(Uint8Array.of(0x7f, 0xf0 | SerializerCode[options.serializer], 0, 0));
      socket.write(encodeFrame('message', serializer.encode(encode({
        type: MessageType.HELLO, realm: options.realm, details: { roles: ROLES, authmethods: ['anonymous'] },
      }))));
    });
    handler = (frame) => {
      if (frame.type !== 'message') return;
      const message = decodePayload(serializer, frame.payload);
      if (message.type !== MessageType.WELCOME) {
        failWith(new Error(`handshake failed: ${JSON.stringify(encode(message))}`));
        return;
      }
      clearTimeout(timer);
      socket.off('error', failWith);
      socket.off('close', onClose);
      socket.on('error', () => undefined); // a reset while closing is not a benchmark failure
      resolve(new RawSocketWampClient(socket, serializer, message.session, (h) => { handler = h; }));
    };
    socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      if (!handshaken) {
        head = Buffer.concat([head, chunk]);
        if (head.length < 4) return;
        if (head[0] !== 0x7f || ((head[1] ?? 0) & 0x0f) !== SerializerCode[options.serializer]) {
          failWith(new Error(`rawsocket handshake refused: ${head.subarray(0, 4).toString('hex')}`));
          return;
        }
        handshaken = true;
        data = head.subarray(4);
      }
      const { frames, error } = decoder.push(data);
      for (const frame of frames) handler(frame);
      if (error) socket.destroy(error);
    });
  });
}
