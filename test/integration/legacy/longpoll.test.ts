/**
 * The legacy ASEXOR long poll (router/bridges/legacy-longpoll.ts; docs/legacy-longpoll.md) on its own
 * listener, in front of the real serve stack, driven by a client written from the protocol
 * description (test/helpers/legacy-lp-client.ts): sessions by cookie, calls, updates, errors, CORS,
 * expiry and shutdown. Plus the same handler mounted under a path of an HTTP route table.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBridgeContext, type BridgeContext, type LegacyListener } from '../../../router/bridges/context.ts';
import { createLegacyLongPoll } from '../../../router/bridges/legacy-longpoll.ts';
import { startLegacyLongPollListener } from '../../../router/bridges/legacy-longpoll-listener.ts';
import { HttpRouteTable } from '../../../router/transports/http-routes.ts';
import { legacyDefaults, type LegacyLongPollSettings } from '../../../shared/legacy/settings.ts';
import { silentLogger } from '../../../shared/logger.ts';
import {
  dataOf, finished, LegacyLpClient, lpRequest, parseSetCookie, type LegacyMessage, type LpResponse,
} from '../../helpers/legacy-lp-client.ts';
import { requestSeen } from '../../helpers/http-request-seen.ts';
import { startTestServer, USERS, type TestServer } from '../../helpers/start-server.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { joinAs, subscribeStatus, terminalOf } from '../../helpers/worker-clients.ts';

const POLL_TIMEOUT_MS = 1000;
const ALLOWED_ORIGIN = 'https://app.example.com';

function lpSettings(overrides: Partial<LegacyLongPollSettings> = {}): LegacyLongPollSettings {
  return {
    ...legacyDefaults.longpoll, enabled: true, endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
    allowedOrigins: [ALLOWED_ORIGIN], pollTimeoutMs: POLL_TIMEOUT_MS, ...overrides,
  };
}

function portOf(listener: LegacyListener): number {
  if (!('port' in listener.address)) throw new Error('expected a TCP listener');
  return listener.address.port;
}

function cookieOf(res: LpResponse, name = 'ASEXOR_LP_SESSION'): ReturnType<typeof parseSetCookie> | undefined {
  return res.headers['set-cookie']?.map(parseSetCookie).find((c) => c.name === name);
}

/** Resolves once the listener on `port` holds a GET it was sent (no answer yet); call before sending it. */
async function getHeld(port: number): Promise<ServerResponse> {
  const { response } = await requestSeen((_path, request) => request.method === 'GET' && request.socket.localPort === port);
  expect(response.writableEnded, 'the GET is held').to.equal(false);
  return response;
}

