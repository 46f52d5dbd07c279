/**
 * Behind a reverse proxy (router/auth/client-address.ts, docs/fairness-and-abuse.md "Behind a reverse
 * proxy"): a real router from a Crossbar config with `trusted_proxies: ["127.0.0.1"]` and real WebSocket
 * upgrades carrying X-Forwarded-For, from 127.0.0.1 (the trusted proxy) and from 127.0.0.2 (a client
 * connecting directly, bound with `localAddress`). Through the proxy the login throttle counts the
 * forwarded client and the session details name it; a direct client's header is ignored.
 */
import { expect } from 'chai';
import { WebSocket } from 'ws';
import { createRouter, type Router } from '../../router/index.ts';
import { startHttpTransport, type Listener } from '../../router/transports/http-server.ts';
import { fromCrossbarConfig } from '../../shared/config/crossbar.ts';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { recordingLogger } from '../helpers/recording-logger.ts';

const PROXY = '127.0.0.1';
const DIRECT = '127.0.0.2';
const ROLES = { caller: {} };

function crossbarConfig(options: Record<string, unknown>): unknown {
  return {
    version: 2,
    workers: [{
      type: 'router',
      options,
      realms: [{ name: 'realm1', roles: [{ name: 'user', permissions: [{ uri: '', match: 'prefix', allow: { call: true } }] }] }],
      transports: [{
        type: 'websocket', endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
        auth: { ticket: { type: 'static', principals: { joe: { ticket: 'joe-ticket', role: 'user' } } } },
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
    url = `ws://127.0.0.1:${listener.address.port}/`;
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
