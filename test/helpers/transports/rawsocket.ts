/**
 * RawSocket connector (spec: advanced/transport_rawsocket.md) on TCP or a Unix socket: our 4-octet
 * handshake, then length-prefixed frames through the transport's pure codec
 * (router/transports/rawsocket-codec.ts).
 * - openRawSocket: the Wire (wire.ts), with the socket, the router's handshake reply, raw frames
 *   and bytes;
 * - probeRawSocket: raw mode for transport and bad-input tests: any frame or octets, await the next
 *   message or control frame (PINGs are not answered);
 * - connectRawSocket: typed mode (a ClientConnection for WampTestClient; PINGs answered with PONG);
 * - openSocket, handshakeOnly: below the handshake.
 *
 *   const client = await probeRawSocket({ host: '127.0.0.1', port }, 'cbor');
 *   client.send([1, 'realm1', { roles: { caller: {} } }]);
 *   expect((await client.next())[0]).to.equal(2);
 *   await client.close();
 */
import { connect, type Socket } from 'node:net';
import {
  FrameDecoder, HANDSHAKE_LENGTH, MAGIC, MAX_FRAME_LENGTH, SerializerCode, encodeFrame, type Frame, type FrameTypeName,
} from '../../../router/transports/rawsocket-codec.ts';
import { serializerById } from '../../../shared/serializers/index.ts';
import type { Serializer, SerializerId } from '../../../shared/serializers/serializer.ts';
import { AsyncQueue } from '../async-queue.ts';
import { errorText, type ClientConnection } from './connection.ts';
import { CLOSE_WAIT_MS, CloseLatch, wireConnection, type Wire } from './wire.ts';

export type RawSocketEndpoint = { readonly host: string; readonly port: number } | { readonly path: string };

export interface RawSocketOptions {
  /** LENGTH nibble of our request: we receive at most 2^(9+L) octets. @default 15 */
  readonly lengthExponent?: number;
  /** Answer each PING with a PONG carrying its payload. @default true */
  readonly answerPings?: boolean;
}

export interface RawSocketWire extends Wire {
  readonly socket: Socket;
  readonly serializer: Serializer;
  /** The router's 4-octet handshake reply. */
  readonly reply: Buffer;
  /** Every frame that is not a WAMP message (PING, PONG), after any automatic PONG. */
  onControl: (frame: Frame) => void;
  /** Send one frame of any type with any payload. */
  sendFrame(type: FrameTypeName, payload: Uint8Array | string): void;
  /** Send octets as they are. */
  sendRaw(bytes: Uint8Array): void;
}

export function openSocket(endpoint: RawSocketEndpoint): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = 'path' in endpoint ? connect({ path: endpoint.path }) : connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Send `request` as the handshake and collect every octet the router sends until it closes (or `timeoutMs`). */
export async function handshakeOnly(endpoint: RawSocketEndpoint, request: Uint8Array, timeoutMs = 2_000): Promise<{ reply: Buffer; closed: boolean }> {
  const socket = await openSocket(endpoint);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => { /* a reset after the reply is the router failing the connection */ });
  socket.write(request);
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => { resolve(false); }, timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  socket.destroy();
  return { reply: Buffer.concat(chunks), closed };
}

/** The router's handshake reply and any octets after it (the socket is left paused); rejects if the connection closes first. */
function readReply(socket: Socket): Promise<{ reply: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < HANDSHAKE_LENGTH) return;
      socket.pause(); // resumed once the caller can hear what follows the reply
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve({ reply: head.subarray(0, HANDSHAKE_LENGTH), rest: head.subarray(HANDSHAKE_LENGTH) });
    };
    const onClose = (): void => { reject(new Error(`rawsocket closed during the handshake after ${head.toString('hex') || 'no reply'}`)); };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** Connect and handshake; rejects with the reply in the message when the router refuses. */
