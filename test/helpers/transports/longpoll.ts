/**
 * ClientConnection over HTTP long-poll (spec: advanced/transport_http_longpoll.md) with fetch:
 * POST <base>/open, then one `send` request at a time (so the router sees messages in order;
 * batched protocols send everything queued in one body) and a `receive` loop until the router
 * answers 410 (session over) or we close (<transport>/close).
 */
import { serializerById } from '../../../shared/serializers/index.ts';
import type { SerializerId } from '../../../shared/serializers/serializer.ts';
import { decode, encode } from '../../../shared/wamp/codec.ts';
import type { WampMessage } from '../../../shared/wamp/messages.ts';
import { Inbox, errorText, type ClientConnection } from './connection.ts';

const RECORD_SEPARATOR = 0x1e;

function post(url: string, body?: string | Uint8Array, signal?: AbortSignal): Promise<Response> {
  const payload = body === undefined || typeof body === 'string' ? body : new Uint8Array(body);
  return fetch(url, { method: 'POST', ...(payload === undefined ? {} : { body: payload }), ...(signal ? { signal } : {}) });
}

/** `protocol` e.g. 'wamp.2.json' or 'wamp.2.msgpack.batched'. */
export async function connectLongPoll(base: string, protocol: string): Promise<ClientConnection> {
  const opened = await post(`${base}/open`, JSON.stringify({ protocols: [protocol] }));
  if (opened.status !== 200) throw new Error(`long-poll open failed with HTTP ${opened.status}: ${await opened.text()}`);
  const { protocol: chosen, transport } = await opened.json() as { protocol: string; transport: string };
  if (chosen !== protocol) throw new Error(`negotiated '${chosen}', expected '${protocol}'`);
  const [, , serializerId = 'json', suffix] = protocol.split('.');
  const serializer = serializerById(serializerId as SerializerId);
  const batched = suffix === 'batched';
  const url = `${base}/${transport}`;
  const inbox = new Inbox();
  const outbox: WampMessage[] = [];
  const receiving = new AbortController();
  let sending: Promise<void> | undefined;
  let closing = false;
  let closed: Promise<void> | undefined;

  const bodyOf = (messages: readonly WampMessage[]): string | Uint8Array => {
    const encoded = messages.map((m) => serializer.encode(encode(m)));
    if (!batched) return encoded[0] ?? '';
    if (!serializer.binary) return encoded.map((e) => `${e as string}\u001e`).join('');
    return Buffer.concat(encoded.map((e) => {
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE((e as Uint8Array).byteLength);
      return Buffer.concat([prefix, e as Uint8Array]);
    }));
  };
  const messagesOf = (body: Buffer): WampMessage[] => {
    const one = (bytes: Buffer): WampMessage => decode(serializer.decode(serializer.binary ? bytes : bytes.toString('utf8')));
    if (!batched) return [one(body)];
    const out: WampMessage[] = [];
    for (let offset = 0; offset < body.length;) {
      if (serializer.binary) {
        const length = body.readUInt32BE(offset);
        out.push(one(body.subarray(offset + 4, offset + 4 + length)));
        offset += 4 + length;
      } else {
        const end = body.indexOf(RECORD_SEPARATOR, offset);
        if (end < 0) throw new Error('JSON batch without a trailing 0x1E');
        out.push(one(body.subarray(offset, end)));
        offset = end + 1;
      }
    }
    return out;
  };

  const pump = async (): Promise<void> => {
    while (outbox.length > 0) {
      const batch = batched ? outbox.splice(0) : outbox.splice(0, 1);
      const res = await post(`${url}/send`, bodyOf(batch));
      await res.arrayBuffer();
      if (res.status !== 204) inbox.end(`long-poll send answered HTTP ${res.status}`);
    }
    sending = undefined;
  };
  const receive = async (): Promise<void> => {
    try {
      while (!inbox.isClosed) {
        const res = await post(`${url}/receive`, undefined, receiving.signal);
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status === 204) continue;
        if (res.status !== 200) {
          inbox.end(res.status === 410 ? 'long-poll session ended (410)' : `long-poll receive answered HTTP ${res.status}`);
          return;
        }
        for (const message of messagesOf(body)) inbox.deliver(message);
      }
    } catch (err) {
      inbox.end(closing ? 'long-poll closed by the client' : `long-poll receive failed: ${errorText(err)}`);
    }
  };
  const receiver = receive();

  return {
    name: `longpoll/${serializerId}${batched ? '.batched' : ''}`,
    send(message) {
      if (inbox.isClosed || closing) return;
      outbox.push(message);
      sending ??= pump().catch((err: unknown) => { inbox.end(`long-poll send failed: ${errorText(err)}`); });
    },
    listen(listener) {
      inbox.listen(listener);
    },
    close() {
      closed ??= (async () => {
        closing = true;
        await sending;
        receiving.abort();
        await receiver;
        inbox.end('long-poll closed by the client');
        const res = await post(`${url}/close`);
        await res.arrayBuffer(); // 204, or 404 once the router has forgotten the transport
      })();
      return closed;
    },
  };
}
