/**
 * Behind a reverse proxy (router/auth/client-address.ts, docs/fairness-and-abuse.md "Behind a reverse
 * proxy"): a real router from a Crossbar config with `trusted_proxies: ["127.0.0.1"]` and real WebSocket
 * upgrades carrying X-Forwarded-For, from 127.0.0.1 (the trusted proxy) and from 127.0.0.2 (a client
 * connecting directly, bound with `localAddress`). Through the proxy the login throttle counts the
 * forwarded client and the session details name it (over long-poll too); a direct client's header is ignored.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { createRouter, type Router } from '../../router/index.ts';
import { startHttpTransport, type Listener } from '../../router/transports/http-server.ts';
import { fromCrossbarConfig } from '../../shared/config/crossbar.ts';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { startServer, type Server } from '../../cli/server.ts';
import { LEGACY_WS_PROTOCOL } from '../../router/bridges/legacy-websocket.ts';
import { silentLogger } from '../../shared/logger.ts';
import { recordingLogger } from '../helpers/recording-logger.ts';
import { TASKS_MODULE, testRouterConfig } from '../helpers/start-server.ts';
import { joinAs } from '../helpers/worker-clients.ts';

const PROXY = '127.0.0.1';
const DIRECT = '127.0.0.2';
const ROLES = { caller: {} };
const AUTH = { ticket: { type: 'static', principals: { joe: { ticket: 'joe-ticket', role: 'user' } } } };

function crossbarConfig(options: Record<string, unknown>): unknown {
  return {
    version: 2,
    workers: [{
      type: 'router',
      options,
      realms: [{ name: 'realm1', roles: [{ name: 'user', permissions: [{ uri: '', match: 'prefix', allow: { call: true } }] }] }],
      transports: [{
        type: 'web', endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
        paths: { ws: { type: 'websocket', auth: AUTH }, lp: { type: 'longpoll', auth: AUTH } },
      }],
    }],
  };
}

interface Reply {
  /** WELCOME, or ABORT with its reason. */
  readonly first: readonly unknown[];
  /** With a WELCOME: the transport peer of the session (wamp.session.get). */
  readonly peer?: unknown;
}

/** One ticket login over a fresh WebSocket from `localAddress` with `forwardedFor` as X-Forwarded-For. */
async function login(url: string, localAddress: string, forwardedFor: string | undefined, ticket: string): Promise<Reply> {
  const ws = new WebSocket(url, ['wamp.2.json'], { localAddress, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });
  const inbox: unknown[][] = [];
  let wake: () => void = () => undefined;
  ws.on('message', (data) => { inbox.push(JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : '[]') as unknown[]); wake(); });
  const closed = new Promise<void>((resolve) => { ws.on('close', () => { resolve(); wake(); }); });
  const next = async (): Promise<unknown[]> => {
    while (inbox.length === 0) {
      if (ws.readyState === WebSocket.CLOSED) throw new Error('closed without a reply');
      await new Promise<void>((resolve) => { wake = resolve; });
    }
    return inbox.shift() ?? [];
  };
  await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  try {
    ws.send(JSON.stringify([M.HELLO, 'realm1', { roles: ROLES, authmethods: ['ticket'], authid: 'joe' }]));
    let first = await next();
    if (first[0] === M.CHALLENGE) {
      ws.send(JSON.stringify([M.AUTHENTICATE, ticket, {}]));
      first = await next();
    }
    if (first[0] !== M.WELCOME) return { first };
    ws.send(JSON.stringify([M.CALL, 1, {}, 'wamp.session.get', [first[1]]]));
    const result = await next();
    const details = (result[3] as [{ transport?: { peer?: unknown } }] | undefined)?.[0];
    return { first, peer: details?.transport?.peer };
  } finally {
    ws.close();
    await closed;
  }
}

