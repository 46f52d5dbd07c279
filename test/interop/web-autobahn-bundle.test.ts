/**
 * The shipped browser build of autobahn-js (web/vendor/autobahn.min.js, scripts/build-web-vendor.ts,
 * docs/web-vendor.md) in headless Chromium (Debian `chromium`, driven by playwright-core) against
 * the real serve stack (test/helpers/start-server.ts: router, in-process worker, test users) serving
 * web/ at `/` and a test page at `/__test/` that loads `/vendor/autobahn.min.js`.
 * Over WebSocket (json, msgpack, cbor) and HTTP long-poll (`/lp`, json: autobahn's long-poll client
 * speaks only wamp.2.json): ticket and WAMP-CRA login, a task call with `receive_progress` whose
 * progressive results (the third `then` callback, when.js `notify`) arrive before the final result,
 * status events on `asexor.status.<authid>`, and a long-poll session that outlives several request
 * timeouts. Fails, not skips, when /usr/bin/chromium is missing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CRA_USER, USERS, startTestServer, type TestServer } from '../helpers/start-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
/** Short, so that the idle long-poll test spans several of them quickly. */
const REQUEST_TIMEOUT_MS = 1_500;

/** Runs in the page: one WAMP connection at a time in `state`, driven step by step by page.evaluate. */
const PAGE_SCRIPT = `
(function () {
  var state = { conn: null, session: null, closed: null, events: [] };
  function plain(value) {
    var v = value instanceof autobahn.Result ? { args: value.args, kwargs: value.kwargs } : value;
    return JSON.parse(JSON.stringify(v === undefined ? null : v, function (k, x) { return typeof x === 'bigint' ? Number(x) : x; }));
  }
  function errorText(e) {
    if (e && e.error) return e.error + ' ' + JSON.stringify(e.args || []) + ' ' + JSON.stringify(e.kwargs || {});
    return String((e && e.message) || e);
  }
  window.wampOpen = function (o) {
    return new Promise(function (resolve) {
      var transports;
      if (o.transport === 'longpoll') {
        transports = [{ type: 'longpoll', url: location.origin + '/lp' }];
      } else {
        var s = o.serializer === 'msgpack' ? new autobahn.serializer.MsgpackSerializer()
          : o.serializer === 'cbor' ? new autobahn.serializer.CBORSerializer() : new autobahn.serializer.JSONSerializer();
        transports = [{ type: 'websocket', url: location.origin.replace(/^http/, 'ws') + '/ws', serializers: [s] }];
      }
      var settled = false;
      var conn = new autobahn.Connection({
        realm: 'asexor', transports: transports, authmethods: [o.authmethod], authid: o.authid,
        max_retries: 0, retry_if_unreachable: false,
        onchallenge: function (session, method, extra) {
          if (method === 'ticket') return o.secret;
          var key = extra.salt ? autobahn.auth_cra.derive_key(o.secret, extra.salt, extra.iterations, extra.keylen) : o.secret;
          return autobahn.auth_cra.sign(key, extra.challenge);
        },
      });
      conn.onopen = function (session, details) {
        state.conn = conn; state.session = session; state.closed = null; state.events = [];
        settled = true;
        resolve({ ok: true, session: session.id, transport: details.transport.type, protocol: details.transport.protocol,
          authid: details.authid, authrole: details.authrole, authmethod: details.authmethod });
      };
      conn.onclose = function (reason, details) {
        state.closed = { reason: reason, message: (details && details.message) || null };
        if (!settled) { settled = true; resolve({ ok: false, reason: reason, uri: (details && details.reason) || null, message: (details && details.message) || null }); }
        return true;
      };
      conn.open();
    });
  };
  window.wampSubscribe = function (topic) {
    return Promise.resolve(state.session.subscribe(topic, function (args, kwargs) { state.events.push(plain({ args: args, kwargs: kwargs })); }))
      .then(function () { return { ok: true }; }, function (e) { return { ok: false, error: errorText(e) }; });
  };
  window.wampCall = function (procedure, args, kwargs) {
    var updates = [];
    var order = [];
    return Promise.resolve(state.session.call(procedure, args, kwargs, { receive_progress: true }).then(
      function (result) { order.push('result'); return { ok: true, updates: updates, result: plain(result), order: order }; },
      function (e) { return { ok: false, error: errorText(e), updates: updates, order: order }; },
      function (update) { order.push('progress'); updates.push(plain(update)); }
    ));
  };
  window.wampState = function () {
    return { session: state.session && state.session.id, isOpen: !!(state.session && state.session.isOpen), closed: state.closed, events: state.events };
  };
  window.wampClose = function () {
    return new Promise(function (resolve) {
      if (!state.conn || state.closed) { resolve(state.closed); return; }
      state.conn.onclose = function (reason) { state.closed = { reason: reason }; resolve(state.closed); return true; };
      state.conn.close();
    });
  };
})();
`;

