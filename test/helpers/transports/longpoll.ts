/**
 * HTTP long-poll connector (spec: advanced/transport_http_longpoll.md), with its own batch framing
 * (JSON + 0x1E; uint32 length prefix for MessagePack/CBOR), independent of the router's codec:
 * - openLongPoll: the Wire (wire.ts) on node:http with a keep-alive agent: one `send` request at a
 *   time, in order (batched protocols send everything queued in one body), and one `receive`
 *   always held until the router answers 410 (session over) or we close (<transport>/close);
 * - probeLongPoll: raw mode on fetch for transport and bad-input tests: every request by hand,
 *   with its status, headers and body;
 * - connectLongPoll: typed mode (a ClientConnection for WampTestClient).
 *
 *   const client = await probeLongPoll('http://127.0.0.1:PORT/lp', ['wamp.2.json']);
 *   await client.send([1, 'realm1', { roles: { caller: {} } }]);
 *   expect((await client.next())[0]).to.equal(2);
 *   await client.close();
 */
import { Agent, request, type ClientRequest } from 'node:http';
import { serializerById } from '../../../shared/serializers/index.ts';
import type { Serializer, SerializerId } from '../../../shared/serializers/serializer.ts';
import { errorText, type ClientConnection } from './connection.ts';
import { CloseLatch, wireConnection, type Wire } from './wire.ts';

const RECORD_SEPARATOR = 0x1e;

/** A negotiated protocol, e.g. 'wamp.2.json' or 'wamp.2.msgpack.batched'. */
interface Framing {
  readonly serializer: Serializer;
  readonly batched: boolean;
}

function framingOf(protocol: string): Framing {
  const [, , serializerId = 'json', suffix] = protocol.split('.');
  return { serializer: serializerById(serializerId as SerializerId), batched: suffix === 'batched' };
}

/** One request body: a single message, or a batch on .batched protocols. */
export function frameBody({ serializer, batched }: Framing, messages: readonly (readonly unknown[])[]): string | Uint8Array {
  const encoded = messages.map((m) => serializer.encode(m));
  if (!batched) return encoded[0] ?? '';
  if (!serializer.binary) return encoded.map((e) => `${e as string}\u001e`).join('');
  return Buffer.concat(encoded.map((e) => {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE((e as Uint8Array).byteLength);
    return Buffer.concat([prefix, e as Uint8Array]);
  }));
}

/** Split a receive body into messages. */
export function unframe(serializer: Serializer, batched: boolean, body: Uint8Array): unknown[][] {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const one = (bytes: Buffer): unknown[] => serializer.decode(serializer.binary ? bytes : bytes.toString('utf8')) as unknown[];
  if (!batched) return [one(buf)];
  const out: unknown[][] = [];
  if (!serializer.binary && buf.at(-1) !== RECORD_SEPARATOR) throw new Error('JSON batch without a trailing 0x1E');
  for (let offset = 0; offset < buf.byteLength;) {
    if (serializer.binary) {
      const length = buf.readUInt32BE(offset);
      out.push(one(buf.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    } else {
      const end = buf.indexOf(RECORD_SEPARATOR, offset);
      out.push(one(buf.subarray(offset, end)));
      offset = end + 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Wire and typed mode

export interface LongPollWire extends Wire {
  /** The transport id the router gave at open. */
  readonly transport: string;
  readonly protocol: string;
}

interface Reply { readonly status: number; readonly body: Buffer }

function httpPost(agent: Agent, url: URL, body: string | Uint8Array | undefined, started?: (req: ClientRequest) => void): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks) }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    started?.(req);
    req.end(body);
  });
}

/** POST <base>/open offering `protocol` and start receiving. */
export async function openLongPoll(base: string, protocol: string): Promise<LongPollWire> {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  let opened: Reply;
  try {
    opened = await httpPost(agent, new URL(`${base}/open`), JSON.stringify({ protocols: [protocol] }));
  } catch (err) {
    agent.destroy();
    throw err;
  }
  const fail = (message: string): never => {
    agent.destroy();
    throw new Error(message);
  };
  if (opened.status !== 200) fail(`long-poll open failed with HTTP ${opened.status}: ${opened.body.toString('utf8')}`);
  const { protocol: chosen, transport } = JSON.parse(opened.body.toString('utf8')) as { protocol: string; transport: string };
  if (chosen !== protocol) fail(`negotiated '${chosen}', expected '${protocol}'`);
  const framing = framingOf(protocol);
  const { serializer, batched } = framing;
  const sendUrl = new URL(`${base}/${transport}/send`);
  const receiveUrl = new URL(`${base}/${transport}/receive`);
  const closeUrl = new URL(`${base}/${transport}/close`);
  const latch = new CloseLatch();
  const outbox: (readonly unknown[])[] = [];
  let sending: Promise<void> | undefined;
  let receiving: ClientRequest | undefined;
  let closing: Promise<void> | undefined;

  const end = (reason: string): void => { latch.end(reason, wire.onClose); };
  const pump = async (): Promise<void> => {
    try {
      while (outbox.length > 0 && closing === undefined) {
        const batch = batched ? outbox.splice(0) : outbox.splice(0, 1);
        const res = await httpPost(agent, sendUrl, frameBody(framing, batch));
        if (res.status !== 204) end(`long-poll send answered HTTP ${res.status}`);
      }
    } catch (err) {
      end(`long-poll send failed: ${errorText(err)}`);
    } finally {
      sending = undefined;
    }
  };
  const receive = async (): Promise<void> => {
    try {
      while (!latch.isClosed && closing === undefined) {
        const res = await httpPost(agent, receiveUrl, undefined, (req) => { receiving = req; });
        receiving = undefined;
        if (res.status === 204) continue;
        if (res.status !== 200) {
          end(res.status === 410 ? 'long-poll session ended (410)' : `long-poll receive answered HTTP ${res.status}`);
          return;
        }
        let messages: unknown[][];
        try {
          messages = unframe(serializer, batched, res.body);
        } catch (err) {
          end(`undecodable message from the router: ${errorText(err)}`);
          return;
        }
        for (const message of messages) {
          if (latch.isClosed) return;
          wire.onArray(message);
        }
      }
    } catch (err) {
      end(closing === undefined ? `long-poll receive failed: ${errorText(err)}` : 'long-poll closed by the client');
    }
  };

  const wire: LongPollWire = {
    name: `longpoll/${serializer.id}${batched ? '.batched' : ''}`,
    transport,
    protocol,
    onArray: () => undefined,
    onClose: () => undefined,
    get isClosed() {
      return latch.isClosed;
    },
    closed: latch.closed,
    sendArray(message) {
      if (latch.isClosed || closing !== undefined) return;
      outbox.push(message);
      sending ??= pump();
    },
    close() {
      closing ??= (async () => {
        await sending;
        receiving?.destroy();
        await receiver;
        end('long-poll closed by the client');
        try {
          await httpPost(agent, closeUrl, undefined); // 204, or 404 once the router has forgotten the transport
        } catch { /* the router is gone: nothing to close */ }
        agent.destroy();
      })();
      return closing;
    },
  };
  const receiver = receive();
  return wire;
}