/** One HTTP request from `localAddress` to the listener; the body parsed as JSON (null when empty). */
function httpJson(port: number, localAddress: string, forwardedFor: string, method: string, path: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, localAddress, method, path, agent: false, headers: { 'x-forwarded-for': forwardedFor, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => { resolve(text === '' ? null : JSON.parse(text) as unknown); });
    });
    req.on('error', reject).end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A WAMP session over long-poll (wamp.2.json, one message per receive) through the proxy: its transport peer (wamp.session.get). */
async function longPollPeer(port: number, forwardedFor: string): Promise<unknown> {
  const http = (method: string, path: string, body?: unknown): Promise<unknown> => httpJson(port, PROXY, forwardedFor, method, path, body);
  const { transport } = await http('POST', '/lp/open', { protocols: ['wamp.2.json'] }) as { transport: string };
  const exchange = async (message: unknown[]): Promise<unknown[]> => {
    await http('POST', `/lp/${transport}/send`, message);
    return await http('POST', `/lp/${transport}/receive`) as unknown[];
  };
  try {
    const challenge = await exchange([M.HELLO, 'realm1', { roles: ROLES, authmethods: ['ticket'], authid: 'joe' }]);
    expect(challenge[0]).to.equal(M.CHALLENGE);
    const welcome = await exchange([M.AUTHENTICATE, 'joe-ticket', {}]);
    expect(welcome[0]).to.equal(M.WELCOME);
    const result = await exchange([M.CALL, 1, {}, 'wamp.session.get', [welcome[1]]]);
    return (result[3] as [{ transport?: { peer?: unknown } }] | undefined)?.[0]?.transport?.peer;
  } finally {
    await http('POST', `/lp/${transport}/close`);
  }
}

describe('trusted reverse proxies: the forwarded client address (router/auth/client-address.ts)', function () {
  this.timeout(20_000);
  let router: Router;
  let listener: Listener;
  let url: string;
  let lines: Record<string, unknown>[];

  before(async () => {
    const recorder = recordingLogger('warn');
    lines = recorder.lines;
    const { router: config } = fromCrossbarConfig(crossbarConfig({
      trusted_proxies: [PROXY], login_throttle: { max_failures_per_address: 3, max_failures_per_authid: 1000 },
    }), { env: {} });
    router = createRouter({ realms: config.realms, logger: recorder.logger, ...(config.loginThrottle === undefined ? {} : { loginThrottle: config.loginThrottle }) });
    const [transport] = config.transports;
    if (transport?.type !== 'http') throw new Error('expected the websocket transport');
    listener = await startHttpTransport(router, transport);
    url = `ws://127.0.0.1:${listener.address.port}/ws`;
  });
  after(async () => {
    await router.close();
    await listener.close();
  });

  const backoffLines = (): unknown[] => lines.filter((l) => l['msg'] === 'too many failed logins: refusing further attempts for a while').map((l) => l['address']);

  it('through the trusted proxy: the session names the forwarded client (rightmost hop that is not the proxy)', async () => {
    const reply = await login(url, PROXY, '198.51.100.9, 203.0.113.5, 127.0.0.1', 'joe-ticket');
    expect(reply.first[0]).to.equal(M.WELCOME);
    expect(reply.peer).to.equal('tcp4:203.0.113.5:0');
    expect((await login(url, PROXY, undefined, 'joe-ticket')).peer).to.match(/^tcp4:127\.0\.0\.1:\d+$/); // no header: the proxy itself
  });

  it('through the trusted proxy over long-poll: the session names the forwarded client too', async () => {
    expect(await longPollPeer(listener.address.port, '203.0.113.21, 127.0.0.1')).to.equal('tcp4:203.0.113.21:0');
  });

  it('through the trusted proxy: failures count against the forwarded client, not against everyone behind the proxy', async () => {
    for (let i = 0; i < 3; i++) expect((await login(url, PROXY, '203.0.113.7', 'guess')).first[2]).to.equal(WampErrorUri.authenticationDenied);
    const refused = await login(url, PROXY, '203.0.113.7', 'joe-ticket');
    expect(refused.first).to.deep.equal([M.ABORT, { message: 'too many failed logins for this authid or from this address: retry in 60 s' }, WampErrorUri.authenticationFailed]);
    expect(backoffLines()).to.deep.equal(['tcp4:203.0.113.7']);
    // Another client behind the same proxy still logs in.
    const other = await login(url, PROXY, '203.0.113.8', 'joe-ticket');
    expect([other.first[0], other.peer]).to.deep.equal([M.WELCOME, 'tcp4:203.0.113.8:0']);
  });

  it('a client connecting directly cannot choose its address with the header: its own address is counted and refused', async () => {
    const direct = await login(url, DIRECT, '203.0.113.99', 'joe-ticket');
    expect(direct.peer).to.match(/^tcp4:127\.0\.0\.2:\d+$/);
    for (let i = 0; i < 3; i++) expect((await login(url, DIRECT, `198.51.100.${i + 1}`, 'guess')).first[2]).to.equal(WampErrorUri.authenticationDenied);
    const refused = await login(url, DIRECT, '198.51.100.200', 'joe-ticket');
    expect(refused.first[2]).to.equal(WampErrorUri.authenticationFailed);
    expect(backoffLines()).to.deep.equal(['tcp4:203.0.113.7', 'tcp4:127.0.0.2']);
    // The spoofed addresses were never counted: a proxied client with one of them logs in.
    expect((await login(url, PROXY, '198.51.100.1', 'joe-ticket')).first[0]).to.equal(M.WELCOME);
  });
});