const PAGE_HTML = '<!doctype html><meta charset="utf-8"><title>autobahn bundle test</title>'
  + '<script src="/vendor/autobahn.min.js"></script><script src="page.js"></script>\n';

interface Login {
  readonly transport: 'websocket' | 'longpoll';
  readonly serializer?: 'json' | 'msgpack' | 'cbor';
  readonly authmethod: 'ticket' | 'wampcra';
  readonly authid: string;
  readonly secret: string;
}

interface Opened {
  ok: boolean;
  session?: number;
  transport?: string;
  protocol?: string;
  authid?: string;
  authrole?: string;
  authmethod?: string;
  reason?: string;
  uri?: string | null;
  message?: string | null;
}

interface Payload {
  args?: unknown[];
  kwargs?: Record<string, unknown>;
}

interface Called {
  ok: boolean;
  error?: string;
  updates: Payload[];
  result?: Payload;
  order: string[];
}

interface PageState {
  session: number | null;
  isOpen: boolean;
  closed: { reason: string } | null;
  events: Payload[];
}

const ALICE_TICKET = { authmethod: 'ticket', authid: 'alice', secret: USERS.alice.ticket } as const;
const CAROL_CRA = { authmethod: 'wampcra', authid: CRA_USER.authid, secret: CRA_USER.secret } as const;

