/**
 * Bad input and CORS on the long-poll transport: each refusal gets its HTTP status, a bad WAMP
 * body also ends that session (ABORT), and a bystander session on the same service keeps working.
 */
import { expect } from 'chai';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { probeLongPoll as openLongPoll, post, type LongPollClient } from '../helpers/transports/longpoll.ts';
import { ALLOWED_ORIGIN, MAX_MESSAGE, joinLongPoll, startLongPollRouter, until, type LongPollFixture } from './longpoll-fixture.ts';

const UNKNOWN_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('WAMP long-poll transport: bad input and CORS', () => {
  let lp: LongPollFixture;
  let bystander: LongPollClient;
  let request = 0;

  before(async () => {
    lp = await startLongPollRouter();
    bystander = (await joinLongPoll(lp.base)).client;
  });
  afterEach('the bystander session still works', async () => {
    request += 1;
    expect(await bystander.send([M.PUBLISH, request, { acknowledge: true }, 'com.lp.alive'])).to.equal(204);
    const published = await bystander.next();
    expect([published[0], published[1]]).to.deep.equal([M.PUBLISHED, request]);
  });
  after(async () => {
    await bystander.close();
    await lp.close();
  });

  /** Join, send `body` raw, expect `status`, then the session's ABORT with `reason` via receive. */
  async function expectAbort(body: string | Uint8Array, status: number, reason: string, protocol = 'wamp.2.json'): Promise<string> {
    const before = lp.router.sessionCount;
    const { client } = await joinLongPoll(lp.base, protocol);
    const res = await client.sendRaw(body);
    const text = await res.text();
    expect(res.status).to.equal(status);
    await until(() => lp.router.sessionCount === before);
    const abort = await client.next();
    expect([abort[0], abort[2]]).to.deep.equal([M.ABORT, reason]);
    expect(await client.close()).to.equal(204);
    return text;
  }

  it('answers 404 to send, receive and close on an unknown transport id', async () => {
    for (const op of ['send', 'receive', 'close']) {
      const res = await post(`${lp.base}/${UNKNOWN_ID}/${op}`, '[1]');
      expect([op, res.status, await res.text()]).to.deep.equal([op, 404, 'No such long-poll transport.\n']);
    }
  });

  it('answers 404 to a resource that does not exist below the service path', async () => {
    for (const path of ['', '/nope', `/${UNKNOWN_ID}/bogus`, `/${bystander.transport}/send/more`]) {
      expect((await post(`${lp.base}${path}`)).status, path).to.equal(404);
    }
  });

  it('answers 405 with Allow: POST, OPTIONS to other methods', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${lp.base}/open`, { method });
      expect([method, res.status, res.headers.get('allow')]).to.deep.equal([method, 405, 'POST, OPTIONS']);
    }
  });

  it('answers 400 to an open without a shared protocol, without protocols, or with a body that is not JSON', async () => {
    const cases = [JSON.stringify({ protocols: ['wamp.2.ubjson', 'mqtt'] }), JSON.stringify({}), 'not json', JSON.stringify(null)];
    for (const body of cases) expect((await post(`${lp.base}/open`, body)).status, body).to.equal(400);
  });

  it('answers 413 to an open body over 64 KiB', async () => {
    expect((await post(`${lp.base}/open`, JSON.stringify({ protocols: ['wamp.2.json'], pad: 'x'.repeat(70_000) }))).status).to.equal(413);
  });

  it('answers 400 to a send that is not JSON and aborts the session with protocol_violation', async () => {
    expect(await expectAbort('[1, "realm1"', 400, WampErrorUri.protocolViolation)).to.match(/^Invalid wamp\.2\.json body: invalid JSON/);
  });

  it('answers 400 to a send that is not a valid WAMP message and aborts the session', async () => {
    await expectAbort('[9999, {}]', 400, WampErrorUri.protocolViolation);
  });

  it('answers 400 to a JSON batch whose last message lacks the 0x1E separator', async () => {
    await expectAbort('[16,1,{},"com.lp.a"]\u001e[16,2,{},"com.lp.b"]', 400, WampErrorUri.protocolViolation, 'wamp.2.json.batched');
  });

  it('answers 400 to a MessagePack batch with a truncated entry', async () => {
    await expectAbort(Uint8Array.of(0, 0, 0, 9, 0x93, 0x10, 0x01), 400, WampErrorUri.protocolViolation, 'wamp.2.msgpack.batched');
  });

  it('answers 400 to an empty send body', async () => {
    await expectAbort('', 400, WampErrorUri.protocolViolation);
  });

  it('answers 413 to a send over maxMessageSize and ends the session with payload_size_exceeded', async () => {
    await expectAbort(JSON.stringify([16, 1, {}, 'com.lp.big', ['x'.repeat(MAX_MESSAGE)]]), 413, WampErrorUri.payloadSizeExceeded);
  });

  it('answers 413 to a chunked send over maxMessageSize, counted while reading', async () => {
    const before = lp.router.sessionCount;
    const { client } = await joinLongPoll(lp.base);
    const chunk = new Uint8Array(1024).fill(0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.byteLength;
        if (sent > 4 * MAX_MESSAGE) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${client.url}/send`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(res.status).to.equal(413);
    await res.arrayBuffer();
    await until(() => lp.router.sessionCount === before);
    expect(await client.close()).to.equal(204);
  });

  describe('CORS', () => {
    it('echoes an allowed origin with credentials and Vary: Origin, never *', async () => {
      const res = await post(`${lp.base}/open`, JSON.stringify({ protocols: ['wamp.2.json'] }), { headers: { origin: ALLOWED_ORIGIN } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('access-control-allow-origin')).to.equal(ALLOWED_ORIGIN);
      expect(res.headers.get('access-control-allow-credentials')).to.equal('true');
      expect(res.headers.get('vary')).to.equal('Origin');
      const { transport } = await res.json() as { transport: string };
      expect((await post(`${lp.base}/${transport}/close`, undefined, { headers: { origin: ALLOWED_ORIGIN } })).headers.get('access-control-allow-origin')).to.equal(ALLOWED_ORIGIN);
    });

    it('answers a preflight from an allowed origin with the allowed method and Content-Type', async () => {
      const res = await fetch(`${lp.base}/open`, {
        method: 'OPTIONS',
        headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(res.status).to.equal(204);
      expect(res.headers.get('access-control-allow-origin')).to.equal(ALLOWED_ORIGIN);
      expect(res.headers.get('access-control-allow-methods')).to.equal('POST, OPTIONS');
      expect(res.headers.get('access-control-allow-headers')).to.equal('Content-Type');
    });

    it('refuses requests and preflights from other origins with 403 and no CORS headers', async () => {
      for (const origin of ['http://evil.example', 'null', 'http://app.example:8081']) {
        const open = await post(`${lp.base}/open`, JSON.stringify({ protocols: ['wamp.2.json'] }), { headers: { origin } });
        const preflight = await fetch(`${lp.base}/open`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
        for (const res of [open, preflight]) {
          expect([origin, res.status, res.headers.get('access-control-allow-origin')]).to.deep.equal([origin, 403, null]);
        }
      }
    });

    it('serves a same-origin request (Origin matches Host) without CORS headers', async () => {
      const client = await openLongPoll(lp.base, ['wamp.2.json']);
      const res = await post(`${client.url}/close`, undefined, { headers: { origin: `http://127.0.0.1:${lp.listener.address.port}` } });
      expect([res.status, res.headers.get('access-control-allow-origin')]).to.deep.equal([204, null]);
    });
  });
});