describe('trusted reverse proxies: the legacy WebSocket bridge (router/bridges/context.ts)', function () {
  this.timeout(20_000);
  let server: Server;
  let filesDir: string;

  before(async () => {
    filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-proxies-'));
    const config = testRouterConfig();
    const [http] = config.transports;
    if (http?.type !== 'http') throw new Error('expected the http transport');
    const services = http.services.map((s) => (s.type === 'websocket'
      ? { ...s, options: { ...s.options, clientAddress: { trustedProxies: [PROXY], header: 'x-forwarded-for' as const } } }
      : s));
    server = await startServer({
      router: { ...config, transports: [{ ...http, services }] },
      asexor: { tasksModule: TASKS_MODULE, filesDir, legacy: { websocket: { enabled: true } } },
      baseDir: process.cwd(),
      logger: silentLogger(),
    });
  });
  after(async () => {
    await server.close();
    await rm(filesDir, { recursive: true, force: true });
  });

  /**
   * Opens a legacy WebSocket from `localAddress` with `forwardedFor`; the transport peers of every legacy
   * bridge session while it is open, as the meta API shows them (an earlier one may wait for its client to come back).
   */
  async function legacyPeers(localAddress: string, forwardedFor: string): Promise<unknown[]> {
    const port = server.listeners[0]?.address.port ?? 0;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=alice-ticket`, { localAddress, headers: { 'x-forwarded-for': forwardedFor } });
    const closed = new Promise<void>((resolve) => { ws.on('close', () => { resolve(); }); });
    await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const root = await joinAs(`ws://127.0.0.1:${port}/ws`, 'root');
    try {
      const ids = await root.call('wamp.session.list') as number[];
      const details = await Promise.all(ids.map((id) => root.call('wamp.session.get', [id]) as Promise<{ transport?: { protocol?: unknown; peer?: unknown } }>));
      return details.filter((d) => d.transport?.protocol === LEGACY_WS_PROTOCOL).map((d) => d.transport?.peer);
    } finally {
      await root.close();
      ws.close();
      await closed;
    }
  }

  it('takes the forwarded client through the trusted proxy and ignores the header of a direct client', async () => {
    expect(await legacyPeers(PROXY, '203.0.113.31')).to.deep.equal(['tcp4:203.0.113.31:0']);
    const peers = await legacyPeers(DIRECT, '203.0.113.32');
    expect(peers.filter((p) => /^tcp4:127\.0\.0\.2:\d+$/.test(String(p)))).to.have.length(1);
    expect(peers).to.not.include('tcp4:203.0.113.32:0');
  });
});