/** Typed mode; `protocol` e.g. 'wamp.2.json' or 'wamp.2.msgpack.batched'. */
export async function connectLongPoll(base: string, protocol: string): Promise<ClientConnection> {
  return wireConnection(await openLongPoll(base, protocol));
}

// ---------------------------------------------------------------------------------------------
// Raw mode

export interface Received {
  readonly status: number;
  readonly headers: Headers;
  readonly messages: unknown[][];
}

export interface LongPollClient {
  /** <base>/<transport> */
  readonly url: string;
  readonly transport: string;
  readonly protocol: string;
  /** POST one message (framed as a batch of one on .batched protocols); resolves with the status. */
  send(message: readonly unknown[]): Promise<number>;
  /** POST several messages in one batched body. */
  sendBatch(messages: readonly (readonly unknown[])[]): Promise<number>;
  /** POST `body` as is to <transport>/send. */
  sendRaw(body: string | Uint8Array): Promise<Response>;
  /** One receive request: its status and the messages in its body. */
  receive(signal?: AbortSignal): Promise<Received>;
  /** The next message, polling as needed; extra messages of a batch are kept for later calls. */
  next(timeoutMs?: number): Promise<unknown[]>;
  /** POST <transport>/close; resolves with the status. */
  close(): Promise<number>;
}

/** A POST with fetch. */
export async function post(url: string, body?: string | Uint8Array, init: RequestInit = {}): Promise<Response> {
  const payload = body === undefined || typeof body === 'string' ? body : new Uint8Array(body); // an ArrayBuffer-backed copy for BodyInit
  return fetch(url, { method: 'POST', ...(payload === undefined ? {} : { body: payload }), ...init });
}

async function drain(res: Response): Promise<Response> {
  await res.arrayBuffer();
  return res;
}

export async function probeLongPoll(base: string, protocols: readonly string[]): Promise<LongPollClient> {
  const res = await post(`${base}/open?x=${Math.random()}`, JSON.stringify({ protocols }));
  if (res.status !== 200) throw new Error(`open failed with HTTP ${res.status}: ${await res.text()}`);
  const opened = await res.json() as { protocol: string; transport: string };
  const framing = framingOf(opened.protocol);
  const url = `${base}/${opened.transport}`;
  const pending: unknown[][] = [];

  const client: LongPollClient = {
    url,
    transport: opened.transport,
    protocol: opened.protocol,
    async send(message) {
      return (await drain(await post(`${url}/send`, frameBody(framing, [message])))).status;
    },
    async sendBatch(messages) {
      return (await drain(await post(`${url}/send`, frameBody(framing, messages)))).status;
    },
    sendRaw(body) {
      return post(`${url}/send`, body);
    },
    async receive(signal) {
      const got = await post(`${url}/receive?x=${Math.random()}`, undefined, signal ? { signal } : {});
      const body = new Uint8Array(await got.arrayBuffer());
      return { status: got.status, headers: got.headers, messages: got.status === 200 ? unframe(framing.serializer, framing.batched, body) : [] };
    },
    async next(timeoutMs = 3_000) {
      const deadline = Date.now() + timeoutMs;
      while (pending.length === 0) {
        if (Date.now() > deadline) throw new Error(`no message within ${timeoutMs} ms`);
        const got = await client.receive(AbortSignal.timeout(Math.max(1, deadline - Date.now())));
        if (got.status !== 200 && got.status !== 204) throw new Error(`receive failed with HTTP ${got.status}`);
        pending.push(...got.messages);
      }
      return pending.shift() ?? [];
    },
    async close() {
      return (await drain(await post(`${url}/close`))).status;
    },
  };
  return client;
}
