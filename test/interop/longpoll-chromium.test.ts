/**
 * autobahn-js's long-poll client (browser-only: it needs XMLHttpRequest) in headless Chromium,
 * driven by playwright-core, against a page and the shipped browser build of autobahn-js
 * (web/vendor/autobahn.min.js, docs/web-vendor.md) served by the router's own HTTP listener.
 * The page calls a procedure that an autobahn-js WebSocket session in Node registered and receives
 * an event it published. Cross-origin: from an allowed origin (CORS preflight, credentials) and
 * from one that is not allowed. Skipped when /usr/bin/chromium (Debian package `chromium`) is absent.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { createRouter, type Router } from '../../router/index.ts';
import { startHttpTransport, type Listener } from '../../router/transports/http-server.ts';
import type { HttpTransportConfig, WebServiceConfig } from '../../shared/config/types.ts';
import { openRealm } from '../helpers/router-fixtures.ts';
import { join, type OpenSession } from './autobahn-js-client.ts';
import { describeWithTool } from '../helpers/external-tool.ts';

const BUNDLE = fileURLToPath(new URL('../../web/vendor/autobahn.min.js', import.meta.url));

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Runs in the page: join over long-poll, subscribe, call, trigger an event, leave; resolves with what happened. */
const PAGE_SCRIPT = `
window.runLongPoll = function (url) {
  return new Promise(function (resolve) {
    var result = { joined: false };
    var timer = setTimeout(function () { result.error = 'no close within 20 s'; resolve(result); }, 20000);
    var connection = new autobahn.Connection({
      realm: 'realm1', transports: [{ type: 'longpoll', url: url }], max_retries: 0, retry_if_unreachable: false,
    });
    connection.onopen = function (session, details) {
      result.joined = true;
      result.transport = details.transport.type;
      result.protocol = details.transport.protocol;
      session.subscribe('com.lp.ticks', function (args) {
        result.event = args;
        connection.close();
      }).then(function () { return session.call('com.lp.add', [2, 3]); })
        .then(function (sum) { result.sum = sum; return session.call('com.lp.tick'); })
        .catch(function (err) { result.error = String((err && err.error) || err); connection.close(); });
    };
    connection.onclose = function (reason, details) {
      result.closeReason = reason;
      result.closeMessage = (details && details.message) || null;
      clearTimeout(timer);
      resolve(result);
      return true;
    };
    connection.open();
  });
};`;

interface PageResult {
  joined: boolean;
  transport?: string;
  protocol?: string;
  sum?: number;
  event?: unknown[];
  error?: string;
  closeReason?: string;
}

function http(services: readonly WebServiceConfig[]): HttpTransportConfig {
  return { type: 'http', endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 }, services };
}

const available = existsSync(CHROMIUM);
describeWithTool(available, CHROMIUM, 'apt-get install chromium')(`autobahn-js long-poll client in headless Chromium${available ? '' : ` (skipped: ${CHROMIUM} not found; apt-get install chromium)`}`, function () {
  this.timeout(60_000);
  let dir: string;
  let router: Router;
  const listeners: Listener[] = [];
  let main: Listener;
  let allowed: Listener;
  let denied: Listener;
  let browser: Browser;
  let backend: OpenSession;
  let ticks = 0;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-chromium-'));
    await copyFile(BUNDLE, path.join(dir, 'autobahn.js'));
    await writeFile(path.join(dir, 'page.js'), PAGE_SCRIPT);
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script src="autobahn.js"></script><script src="page.js"></script>\n');
    router = createRouter({ realms: [openRealm()] });
    const statics: WebServiceConfig[] = [{ type: 'static', path: '/', directory: dir }];
    allowed = await startHttpTransport(router, http(statics));
    denied = await startHttpTransport(router, http(statics));
    main = await startHttpTransport(router, http([
      ...statics,
      { type: 'websocket', path: '/ws', serializers: ['json'], options: { maxMessageSize: 1 << 20, autoPingInterval: 0, autoPingTimeout: 1_000 } },
      {
        type: 'longpoll', path: '/lp', serializers: ['json'],
        options: { requestTimeout: 10_000, sessionTimeout: 30_000, maxMessageSize: 1 << 20, queueLimitBytes: 1 << 20, allowedOrigins: [allowed.url('').replace(/\/$/, '')] },
      },
    ]));
    listeners.push(allowed, denied, main);
    backend = await join({ url: main.url('/ws', 'ws'), realm: 'realm1', serializer: 'json' });
    await backend.session.register('com.lp.add', (args) => Number(args[0]) + Number(args[1]));
    await backend.session.register('com.lp.tick', () => {
      ticks += 1;
      backend.session.publish('com.lp.ticks', ['tick', ticks]);
      return 'published';
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser.close();
    await backend.close();
    await router.close();
    await Promise.all(listeners.map((l) => l.close()));
    await rm(dir, { recursive: true, force: true });
  });

  async function runPage(pageOrigin: Listener): Promise<PageResult> {
    const page = await browser.newPage();
    try {
      await page.goto(pageOrigin.url('/index.html'));
      return await page.evaluate<PageResult>(`window.runLongPoll(${JSON.stringify(main.url('/lp'))})`);
    } finally {
      await page.close();
    }
  }

  async function sessionsBackTo(count: number): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (router.sessionCount !== count) {
      if (Date.now() > deadline) throw new Error(`router still has ${router.sessionCount} sessions, expected ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('joins over long-poll from a page served by the router, calls a WebSocket callee, gets its event and leaves', async () => {
    const result = await runPage(main);
    expect(result).to.deep.include({ joined: true, transport: 'longpoll', protocol: 'wamp.2.json', sum: 5, closeReason: 'closed' });
    expect(result.event?.[0]).to.equal('tick');
    expect(result.error).to.equal(undefined);
    await sessionsBackTo(1);
  });

  it('works cross-origin from an allowed origin (preflighted POSTs with credentials)', async () => {
    const result = await runPage(allowed);
    expect(result).to.deep.include({ joined: true, sum: 5, closeReason: 'closed' });
    expect(result.event?.[0]).to.equal('tick');
    await sessionsBackTo(1);
  });

  it('cannot open a transport from an origin that is not allowed', async () => {
    const before = router.sessionCount;
    const result = await runPage(denied);
    expect(result.joined).to.equal(false);
    expect(result.closeReason).to.equal('unreachable');
    expect(router.sessionCount).to.equal(before);
  });
});