describe('web/vendor/autobahn.min.js in headless Chromium against the serve stack', function () {
  this.timeout(60_000);
  let dir: string;
  let server: TestServer;
  let browser: Browser;
  const pages: Page[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: these tests need Debian's chromium (apt-get install chromium); they are not skipped`);
    }
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-web-vendor-page-'));
    await writeFile(path.join(dir, 'page.js'), PAGE_SCRIPT);
    await writeFile(path.join(dir, 'index.html'), PAGE_HTML);
    server = await startTestServer({
      longPoll: { requestTimeout: REQUEST_TIMEOUT_MS },
      services: [{ type: 'static', path: '/', directory: WEB_DIR }, { type: 'static', path: '/__test', directory: dir }],
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage();
    pages.push(page);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.origin}/__test/index.html`);
    expect(errors, 'page errors').to.deep.equal([]);
    return page;
  }

  async function open(page: Page, login: Login): Promise<Opened> {
    return page.evaluate<Opened, Login>((o) => (window as unknown as { wampOpen(o: Login): Promise<Opened> }).wampOpen(o), login);
  }

  async function call(page: Page, procedure: string, args: unknown[], kwargs: Record<string, unknown>): Promise<Called> {
    return page.evaluate(`window.wampCall(${JSON.stringify(procedure)}, ${JSON.stringify(args)}, ${JSON.stringify(kwargs)})`);
  }

  async function pageState(page: Page): Promise<PageState> {
    return page.evaluate<PageState>('window.wampState()');
  }

  /** Waits until the status topic delivered the final event of the task `taskId`. */
  async function finalEvent(page: Page, taskId: unknown): Promise<Payload[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { events } = await pageState(page);
      const mine = events.filter((e) => e.kwargs?.['task_id'] === taskId);
      if (mine.some((e) => e.kwargs?.['status'] === 'success')) return mine;
      if (Date.now() > deadline) throw new Error(`no final status event for task ${String(taskId)}; got ${JSON.stringify(events)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Subscribe to the user's status topic, run `progress` (3 steps) with receive_progress, get its events. */
  async function runProgressTask(page: Page, authid: string): Promise<void> {
    expect(await page.evaluate(`window.wampSubscribe('asexor.status.${authid}')`)).to.deep.equal({ ok: true });
    const called = await call(page, 'asexor.task.progress', [], { steps: 3, delay: 30 });
    expect(called.error).to.equal(undefined);
    expect(called.ok).to.equal(true);
    const progress = called.updates.filter((u) => u.kwargs?.['status'] === 'progress').map((u) => u.kwargs?.['progress']);
    expect(progress).to.have.length(3);
    expect(called.order.at(-1)).to.equal('result');
    expect(called.order.filter((o) => o === 'result')).to.have.length(1);
    expect(called.result?.kwargs).to.include({ status: 'success', task: 'progress', result: 'done' });
    const events = await finalEvent(page, called.result?.kwargs?.['task_id']);
    expect(events.map((e) => e.kwargs?.['status'])).to.include.members(['progress', 'success']);
  }

  it('exposes the npm package API: when.js deferreds with notify, msgpack and cbor serializers, WAMP-CRA key derivation', async () => {
    const page = await newPage();
    const api = await page.evaluate(`(() => {
      const d = autobahn.util.deferred_factory()();
      return {
        version: autobahn.version, when: typeof autobahn.when, notify: typeof d.notify,
        transports: autobahn.transports.list().filter((t) => autobahn.transports.isRegistered(t)),
        serializers: Object.keys(autobahn.serializer).sort(),
        derived: autobahn.auth_cra.derive_key('salted-secret', 'asexor-demo-salt', 1000, 32),
        nodeGlobals: [typeof process, typeof Buffer, typeof require],
      };
    })()`);
    expect(api).to.deep.equal({
      version: '26.3.1', when: 'function', notify: 'function', transports: ['websocket', 'longpoll'],
      serializers: ['CBORSerializer', 'JSONSerializer', 'MsgpackSerializer'],
      // The salted demo user's stored key (shared/config/defaults.ts, crossbar-config/README.md).
      derived: '35V0TSnZjUvtxw5Qw8JGkVws4ohMc956kjw5aAuuL3A=',
      nodeGlobals: ['undefined', 'undefined', 'undefined'],
    });
  });

  for (const serializer of ['json', 'msgpack', 'cbor'] as const) {
    it(`WebSocket ${serializer}: ticket login, progressive results before the final result, status events`, async () => {
      const page = await newPage();
      const opened = await open(page, { transport: 'websocket', serializer, ...ALICE_TICKET });
      expect(opened).to.deep.include({ ok: true, transport: 'websocket', protocol: `wamp.2.${serializer}`, authid: 'alice', authrole: 'user', authmethod: 'ticket' });
      await runProgressTask(page, 'alice');
      expect(await page.evaluate('window.wampClose()')).to.deep.include({ reason: 'closed' });
    });

    it(`WebSocket ${serializer}: WAMP-CRA login, sleep 0.3 with receive_progress`, async () => {
      const page = await newPage();
      const opened = await open(page, { transport: 'websocket', serializer, ...CAROL_CRA });
      expect(opened).to.deep.include({ ok: true, protocol: `wamp.2.${serializer}`, authid: CRA_USER.authid, authrole: 'user', authmethod: 'wampcra' });
      const called = await call(page, 'asexor.task.sleep', [0.3], {});
      expect(called.error).to.equal(undefined);
      expect(called.result?.kwargs).to.include({ status: 'success', task: 'sleep' });
      expect(called.order.at(-1)).to.equal('result');
      await page.evaluate('window.wampClose()');
    });
  }

  it('WebSocket: a wrong WAMP-CRA secret is refused with wamp.error.authentication_denied (ABORT seen by the page)', async () => {
    const page = await newPage();
    const opened = await open(page, { transport: 'websocket', serializer: 'json', ...CAROL_CRA, secret: 'wrong' });
    expect(opened).to.deep.include({ ok: false, reason: 'closed', uri: 'wamp.error.authentication_denied' });
  });

  it('long-poll: ticket login, progressive results before the final result, status events', async () => {
    const page = await newPage();
    const opened = await open(page, { transport: 'longpoll', ...ALICE_TICKET });
    expect(opened).to.deep.include({ ok: true, transport: 'longpoll', protocol: 'wamp.2.json', authid: 'alice', authrole: 'user', authmethod: 'ticket' });
    await runProgressTask(page, 'alice');
    expect(await page.evaluate('window.wampClose()')).to.deep.include({ reason: 'closed' });
  });

  it('long-poll: WAMP-CRA login, sleep 0.3 with receive_progress', async () => {
    const page = await newPage();
    const opened = await open(page, { transport: 'longpoll', ...CAROL_CRA });
    expect(opened).to.deep.include({ ok: true, transport: 'longpoll', authid: CRA_USER.authid, authmethod: 'wampcra' });
    const called = await call(page, 'asexor.task.sleep', [0.3], {});
    expect(called.error).to.equal(undefined);
    expect(called.result?.kwargs).to.include({ status: 'success', task: 'sleep' });
    await page.evaluate('window.wampClose()');
  });

  it(`long-poll: a session idle for several request timeouts (${REQUEST_TIMEOUT_MS} ms) stays open and still calls and receives events`, async () => {
    const page = await newPage();
    const opened = await open(page, { transport: 'longpoll', ...ALICE_TICKET });
    expect(opened.ok).to.equal(true);
    expect(await page.evaluate(`window.wampSubscribe('asexor.status.alice')`)).to.deep.equal({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 3.5 * REQUEST_TIMEOUT_MS));
    expect(await pageState(page)).to.deep.include({ session: opened.session, isOpen: true, closed: null });
    const started = Date.now();
    const called = await call(page, 'asexor.task.sleep', [0.3], {});
    expect(called.result?.kwargs).to.include({ status: 'success', task: 'sleep' });
    expect(Date.now() - started, 'call after idling took too long (stalled receive loop?)').to.be.below(3_000);
    await finalEvent(page, called.result?.kwargs?.['task_id']);
    await new Promise((resolve) => setTimeout(resolve, 2 * REQUEST_TIMEOUT_MS));
    await runProgressTask(page, 'alice');
    expect(await pageState(page)).to.deep.include({ session: opened.session, isOpen: true, closed: null });
    expect(await page.evaluate('window.wampClose()')).to.deep.include({ reason: 'closed' });
  });
});
