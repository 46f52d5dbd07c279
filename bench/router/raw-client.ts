/**
 * A lean WAMP client for load generation: `ws` + our serializers + our codec, nothing else.
 * No promises per message, no feature negotiation, no retries: the benchmark should measure the
 * router, not the client (autobahn-js would add its own per-message overhead).
 */
import { WebSocket } from 'ws';
import { decode, encode } from '../../shared/wamp/codec.ts';
import { serializerById, subprotocolFor } from '../../shared/serializers/index.ts';
import type { Serializer, SerializerId } from '../../shared/serializers/serializer.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';

export interface ConnectOptions {
  readonly url: string;
  readonly realm: string;
  readonly serializer: SerializerId;
  /** @default 10_000 */
  readonly timeoutMs?: number;
}

// spec: basic/sessions.md (HELLO.Details.roles is required and non-empty)
const ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} } as const;

export class RawWampClient {
  readonly sessionId: number;
  /** Every message after WELCOME, in arrival order. */
  onMessage: (message: WampMessage) => void = () => undefined;
  readonly #ws: WebSocket;
  readonly #serializer: Serializer;
  #lastRequest = 0;

  constructor(ws: WebSocket, serializer: Serializer, sessionId: number) {
    this.#ws = ws;
    this.#serializer = serializer;
    this.sessionId = sessionId;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.onMessage(decodeFrame(serializer, data, isBinary));
    });
  }

  /** Session-scope request ids: 1, 2, … (spec: basic/building_blocks.md "IDs"). */
  nextRequestId(): number {
    this.#lastRequest += 1;
    return this.#lastRequest;
  }

  send(message: WampMessage): void {
    this.#ws.send(this.#serializer.encode(encode(message)));
  }

  /** Close the WebSocket and resolve once it is closed (forcibly after 2 s). */
  close(): Promise<void> {
    const ws = this.#ws;
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
      }, 2000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000);
    });
  }
}

function decodeFrame(serializer: Serializer, data: Buffer, isBinary: boolean): WampMessage {
  return decode(serializer.decode(isBinary ? data : data.toString('utf8')));
}

/** Open a WebSocket, send HELLO (anonymous) and resolve on WELCOME; reject on ABORT, error or timeout. */
export function connectRaw(options: ConnectOptions): Promise<RawWampClient> {
  const serializer = serializerById(options.serializer);
  const ws = new WebSocket(options.url, [subprotocolFor(options.serializer)], { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    const failWith = (err: Error): void => {
      clearTimeout(timer);
      ws.removeAllListeners('message');
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(() => {
      failWith(new Error(`no WELCOME from ${options.url} within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    ws.once('error', failWith);
    ws.once('open', () => {
      ws.send(serializer.encode(encode({
        type: MessageType.HELLO, realm: options.realm, details: { roles: ROLES, authmethods: ['anonymous'] },
      })));
    });
    ws.once('message', (data: Buffer, isBinary: boolean) => {
      const message = decodeFrame(serializer, data, isBinary);
      if (message.type !== MessageType.WELCOME) {
        failWith(new Error(`handshake failed: ${JSON.stringify(encode(message))}`));
        return;
      }
      clearTimeout(timer);
      ws.off('error', failWith);
      ws.off('close', onClose);
      ws.on('error', () => undefined); // a reset while closing is not a benchmark failure
      resolve(new RawWampClient(ws, serializer, message.session));
    });
    const onClose = (): void => {
      failWith(new Error(`connection to ${options.url} closed during the handshake`));
    };
    ws.once('close', onClose);
  });
}

/** Open `count` sessions, at most `concurrency` handshakes at a time. */
export async function connectMany(options: ConnectOptions, count: number, concurrency: number): Promise<RawWampClient[]> {
  const clients: RawWampClient[] = [];
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < count) {
      started += 1;
      clients.push(await connectRaw(options));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return clients;
}

/** A session-scope request that waits for one reply of `type` (setup only: REGISTER, SUBSCRIBE). */
export function request(client: Pick<RawWampClient, 'onMessage' | 'send'>, message: WampMessage, replyType: number, timeoutMs = 10_000): Promise<WampMessage> {
  return new Promise((resolve, reject) => {
    const previous = client.onMessage;
    const timer = setTimeout(() => {
      client.onMessage = previous;
      reject(new Error(`no reply of type ${replyType} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.onMessage = (reply) => {
      if (reply.type !== replyType && reply.type !== MessageType.ERROR) return;
      clearTimeout(timer);
      client.onMessage = previous;
      if (reply.type === MessageType.ERROR) reject(new Error(`request failed: ${reply.error}`));
      else resolve(reply);
    };
    client.send(message);
  });
}
