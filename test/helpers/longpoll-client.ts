/**
 * A tiny WAMP long-poll client on `fetch` for transport and bad-input tests: it speaks the wire
 * protocol (spec: advanced/transport_http_longpoll.md) at the array level, with its own batch
 * framing (JSON + 0x1E; uint32 length prefix for MessagePack/CBOR), so tests can send anything.
 *
 *   const client = await openLongPoll('http://127.0.0.1:PORT/lp', ['wamp.2.json']);
 *   await client.send([1, 'realm1', { roles: { caller: {} } }]);
 *   expect((await client.next())[0]).to.equal(2);
 *   await client.close();
 */
import { serializerById } from '../../shared/serializers/index.ts';
import type { Serializer, SerializerId } from '../../shared/serializers/serializer.ts';

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

export async function post(url: string, body?: string | Uint8Array, init: RequestInit = {}): Promise<Response> {
  const payload = body === undefined || typeof body === 'string' ? body : new Uint8Array(body); // an ArrayBuffer-backed copy for BodyInit
  return fetch(url, { method: 'POST', ...(payload === undefined ? {} : { body: payload }), ...init });
}

export async function openLongPoll(base: string, protocols: readonly string[]): Promise<LongPollClient> {
  const res = await post(`${base}/open?x=${Math.random()}`, JSON.stringify({ protocols }));
  if (res.status !== 200) throw new Error(`open failed with HTTP ${res.status}: ${await res.text()}`);
  const opened = await res.json() as { protocol: string; transport: string };
  const batched = opened.protocol.endsWith('.batched');
  const serializer = serializerById(opened.protocol.split('.')[2] as SerializerId);
  const url = `${base}/${opened.transport}`;
  const pending: unknown[][] = [];

  const frame = (messages: readonly (readonly unknown[])[]): string | Uint8Array => {
    const encoded = messages.map((m) => serializer.encode(m));
    if (!batched) return encoded[0] ?? '';
    if (!serializer.binary) return encoded.map((e) => `${e as string}\u001e`).join('');
    return Buffer.concat(encoded.map((e) => {
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE((e as Uint8Array).byteLength);
      return Buffer.concat([prefix, e as Uint8Array]);
    }));
  };

  const client: LongPollClient = {
    url,
    transport: opened.transport,
    protocol: opened.protocol,
    async send(message) {
      return (await drain(await post(`${url}/send`, frame([message])))).status;
    },
    async sendBatch(messages) {
      return (await drain(await post(`${url}/send`, frame(messages)))).status;
    },
    sendRaw(body) {
      return post(`${url}/send`, body);
    },
    async receive(signal) {
      const res = await post(`${url}/receive?x=${Math.random()}`, undefined, signal ? { signal } : {});
      const body = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, messages: res.status === 200 ? unframe(serializer, batched, body) : [] };
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

async function drain(res: Response): Promise<Response> {
  await res.arrayBuffer();
  return res;
}

/** Split a receive body into messages, independently of the router's codec. */
export function unframe(serializer: Serializer, batched: boolean, body: Uint8Array): unknown[][] {
  const decode = (bytes: Uint8Array): unknown[] =>
    serializer.decode(serializer.binary ? bytes : Buffer.from(bytes).toString('utf8')) as unknown[];
  if (!batched) return [decode(body)];
  const out: unknown[][] = [];
  if (!serializer.binary) {
    const text = Buffer.from(body).toString('utf8');
    if (!text.endsWith('\u001e')) throw new Error('JSON batch without a trailing 0x1E');
    for (const part of text.slice(0, -1).split('\u001e')) out.push(serializer.decode(part) as unknown[]);
    return out;
  }
  const buf = Buffer.from(body);
  for (let offset = 0; offset < buf.byteLength;) {
    const length = buf.readUInt32BE(offset);
    out.push(decode(buf.subarray(offset + 4, offset + 4 + length)));
    offset += 4 + length;
  }
  return out;
}
