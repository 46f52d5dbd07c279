/**
 * A lean WAMP long-poll client for load generation (spec: advanced/transport_http_longpoll.md):
 * node:http with a keep-alive agent + our serializers + our codec. One receive is always held
 * open; sends go out one POST at a time, in order (unbatched protocol). Same surface as
 * raw-client.ts's RawWampClient (see LeanWampClient), so caller.ts can use either.
 */
import { Agent, request } from 'node:http';
import { decode, encode } from '../../shared/wamp/codec.ts';
import { serializerById, subprotocolFor } from '../../shared/serializers/index.ts';
import type { Serializer } from '../../shared/serializers/serializer.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import type { ConnectOptions } from './raw-client.ts';

/** What the load generators use of a client, over either transport. */
export interface LeanWampClient {
  readonly sessionId: number;
  onMessage: (message: WampMessage) => void;
  nextRequestId(): number;
  send(message: WampMessage): void;
  close(): Promise<void>;
}

// spec: basic/sessions.md (HELLO.Details.roles is required and non-empty)
const ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} } as const;

interface Reply { readonly status: number; readonly body: Buffer }

function post(agent: Agent, url: URL, body: string | Uint8Array | undefined): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

class RawLongPollClient implements LeanWampClient {
  sessionId = 0;
  onMessage: (message: WampMessage) => void = () => undefined;
  onError: (err: Error) => void = () => undefined;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 2 });
  readonly #base: URL;
  readonly #serializer: Serializer;
  readonly #outbox: (string | Uint8Array)[] = [];
  #sending = false;
  #closed = false;
  #lastRequest = 0;

  constructor(base: URL, serializer: Serializer) {
    this.#base = base;
    this.#serializer = serializer;
  }

  nextRequestId(): number {
    this.#lastRequest += 1;
    return this.#lastRequest;
  }

  send(message: WampMessage): void {
    this.#outbox.push(this.#serializer.encode(encode(message)));
    if (!this.#sending) void this.#drain();
  }

  /** Keep one receive held open until close. */
  async poll(): Promise<void> {
    while (!this.#closed) {
      let reply: Reply;
      try {
        reply = await post(this.#agent, new URL('receive', this.#base), undefined);
      } catch (err) {
        if (!this.#closed) this.onError(err as Error);
        return;
      }
      if (reply.status === 200) {
        const data = this.#serializer.binary ? reply.body : reply.body.toString('utf8');
        this.onMessage(decode(this.#serializer.decode(data)));
      } else if (reply.status !== 204) {
        if (!this.#closed) this.onError(new Error(`receive answered HTTP ${reply.status}`));
        return;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await post(this.#agent, new URL('close', this.#base), undefined);
    } finally {
      this.#agent.destroy();
    }
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    try {
      for (let body = this.#outbox.shift(); body !== undefined && !this.#closed; body = this.#outbox.shift()) {
        const reply = await post(this.#agent, new URL('send', this.#base), body);
        if (reply.status !== 204) throw new Error(`send answered HTTP ${reply.status}`);
      }
    } catch (err) {
      if (!this.#closed) this.onError(err as Error);
    } finally {
      this.#sending = false;
    }
  }
}

/** Open a transport at `options.url` (http://…/lp), send HELLO (anonymous), resolve on WELCOME. */
export async function connectLongPoll(options: ConnectOptions): Promise<LeanWampClient> {
  const serializer = serializerById(options.serializer);
  const openAgent = new Agent({ keepAlive: false });
  const opened = await post(openAgent, new URL(`${options.url}/open`), JSON.stringify({ protocols: [subprotocolFor(options.serializer)] }))
    .finally(() => { openAgent.destroy(); });
  if (opened.status !== 200) throw new Error(`long-poll open answered HTTP ${opened.status}: ${opened.body.toString('utf8')}`);
  const { transport } = JSON.parse(opened.body.toString('utf8')) as { transport: string };
  const client = new RawLongPollClient(new URL(`${options.url}/${transport}/`), serializer);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const welcome = new Promise<WampMessage>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no WELCOME from ${options.url} within ${timeoutMs} ms`)); }, timeoutMs);
    client.onMessage = (message) => {
      clearTimeout(timer);
      resolve(message);
    };
    client.onError = (err) => {
      clearTimeout(timer);
      reject(err);
    };
  });
  void client.poll();
  client.send({ type: MessageType.HELLO, realm: options.realm, details: { roles: ROLES, authmethods: ['anonymous'] } });
  try {
    const message = await welcome;
    if (message.type !== MessageType.WELCOME) throw new Error(`handshake failed: ${JSON.stringify(encode(message))}`);
    client.sessionId = message.session;
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
  client.onMessage = () => undefined;
  client.onError = (err) => { throw err; }; // an unhandled rejection: the bench child reports it and exits
  return client;
}