describe('legacy long poll (router/bridges/legacy-longpoll.ts)', function () {
  this.timeout(20_000);
  let server: TestServer;
  let context: BridgeContext;
  let listener: LegacyListener;
  let port: number;

  before(async () => {
    server = await startTestServer();
    context = createBridgeContext({
      router: server.server.router, realm: 'asexor', uriPrefix: 'asexor',
      auth: { ticket: { type: 'static', principals: USERS } }, logger: silentLogger(),
    });
    listener = await startLegacyLongPollListener(context, lpSettings());
    port = portOf(listener);
  });
  after(async () => {
    await listener.close();
    await server.close();
  });

  async function started(token = 'alice-ticket'): Promise<LegacyLpClient> {
    const client = new LegacyLpClient(port);
    await client.start(token);
    return client;
  }

  describe('HTTP surface', () => {
    it('answers 404 for any other path, 405 (with Allow) for other methods, 204 with Allow for OPTIONS', async () => {
      expect((await lpRequest(port, { method: 'GET', path: '/nope' })).status).to.equal(404);
      expect((await lpRequest(port, { method: 'POST', path: '/ws' })).status).to.equal(404);
      for (const method of ['PUT', 'DELETE', 'HEAD']) {
        const res = await lpRequest(port, { method });
        expect(res.status, method).to.equal(405);
        expect(res.headers['allow']).to.equal('GET, POST, OPTIONS');
      }
      const options = await lpRequest(port, { method: 'OPTIONS' });
      expect(options.status).to.equal(204);
      expect(options.headers['allow']).to.equal('GET, POST, OPTIONS');
      expect(options.headers['access-control-allow-origin']).to.equal(undefined);
    });

    it('serves the query-string form of the root too', async () => {
      const res = await lpRequest(port, { method: 'GET', path: '/?x=1', headers: { authorization: 'Bearer alice-ticket' } });
      expect([res.status, res.text]).to.deep.equal([200, '[]']);
    });
  });

  describe('sessions', () => {
    it('issues the cookie on an initial GET with Authorization, answered [] at once', async () => {
      const res = await lpRequest(port, { method: 'GET', headers: { authorization: 'Bearer alice-ticket' } });
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
      expect(JSON.parse(res.text)).to.deep.equal([]);
      expect(res.elapsedMs).to.be.below(POLL_TIMEOUT_MS / 2);
      const cookie = cookieOf(res);
      expect(cookie?.value).to.match(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
      expect(Object.fromEntries(cookie?.attributes ?? [])).to.deep.equal({ path: '/', 'max-age': '86400', httponly: '', samesite: 'Lax' });
    });

    it('accepts the scheme in any case and starts a session with a POST too', async () => {
      const res = await lpRequest(port, {
        method: 'POST', body: JSON.stringify([1, 'date', { args: ['%Y'] }]),
        headers: { authorization: 'bEaReR alice-ticket', 'content-type': 'application/json' },
      });
      expect(res.status).to.equal(200);
      const reply = JSON.parse(res.text) as unknown[];
      expect(reply.slice(0, 2)).to.deep.equal(['r', 1]);
      expect(reply[2]).to.match(/^[0-9a-f]{32}$/);
      expect(cookieOf(res)?.value).to.match(/^[A-Za-z0-9_-]{43}$/);
    });

    it('answers 401 with WWW-Authenticate: Bearer without a session, with a refused token, and with another scheme', async () => {
      const call = JSON.stringify([1, 'date', {}]);
      const cases: [string, Record<string, string>][] = [
        ['POST without auth', { 'content-type': 'application/json' }],
        ['GET without auth', {}],
        ['unknown cookie', { cookie: 'ASEXOR_LP_SESSION=AAAA' }],
        ['refused token', { authorization: 'Bearer nobody' }],
        ['Basic', { authorization: 'Basic YWxpY2U6eA==' }],
        ['empty Bearer', { authorization: 'Bearer ' }],
      ];
      for (const [what, headers] of cases) {
        const res = await lpRequest(port, { method: what.startsWith('POST') ? 'POST' : 'GET', headers, ...(what.startsWith('POST') ? { body: call } : {}) });
        expect(res.status, what).to.equal(401);
        expect(res.headers['www-authenticate'], what).to.match(/^Bearer realm="asexor"/);
        expect(res.headers['set-cookie'], what).to.equal(undefined);
      }
      const refused = await lpRequest(port, { method: 'GET', headers: { authorization: 'Bearer nobody' } });
      expect(refused.headers['www-authenticate']).to.equal('Bearer realm="asexor", error="invalid_token"');
    });

    it('keeps the session, and its queued updates, for any request with the cookie (reconnect)', async () => {
      const first = await started();
      const watcher = await joinAs(server.url, 'alice');
      const statuses = await subscribeStatus(watcher);
      const reply = await first.call(1, 'date', { args: ['%Y'], kwargs: { utc: true } });
      expect(reply[0]).to.equal('r');
      await terminalOf(statuses, reply[2]); // the task ends while nobody polls
      await watcher.close();
      const again = new LegacyLpClient(port);
      again.cookie = first.cookie;
      const updates = await again.poll(); // one GET returns every queued update, in order
      expect(updates.map((m) => dataOf(m)['status'])).to.deep.equal(['started', 'success']);
      expect(updates.map((m) => m[1])).to.deep.equal([1, 1]);
      const same = await again.send('GET', { headers: { authorization: 'Bearer alice-ticket' } });
      expect(cookieOf(same)?.value).to.equal(first.cookie); // the same user's token keeps the session
    });

    it('starts a new session when the cookie comes with a token of another user; the old session goes on', async () => {
      const alice = await started('alice-ticket');
      const aliceCookie = alice.cookie;
      const switched = new LegacyLpClient(port);
      switched.cookie = aliceCookie;
      await switched.start('bob-ticket');
      expect(switched.cookie).to.be.a('string').and.not.equal(aliceCookie);
      const bobReply = await switched.call(1, 'date', { args: ['%Y'] });
      const aliceReply = await alice.call(2, 'date', { args: ['%Y'] });
      const bobUpdates = await switched.pollUntil((u) => finished(u, 1));
      const aliceUpdates = await alice.pollUntil((u) => finished(u, 2));
      expect(new Set(bobUpdates.map((m) => dataOf(m)['task_id']))).to.deep.equal(new Set([bobReply[2]]));
      expect(new Set(aliceUpdates.map((m) => dataOf(m)['task_id']))).to.deep.equal(new Set([aliceReply[2]]));
    });

    it('refuses a cookie that comes with a refused token (the token is checked, not trusted to the cookie)', async () => {
      const alice = await started();
      const res = await alice.send('GET', { headers: { authorization: 'Bearer nobody' } });
      expect(res.status).to.equal(401);
      expect(await alice.poll()).to.deep.equal([]); // the cookie alone still works
    });
  });

  describe('calls and updates', () => {
    it('runs date: r with a 32-hex task id, then started and success with the original fields', async () => {
      const lp = await started();
      const reply = await lp.call(1, 'date', { args: ['%Y'], kwargs: { utc: true } });
      expect(reply[0]).to.equal('r');
      expect(reply[1]).to.equal(1);
      const taskId = reply[2];
      expect(taskId).to.match(/^[0-9a-f]{32}$/);
      const updates = await lp.pollUntil((u) => finished(u, 1));
      expect(updates.every((m) => m[0] === 'm' && m[1] === 1 && m.length === 3)).to.equal(true);
      expect(dataOf(updates[0]!)).to.deep.equal({ status: 'started', task_id: taskId });
      const success = dataOf(updates.at(-1)!);
      expect(Object.keys(success)).to.deep.equal(['status', 'result', 'duration', 'task_id']);
      expect(success).to.include({ status: 'success', result: String(new Date().getUTCFullYear()), task_id: taskId });
      expect(success['duration']).to.be.a('number');
    });

    it('sends progress updates and echoes any call id (a string)', async () => {
      const lp = await started();
      const reply = await lp.call('x', 'progress', {});
      expect(reply.slice(0, 2)).to.deep.equal(['r', 'x']);
      const updates = await lp.pollUntil((u) => finished(u, 'x'));
      const statuses = updates.map((m) => dataOf(m)['status']);
      expect(statuses[0]).to.equal('started');
      expect(statuses).to.include('progress');
      expect(statuses.at(-1)).to.equal('success');
      const progress = updates.find((m) => dataOf(m)['status'] === 'progress');
      expect(Object.keys(dataOf(progress!))).to.deep.equal(['status', 'progress', 'task_id']);
    });

    it('reports a failing task as an error update with the original fields, and invalid arguments as an e answer', async () => {
      const lp = await started();
      const invalid = await lp.call(4, 'sleep', { args: ['a'] });
      expect(invalid.slice(0, 2)).to.deep.equal(['e', 4]);
      expect(invalid[2]).to.be.a('string').and.not.equal('');
      expect(await lp.call(3, 'exit_with', { args: [3, 'boom'] })).to.have.property('0', 'r');
      const updates = await lp.pollUntil((u) => finished(u, 3));
      const last = dataOf(updates.at(-1)!);
      expect(last['status']).to.equal('error');
      expect(Object.keys(last)).to.deep.equal(['status', 'error', 'duration', 'task_id']);
      expect(last['error']).to.be.a('string').and.not.equal('');
    });

    it('holds a GET until an update arrives, and answers [] after pollTimeoutMs', async () => {
      const lp = await started();
      const idle = await lp.send('GET');
      expect(JSON.parse(idle.text)).to.deep.equal([]);
      expect(idle.elapsedMs).to.be.within(POLL_TIMEOUT_MS - 50, POLL_TIMEOUT_MS + 500);
      const holding = getHeld(port);
      const held = lp.send('GET');
      await holding;
      await lp.call(1, 'date', { args: ['%Y'] });
      const res = await held;
      const updates = JSON.parse(res.text) as LegacyMessage[];
      expect(updates.length).to.be.at.least(1);
      expect(dataOf(updates[0]!)['status']).to.equal('started');
    });

    it('leaves no wake-up behind: after an initial GET, the next GET waits (the original returned [] at once)', async () => {
      const lp = await started();
      const holding = getHeld(port);
      const held = lp.send('GET');
      await holding;
      const initial = await lp.send('GET', { headers: { authorization: 'Bearer alice-ticket' } });
      expect([initial.status, initial.text]).to.deep.equal([200, '[]']);
      expect(initial.elapsedMs).to.be.below(300);
      await lp.call(1, 'date', { args: ['%Y'] });
      const heldRes = await held; // the held GET was not released by the initial one: it got the update
      expect((JSON.parse(heldRes.text) as LegacyMessage[]).length).to.be.at.least(1);
      await lp.pollUntil((u) => finished(u, 1));
      const next = await lp.send('GET');
      expect(JSON.parse(next.text)).to.deep.equal([]);
      expect(next.elapsedMs).to.be.at.least(POLL_TIMEOUT_MS - 50);
    });

    it('gives the updates to the newest of two held GETs; the other keeps waiting', async () => {
      const lp = await started();
      const olderHeld = getHeld(port);
      const older = lp.send('GET');
      await olderHeld;
      const newerHeld = getHeld(port);
      const newer = lp.send('GET');
      await newerHeld;
      await lp.call(1, 'date', { args: ['%Y'] });
      const newerRes = await newer;
      expect((JSON.parse(newerRes.text) as LegacyMessage[]).length).to.be.at.least(1);
      const olderRes = await older;
      const olderUpdates = JSON.parse(olderRes.text) as LegacyMessage[];
      if (olderUpdates.length === 0) expect(olderRes.elapsedMs).to.be.at.least(POLL_TIMEOUT_MS - 50);
      else expect(dataOf(olderUpdates[0]!)['status']).to.not.equal('started'); // a later update (success)
    });

    it('loses no update when a held GET goes away', async () => {
      const lp = await started();
      const holding = getHeld(port);
      const gone = await lp.send('GET', { abortAfterMs: 100 });
      const response = await holding;
      expect(gone.status).to.equal(0);
      if (!response.closed) await once(response, 'close'); // the server saw the client go
      await lp.call(1, 'date', { args: ['%Y'] });
      const updates = await lp.pollUntil((u) => finished(u, 1));
      expect(updates.map((m) => dataOf(m)['status'])).to.deep.equal(['started', 'success']);
    });

    it('never shows a user another user\'s updates, nor another session\'s of the same user', async () => {
      const [alice, alice2, bob] = [await started('alice-ticket'), await started('alice-ticket'), await started('bob-ticket')];
      const [a, b] = [await alice.call(1, 'date', { args: ['%Y'] }), await bob.call(1, 'date', { args: ['%Y'] })];
      const aUpdates = await alice.pollUntil((u) => finished(u, 1));
      const bUpdates = await bob.pollUntil((u) => finished(u, 1));
      expect(new Set(aUpdates.map((m) => dataOf(m)['task_id']))).to.deep.equal(new Set([a[2]]));
      expect(new Set(bUpdates.map((m) => dataOf(m)['task_id']))).to.deep.equal(new Set([b[2]]));
      expect(await alice2.poll()).to.deep.equal([]);
    });
  });

  describe('bad input', () => {
    it('answers 400 for a POST that is not application/json', async () => {
      const lp = await started();
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
        const res = await lp.send('POST', { body: '[1,"date",{}]', headers: type === undefined ? {} : { 'content-type': type } });
        expect(res.status, type).to.equal(400);
        expect(res.text).to.include('Content-Type: application/json');
      }
      const withCharset = await lp.send('POST', { body: '[1,"date",{"args":["%Y"]}]', headers: { 'content-type': 'Application/JSON; charset=utf-8' } });
      expect((JSON.parse(withCharset.text) as unknown[])[0]).to.equal('r');
    });

    it('answers 413 for a body over maxBodySize', async () => {
      const lp = await started();
      const body = JSON.stringify([1, 'date', { args: ['x'.repeat(legacyDefaults.longpoll.maxBodySize)] }]);
      const res = await lp.send('POST', { body, headers: { 'content-type': 'application/json' } });
      expect(res.status).to.equal(413);
    });

    it('answers e with call id 0 when no id can be recovered, the id otherwise, with the original texts', async () => {
      const lp = await started();
      const malformed = await lp.postJson('[1, "date",');
      expect(malformed).to.have.length(4);
      expect(malformed.slice(0, 2)).to.deep.equal(['e', 0]);
      expect(malformed[2]).to.be.a('string').and.include('JSON');
      expect(malformed[3]).to.equal(null);
      expect((await lp.postJson('{"a": 1}')).slice(0, 2)).to.deep.equal(['e', 0]);
      expect((await lp.postJson('[]')).slice(0, 2)).to.deep.equal(['e', 0]);
      expect(await lp.postJson('[5]')).to.deep.equal(['e', 5, 'not enough values to unpack (expected 3, got 1)', null]);
      expect(await lp.postJson('[123, "date"]')).to.deep.equal(['e', 123, 'not enough values to unpack (expected 3, got 2)', null]);
      expect(await lp.postJson('[7, "date", {"args": "x"}]')).to.deep.equal(['e', 7, 'Invalid message', null]);
      expect(await lp.call(8, 'no_such_task')).to.deep.equal(['e', 8, 'No task with name no_such_task', null]);
      expect(await lp.call(9, 'admin_only')).to.deep.equal(['e', 9, 'Not authorised to run admin_only', null]);
      const invalidUtf8 = await lp.send('POST', { body: Buffer.from([0x5b, 0xff, 0x5d]), headers: { 'content-type': 'application/json' } });
      expect((JSON.parse(invalidUtf8.text) as unknown[]).slice(0, 2)).to.deep.equal(['e', 0]);
    });

    it('keeps this session and the others working after bad input', async () => {
      const bad = await started('bob-ticket');
      const good = await started('alice-ticket');
      await bad.postJson('nonsense');
      await bad.send('POST', { body: 'x', headers: { 'content-type': 'text/plain' } });
      await bad.postJson('[1]');
      for (const lp of [bad, good]) {
        const reply = await lp.call(2, 'date', { args: ['%Y'] });
        expect(reply[0]).to.equal('r');
        const updates = await lp.pollUntil((u) => finished(u, 2));
        expect(dataOf(updates.at(-1)!)['status']).to.equal('success');
      }
    });
  });

  describe('CORS', () => {
    it('answers an allowed origin with its own name and credentials, and a SameSite=None; Secure cookie', async () => {
      const lp = new LegacyLpClient(port);
      lp.headers = { origin: ALLOWED_ORIGIN };
      const res = await lp.start('alice-ticket');
      expect(res.headers['access-control-allow-origin']).to.equal(ALLOWED_ORIGIN);
      expect(res.headers['access-control-allow-credentials']).to.equal('true');
      expect(res.headers['vary']).to.equal('Origin');
      const attributes = cookieOf(res)?.attributes;
      expect(attributes?.get('samesite')).to.equal('None');
      expect(attributes?.has('secure')).to.equal(true);
      const preflight = await lpRequest(port, {
        method: 'OPTIONS',
        headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers).to.include({
        'access-control-allow-origin': ALLOWED_ORIGIN,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'Authorization, Content-Type',
      });
      expect(await lp.call(1, 'date', { args: ['%Y'] })).to.have.property('0', 'r');
    });

    it('refuses another origin with 403 and no CORS headers, preflight included; same-origin requests are served', async () => {
      for (const method of ['GET', 'POST', 'OPTIONS']) {
        const res = await lpRequest(port, {
          method, headers: { origin: 'https://evil.example.com', authorization: 'Bearer alice-ticket', 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '[1,"date",{}]' } : {}),
        });
        expect(res.status, method).to.equal(403);
        expect(res.headers['access-control-allow-origin'], method).to.equal(undefined);
        expect(res.headers['set-cookie'], method).to.equal(undefined);
      }
      const same = await lpRequest(port, { method: 'GET', headers: { origin: `http://127.0.0.1:${port}`, authorization: 'Bearer alice-ticket' } });
      expect(same.status).to.equal(200);
      expect(same.headers['access-control-allow-origin']).to.equal(undefined);
      expect(cookieOf(same)?.attributes.get('samesite')).to.equal('Lax');
    });
  });

  describe('session end', () => {
    it('ends a user\'s oldest session beyond maxSessionsPerUser, and no other user\'s', async () => {
      const capped = await startLegacyLongPollListener(context, lpSettings({ maxSessionsPerUser: 2, pollTimeoutMs: 200 }));
      try {
        const client = async (token: string): Promise<LegacyLpClient> => {
          const lp = new LegacyLpClient(portOf(capped));
          await lp.start(token);
          return lp;
        };
        const bob = await client('bob-ticket');
        const [first, second, third] = [await client('alice-ticket'), await client('alice-ticket'), await client('alice-ticket')];
        expect((await first.send('GET')).status, 'the oldest of alice\'s three').to.equal(401);
        for (const lp of [second, third, bob]) expect((await lp.send('GET')).status).to.equal(200);
      } finally {
        await capped.close();
      }
    });

    it('ends a session after maxSessionInactivityMs without a request, and closes its WAMP session', async () => {
      const short = await startLegacyLongPollListener(context, lpSettings({ maxSessionInactivityMs: 400, pollTimeoutMs: 200 }));
      try {
        const before = server.server.router.sessionCount;
        const lp = new LegacyLpClient(portOf(short));
        await lp.start('alice-ticket');
        expect(server.server.router.sessionCount).to.equal(before + 1);
        for (let i = 0; i < 3; i++) expect(await lp.poll()).to.deep.equal([]); // 600 ms of activity
        await waitFor(() => server.server.router.sessionCount === before, 'the inactive session ended', 3_000);
        expect((await lp.send('GET')).status).to.equal(401);
        expect(server.server.router.sessionCount).to.equal(before);
      } finally {
        await short.close();
      }
    });

    it('ends a session at maxSessionTimeMs however active; the cookie\'s Max-Age counts down to it', async () => {
      const short = await startLegacyLongPollListener(context, lpSettings({ maxSessionTimeMs: 1500, pollTimeoutMs: 200 }));
      try {
        const lp = new LegacyLpClient(portOf(short));
        const maxAges = [Number(cookieOf(await lp.start('alice-ticket'))?.attributes.get('max-age'))];
        let status = 200;
        for (const deadline = Date.now() + 4000; status === 200 && Date.now() < deadline;) {
          const res = await lp.send('GET'); // held for pollTimeoutMs: the session stays active
          status = res.status;
          if (status === 200) maxAges.push(Number(cookieOf(res)?.attributes.get('max-age')));
        }
        expect(status).to.equal(401);
        expect(maxAges[0]).to.equal(2);
        expect(maxAges, 'Max-Age counts down').to.include(1).and.deep.equal([...maxAges].sort((a, b) => b - a));
      } finally {
        await short.close();
      }
    });

    it('a held GET counts as activity', async () => {
      const short = await startLegacyLongPollListener(context, lpSettings({ maxSessionInactivityMs: 300, pollTimeoutMs: 800 }));
      try {
        const lp = new LegacyLpClient(portOf(short));
        await lp.start('alice-ticket');
        expect(await lp.poll()).to.deep.equal([]);
        expect((await lp.send('GET')).status).to.equal(200);
      } finally {
        await short.close();
      }
    });

    it('on shutdown answers held GETs with [] and ends the WAMP sessions', async () => {
      const own = await startLegacyLongPollListener(context, lpSettings({ pollTimeoutMs: 10_000 }));
      const before = server.server.router.sessionCount;
      const lp = new LegacyLpClient(portOf(own));
      await lp.start('alice-ticket');
      const holding = getHeld(portOf(own));
      const held = lp.send('GET');
      await holding;
      const closing = own.close();
      const res = await held;
      await closing;
      expect([res.status, res.text]).to.deep.equal([200, '[]']);
      expect(res.elapsedMs).to.be.below(2000);
      await waitFor(() => server.server.router.sessionCount === before, 'the WAMP session ended');
    });
  });

  describe('mounted under a path of the web transport', () => {
    let web: Server;
    let webPort: number;
    let mounted: ReturnType<typeof createLegacyLongPoll>;
    before(async () => {
      const settings = lpSettings({ endpoint: undefined, cookieName: 'LP' });
      mounted = createLegacyLongPoll(context, settings);
      const routes = new HttpRouteTable();
      routes.addRequest({ path: settings.path, prefix: true, handle: (req, res, subpath) => mounted.handle(req, res, subpath) });
      web = createServer((req, res) => {
        const match = routes.matchRequest(req.url ?? '/');
        if (match === undefined) {
          res.writeHead(404).end();
          return;
        }
        void match.route.handle(req, res, match.subpath);
      });
      await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
      webPort = (web.address() as AddressInfo).port;
    });
    after(async () => {
      await mounted.close();
      await new Promise<void>((resolve) => { web.close(() => { resolve(); }); web.closeAllConnections(); });
    });

    it('serves /legacy-lp and /legacy-lp/, sets the cookie for that path, and 404s below it', async () => {
      const lp = new LegacyLpClient(webPort, { path: '/legacy-lp', cookieName: 'LP' });
      const res = await lp.start('bob-ticket');
      expect(cookieOf(res, 'LP')?.attributes.get('path')).to.equal('/legacy-lp');
      const slash = new LegacyLpClient(webPort, { path: '/legacy-lp/', cookieName: 'LP' });
      slash.cookie = lp.cookie;
      expect(await slash.call(1, 'date', { args: ['%Y'] })).to.have.property('0', 'r');
      expect((await slash.pollUntil((u) => finished(u, 1))).length).to.equal(2);
      expect((await lpRequest(webPort, { method: 'GET', path: '/legacy-lp/x' })).status).to.equal(404);
      expect(mounted.sessionCount).to.equal(1);
    });

    it('once closed, ends its sessions and answers 503', async () => {
      await mounted.close();
      expect(mounted.sessionCount).to.equal(0);
      const res = await lpRequest(webPort, { method: 'GET', path: '/legacy-lp', headers: { authorization: 'Bearer bob-ticket' } });
      expect(res.status).to.equal(503);
    });
  });
});
