/**
 * Failed-login throttling through a real router and real WebSocket clients on 127.0.0.1, port 0
 * (docs/fairness-and-abuse.md): after N failures an authid or address is refused at HELLO with
 * wamp.error.authentication_failed; failures are logged at warn, a bounded number of lines; a RawSocket
 * client that never sends its handshake is no longer logged at info.
 */
import { expect } from 'chai';
import { createConnection } from 'node:net';
import { createRouter } from '../../router/index.ts';
import { startRawSocketTransport } from '../../router/transports/rawsocket.ts';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { probeWebSocket as connect } from '../helpers/transports/websocket.ts';
import { recordingLogger } from '../helpers/recording-logger.ts';
import { logFlushed } from '../helpers/wait-for.ts';
import { openRealm } from '../helpers/router-fixtures.ts';
import { startTestRouter, type TestRouter } from '../helpers/start-router.ts';

const ROLES = { caller: {}, subscriber: {} };
const AUTH = { ticket: { type: 'static' as const, principals: { joe: { ticket: 'joe-ticket', role: 'anonymous' }, ann: { ticket: 'ann-ticket', role: 'anonymous' } } } };

/** One ticket login over a fresh WebSocket: the first reply after HELLO (and AUTHENTICATE when challenged). */
async function login(url: string, authid: string, ticket: string): Promise<unknown[]> {
  const client = await connect(url, 'wamp.2.json');
  try {
    client.send([M.HELLO, 'realm1', { roles: ROLES, authmethods: ['ticket'], authid }]);
    const first = await client.next();
    if (first[0] !== M.CHALLENGE) return first;
    client.send([M.AUTHENTICATE, ticket, {}]);
    return await client.next();
  } finally {
    await client.close();
  }
}

describe('failed-login throttling over WebSocket (router/auth/login-throttle.ts)', function () {
  this.timeout(20_000);
  let bed: TestRouter;
  let lines: Record<string, unknown>[];

  afterEach(async () => { await bed.close(); });

  it('refuses an authid at HELLO after maxFailuresPerAuthid wrong tickets, even with the right one; other authids still log in', async () => {
    const recorder = recordingLogger('warn');
    lines = recorder.lines;
    bed = await startTestRouter({ auth: AUTH, router: { logger: recorder.logger, loginThrottle: { maxFailuresPerAuthid: 3, backoffMs: 120_000 } } });
    for (let i = 0; i < 3; i++) expect((await login(bed.url, 'joe', 'guess'))[2]).to.equal(WampErrorUri.authenticationDenied);
    const refused = await login(bed.url, 'joe', 'joe-ticket');
    expect(refused).to.deep.equal([M.ABORT, { message: 'too many failed logins for this authid or from this address: retry in 120 s' }, WampErrorUri.authenticationFailed]);
    expect((await login(bed.url, 'ann', 'ann-ticket'))[0]).to.equal(M.WELCOME);
    await logFlushed(recorder.logger, lines);
    expect(lines.filter((l) => l['msg'] === 'too many failed logins: refusing further attempts for a while')).to.have.length(1);
    expect(lines.filter((l) => l['msg'] === 'failed logins (counts since the previous line)')).to.have.length(1);
  });

  it('under a flood of 300 wrong tickets in parallel from one address, refuses most at HELLO and writes a handful of log lines', async () => {
    const recorder = recordingLogger('info');
    lines = recorder.lines;
    bed = await startTestRouter({ auth: AUTH, router: { logger: recorder.logger, loginThrottle: { maxFailuresPerAddress: 20 } } });
    const replies = [];
    for (let batch = 0; batch < 10; batch++) {
      replies.push(...await Promise.all(Array.from({ length: 30 }, (_, i) => login(bed.url, `guess${batch}-${i}`, 'nope'))));
    }
    const reasons = replies.map((r) => r[2]);
    expect(reasons.filter((r) => r === WampErrorUri.authenticationDenied).length).to.be.at.most(20);
    expect(reasons.filter((r) => r === WampErrorUri.authenticationFailed).length).to.be.at.least(280);
    await logFlushed(recorder.logger, lines);
    const routerLines = lines.filter((l) => l['component'] === 'login-throttle');
    expect(routerLines.length).to.be.within(2, 4);
    expect(routerLines.every((l) => l['level'] === 40)).to.equal(true);
  });
});

describe('RawSocket client faults are logged at debug, not info (router/transports/rawsocket.ts)', () => {
  it('writes no info line for a connection that never sends its handshake', async () => {
    const { logger, lines } = recordingLogger('info');
    const router = createRouter({ realms: [openRealm()] });
    const listener = await startRawSocketTransport(router, {
      type: 'rawsocket', endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 }, serializers: ['json'],
      options: { maxMessageSize: 1024 * 1024, maxConnections: 10 },
    }, { logger, rawsocket: { handshakeTimeoutMs: 50 } });
    try {
      const closed = await Promise.all(Array.from({ length: 5 }, () => new Promise<void>((resolve) => {
        const socket = createConnection({ host: '127.0.0.1', port: listener.address.port });
        socket.on('error', () => { /* the router drops it */ });
        socket.on('close', () => { resolve(); });
      })));
      expect(closed).to.have.length(5);
      await logFlushed(logger, lines);
      expect(lines.filter((l) => l['msg'] === 'no rawsocket handshake in time; connection dropped')).to.deep.equal([]);
    } finally {
      await listener.close();
      await router.close();
    }
  });
});
