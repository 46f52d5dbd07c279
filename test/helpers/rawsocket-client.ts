/**
 * A tiny promise-based raw RawSocket client for transport and bad-input tests (the counterpart of
 * raw-ws-client.ts): handshake, then WAMP arrays in frames with no session logic, so tests can
 * send anything, including bad frames and bytes.
 *
 *   const client = await connectRawSocket({ host: '127.0.0.1', port }, 'cbor');
 *   client.send([1, 'realm1', { roles: { caller: {} } }]);
 *   expect((await client.next())[0]).to.equal(2);
 *   await client.close();
 */
import { connect, type Socket } from 'node:net';
import { serializerById } from '../../shared/serializers/index.ts';
import type { Serializer, SerializerId } from '../../shared/serializers/serializer.ts';
import {
  FrameDecoder, MAX_FRAME_LENGTH, SerializerCode, encodeFrame, type Frame, type FrameTypeName,
} from '../../router/transports/rawsocket-codec.ts';

export type RawSocketEndpoint = { readonly host: string; readonly port: number } | { readonly path: string };

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

export function openSocket(endpoint: RawSocketEndpoint): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = 'path' in endpoint ? connect({ path: endpoint.path }) : connect({ host: endpoint.host, port: endpoint.port });
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

export interface ConnectOptions {
  /** LENGTH nibble of our request: we receive at most 2^(9+L) octets. @default 15 */
  readonly lengthExponent?: number;
}

/** Connect and handshake; rejects with the reply in the message when the router refuses. */
export async function connectRawSocket(endpoint: RawSocketEndpoint, serializerId: SerializerId, options: ConnectOptions = {}): Promise<RawSocketClient> {
  const serializer = serializerById(serializerId);
  const socket = await openSocket(endpoint);
  socket.on('error', () => { /* surfaces as 'close' */ });
  const closed = new Promise<void>((resolve) => socket.once('close', () => { resolve(); }));
  let isClosed = false;
  void closed.then(() => { isClosed = true; });
  socket.write(Uint8Array.of(0x7f, ((options.lengthExponent ?? 15) << 4) | SerializerCode[serializerId], 0, 0));
  const { reply, rest } = await readReply(socket);
  if (reply[0] !== 0x7f || ((reply[1] ?? 0) & 0x0f) !== SerializerCode[serializerId]) {
    socket.destroy();
    throw new Error(`handshake refused: ${reply.toString('hex')}`);
  }
  const decoder = new FrameDecoder(MAX_FRAME_LENGTH);
  const messages: unknown[][] = [];
  const controls: Frame[] = [];
  const waiters: { wants: 'message' | 'control'; wake: () => void }[] = [];
  const onData = (chunk: Buffer): void => {
    const { frames, error } = decoder.push(chunk);
    for (const frame of frames) {
      if (frame.type === 'message') {
        const data = serializer.binary ? frame.payload : frame.payload.toString('utf8');
        messages.push(serializer.decode(data) as unknown[]);
      } else {
        controls.push(frame);
      }
    }
    if (error) socket.destroy(error);
    for (const waiter of waiters.splice(0)) waiter.wake();
  };
  socket.on('data', onData);
  void closed.then(() => { for (const waiter of waiters.splice(0)) waiter.wake(); });
  if (rest.length > 0) onData(rest);

  function waitFor<T>(queue: T[], wants: 'message' | 'control', timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => { reject(new Error(`no ${wants} within ${timeoutMs} ms`)); }, timeoutMs);
      const check = (): void => {
        const item = queue.shift();
        if (item !== undefined) {
          clearTimeout(deadline);
          resolve(item);
        } else if (isClosed) {
          clearTimeout(deadline);
          reject(new Error(`connection closed before a ${wants} arrived`));
        } else {
          waiters.push({ wants, wake: check });
        }
      };
      check();
    });
  }

  return {
    socket,
    serializer,
    reply,
    closed,
    get isClosed() {
      return isClosed;
    },
    send(message) {
      socket.write(encodeFrame('message', serializer.encode(message)));
    },
    sendFrame(type, payload) {
      socket.write(encodeFrame(type, payload));
    },
    sendRaw(bytes) {
      socket.write(bytes);
    },
    next(timeoutMs = 2_000) {
      return waitFor(messages, 'message', timeoutMs);
    },
    nextControl(timeoutMs = 2_000) {
      return waitFor(controls, 'control', timeoutMs);
    },
    async close() {
      socket.end();
      const timer = setTimeout(() => { socket.destroy(); }, 2_000);
      await closed;
      clearTimeout(timer);
    },
  };
}

function readReply(socket: Socket): Promise<{ reply: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < 4) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve({ reply: head.subarray(0, 4), rest: head.subarray(4) });
    };
    const onClose = (): void => { reject(new Error(`closed during the handshake after ${head.toString('hex') || 'no reply'}`)); };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