export async function openRawSocket(endpoint: RawSocketEndpoint, serializerId: SerializerId, options: RawSocketOptions = {}): Promise<RawSocketWire> {
  const serializer = serializerById(serializerId);
  const code = SerializerCode[serializerId];
  const answerPings = options.answerPings ?? true;
  const socket = await openSocket(endpoint);
  const latch = new CloseLatch();
  const noop = (): void => undefined;
  socket.on('error', () => { /* surfaces as 'close' */ });
  socket.write(Uint8Array.of(MAGIC, ((options.lengthExponent ?? 15) << 4) | code, 0, 0));
  const { reply, rest } = await readReply(socket);
  if (reply[0] !== MAGIC || ((reply[1] ?? 0) & 0x0f) !== code) {
    socket.destroy();
    throw new Error(`rawsocket handshake refused: reply ${reply.toString('hex')}`);
  }
  const decoder = new FrameDecoder(MAX_FRAME_LENGTH);
  const wire: RawSocketWire = {
    name: `rawsocket-${'path' in endpoint ? 'unix' : 'tcp'}/${serializerId}`,
    socket,
    serializer,
    reply,
    onArray: noop,
    onControl: noop,
    onClose: noop,
    get isClosed() {
      return latch.isClosed;
    },
    closed: latch.closed,
    sendArray(message) {
      if (!latch.isClosed && socket.writable) socket.write(encodeFrame('message', serializer.encode(message)));
    },
    sendFrame(type, payload) {
      socket.write(encodeFrame(type, payload));
    },
    sendRaw(bytes) {
      socket.write(bytes);
    },
    close() {
      socket.end();
      const timer = setTimeout(() => { socket.destroy(); }, CLOSE_WAIT_MS);
      return latch.closed.then(() => { clearTimeout(timer); });
    },
  };
  const fail = (reason: string): void => {
    latch.end(reason, wire.onClose);
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    const { frames, error } = decoder.push(chunk);
    for (const frame of frames) {
      if (latch.isClosed) return;
      if (frame.type !== 'message') {
        if (frame.type === 'ping' && answerPings) socket.write(encodeFrame('pong', frame.payload));
        wire.onControl(frame);
        continue;
      }
      let decoded: unknown;
      try {
        decoded = serializer.decode(serializer.binary ? frame.payload : frame.payload.toString('utf8'));
        if (!Array.isArray(decoded)) throw new Error('a message that is not an array');
      } catch (err) {
        fail(`undecodable message from the router: ${errorText(err)}`);
        return;
      }
      wire.onArray(decoded as unknown[]);
    }
    if (error) fail(`bad frame from the router: ${error.message}`);
  };
  socket.once('close', () => { latch.end('rawsocket connection closed', wire.onClose); });
  socket.on('data', onData);
  // What follows the reply is delivered once the caller has set its handlers, in order.
  setImmediate(() => {
    if (rest.length > 0) onData(rest);
    socket.resume();
  });
  return wire;
}

/** Raw mode. */
export interface RawSocketClient {
  readonly socket: Socket;
  readonly serializer: Serializer;
  /** The router's 4-octet handshake reply. */
  readonly reply: Buffer;
  /** Serialize `message` with the negotiated serializer and send it in a message frame. */
  send(message: readonly unknown[]): void;
  /** Send one frame of any type with any payload. */
  sendFrame(type: FrameTypeName, payload: Uint8Array | string): void;
  /** Send octets as they are. */
  sendRaw(bytes: Uint8Array): void;
  /** The next WAMP message, decoded; rejects if the connection closes first or nothing comes in time. */
  next(timeoutMs?: number): Promise<unknown[]>;
  /** The next frame that is not a WAMP message (PING/PONG). */
  nextControl(timeoutMs?: number): Promise<Frame>;
  /** Resolves once the connection is gone. */
  readonly closed: Promise<void>;
  /** Whether the connection is gone. */
  readonly isClosed: boolean;
  /** End the connection and wait until it is gone (destroyed after 2 s). */
  close(): Promise<void>;
}

export async function probeRawSocket(endpoint: RawSocketEndpoint, serializerId: SerializerId, options: RawSocketOptions = {}): Promise<RawSocketClient> {
  const wire = await openRawSocket(endpoint, serializerId, { answerPings: false, ...options });
  const messages = new AsyncQueue<unknown[]>('message');
  const controls = new AsyncQueue<Frame>('control');
  wire.onArray = (message) => { messages.push(message); };
  wire.onControl = (frame) => { controls.push(frame); };
  wire.onClose = () => {
    messages.fail(new Error('connection closed before a message arrived'));
    controls.fail(new Error('connection closed before a control arrived'));
  };
  return {
    socket: wire.socket,
    serializer: wire.serializer,
    reply: wire.reply,
    closed: wire.closed.then(() => undefined),
    get isClosed() {
      return wire.isClosed;
    },
    send: (message) => { wire.sendArray(message); },
    sendFrame: (type, payload) => { wire.sendFrame(type, payload); },
    sendRaw: (bytes) => { wire.sendRaw(bytes); },
    next: (timeoutMs = 2_000) => messages.next(timeoutMs),
    nextControl: (timeoutMs = 2_000) => controls.next(timeoutMs),
    close: () => wire.close(),
  };
}

/** Typed mode. */
export async function connectRawSocket(endpoint: RawSocketEndpoint, serializerId: SerializerId): Promise<ClientConnection> {
  return wireConnection(await openRawSocket(endpoint, serializerId));
}
