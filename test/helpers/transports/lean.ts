/**
 * Lean mode: a WAMP session over any Wire (wire.ts) for load generation. One callback for every
 * message, no promise per message, no feature negotiation, no retries: a benchmark should measure
 * the router, not the client. The bench's load generators (bench/router/, bench/tasks/) use it.
 *
 *   const client = await connectLean({ url: 'ws://127.0.0.1:PORT/ws', realm: 'realm1', serializer: 'json' });
 *   client.onMessage = (message) => { ... };
 *   client.send({ type: MessageType.CALL, request: client.nextRequestId(), options: {}, procedure, args });
 *
 * URLs: ws://… (WebSocket), http://…/lp (long-poll, unbatched), rs://host:port and
 * rs://unix:/path/to.sock (RawSocket over TCP or a Unix socket, as autobahn writes them).
 */
import { subprotocolFor } from '../../../shared/serializers/index.ts';
import type { SerializerId } from '../../../shared/serializers/serializer.ts';
import { decode, encode } from '../../../shared/wamp/codec.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import type { Dict, WampMessage } from '../../../shared/wamp/messages.ts';
import type { JoinOptions } from '../wamp-test-types.ts';
import { LEAN_ROLES, helloDetails } from './hello.ts';
import { openLongPoll } from './longpoll.ts';
import { openRawSocket, type RawSocketEndpoint } from './rawsocket.ts';
import type { Wire } from './wire.ts';
import { openWebSocket } from './websocket.ts';

export interface LeanJoinOptions extends JoinOptions {
  /** HELLO.Details.roles. @default caller, callee, publisher and subscriber, without features */
  readonly roles?: Dict;
  /** @default 10_000 */
  readonly timeoutMs?: number;
}

export class LeanClient {
  readonly sessionId: number;
  /** Every message after WELCOME, in arrival order. */
  onMessage: (message: WampMessage) => void = () => undefined;
  /** The transport closed without close() being called (the router ended it, or it broke). */
  onClose: (reason: string) => void = () => undefined;
  readonly #wire: Wire;
  #lastRequest = 0;
  #closing = false;

  constructor(wire: Wire, sessionId: number) {
    this.#wire = wire;
    this.sessionId = sessionId;
    wire.onArray = (array) => { this.onMessage(decode(array)); };
    wire.onClose = (reason) => { if (!this.#closing) this.onClose(reason); };
  }

  /** Session-scope request ids: 1, 2, … (spec: basic/building_blocks.md "IDs"). */
  nextRequestId(): number {
    this.#lastRequest += 1;
    return this.#lastRequest;
  }

  send(message: WampMessage): void {
    this.#wire.sendArray(encode(message));
  }

  /** A request that waits for one reply of `replyType` (setup only: REGISTER, SUBSCRIBE); rejects on ERROR. */
  request(message: WampMessage, replyType: number, timeoutMs = 10_000): Promise<WampMessage> {
    return new Promise((resolve, reject) => {
      const previous = this.onMessage;
      const timer = setTimeout(() => {
        this.onMessage = previous;
        reject(new Error(`no reply of type ${replyType} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.onMessage = (reply) => {
        if (reply.type !== replyType && reply.type !== MessageType.ERROR) return;
        clearTimeout(timer);
        this.onMessage = previous;
        if (reply.type === MessageType.ERROR) reject(new Error(`request failed: ${reply.error}`));
        else resolve(reply);
      };
      this.send(message);
    });
  }

  /** Close the transport and resolve once it is gone. */
  close(): Promise<void> {
    this.#closing = true;
    return this.#wire.close();
  }
}

/**
 * HELLO (+ CHALLENGE → AUTHENTICATE with `onChallenge`) → WELCOME on an open wire; on anything else,
 * a close or the timeout, closes the wire and rejects.
 */
export function joinLean(wire: Wire, options: LeanJoinOptions): Promise<LeanClient> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const details = helloDetails({ authmethods: ['anonymous'], ...options }, options.roles ?? LEAN_ROLES);
  return new Promise((resolve, reject) => {
    const failWith = (err: Error): void => {
      clearTimeout(timer);
      wire.onArray = () => undefined;
      wire.onClose = () => undefined;
      void wire.close();
      reject(err);
    };
    const timer = setTimeout(() => { failWith(new Error(`no WELCOME on ${wire.name} within ${timeoutMs} ms`)); }, timeoutMs);
    wire.onClose = (reason) => { failWith(new Error(`${wire.name} closed during the handshake: ${reason}`)); };
    wire.onArray = (array) => {
      const message = decode(array);
      if (message.type === MessageType.CHALLENGE && options.onChallenge) {
        wire.sendArray(encode({ type: MessageType.AUTHENTICATE, signature: options.onChallenge(message), extra: {} }));
      } else if (message.type === MessageType.WELCOME) {
        clearTimeout(timer);
        resolve(new LeanClient(wire, message.session));
      } else {
        failWith(new Error(`handshake failed: ${JSON.stringify(array)}`));
      }
    };
    wire.sendArray(encode({ type: MessageType.HELLO, realm: options.realm, details }));
  });
}

export function isRawSocketUrl(url: string): boolean {
  return url.startsWith('rs://');
}

/** `rs://unix:/p` → { path: '/p' }; `rs://host:port` → { host, port }. */
export function parseRawSocketUrl(url: string): RawSocketEndpoint {
  if (url.startsWith('rs://unix:')) return { path: url.slice('rs://unix:'.length) };
  const { hostname, port } = new URL(url);
  return { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) };
}

/** Open the wire `url` names (see the top of this file). */
export function openWire(url: string, serializer: SerializerId): Promise<Wire> {
  if (isRawSocketUrl(url)) return openRawSocket(parseRawSocketUrl(url), serializer);
  if (url.startsWith('http')) return openLongPoll(url, subprotocolFor(serializer));
  return openWebSocket(url, subprotocolFor(serializer), { perMessageDeflate: false });
}

export interface LeanConnectOptions extends LeanJoinOptions {
  readonly url: string;
  readonly serializer: SerializerId;
}

/** Open the wire and join (anonymous unless `authmethods` say otherwise). */
export async function connectLean(options: LeanConnectOptions): Promise<LeanClient> {
  return joinLean(await openWire(options.url, options.serializer), options);
}

/** Open `count` sessions, at most `concurrency` handshakes at a time. */
export async function connectMany(options: LeanConnectOptions, count: number, concurrency: number): Promise<LeanClient[]> {
  const clients: LeanClient[] = [];
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < count) {
      started += 1;
      clients.push(await connectLean(options));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return clients;
}
