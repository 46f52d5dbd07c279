/**
 * The WAMP sessions behind legacy raw socket connections (docs/legacy-rawsocket.md, "Sessions"):
 * closing a connection closes its sessions while the tasks run on, and the per-connection cache of
 * delegated (user, role) sessions stays bounded without closing a session that still has work.
 */
import { expect } from 'chai';
import type { BridgeSink } from '../../../router/bridges/bridge-session.ts';
import { createBridgeContext, type BridgeContext, type LegacyListener } from '../../../router/bridges/context.ts';
import { DelegatedSessions } from '../../../router/bridges/legacy-raw-delegated-sessions.ts';
import { startLegacyRawSocket } from '../../../router/bridges/legacy-rawsocket.ts';
import { legacyDefaults, type LegacyRawSocketSettings } from '../../../shared/legacy/settings.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../../shared/wamp/messages.ts';
import { LegacyRawClient } from '../../helpers/legacy-raw-client.ts';
import { LocalTestClient } from '../../helpers/local-client.ts';
import { startTestServer, USERS, type TestServer } from '../../helpers/start-server.ts';

const AUTH = { ticket: { type: 'static' as const, principals: USERS } };

function settings(overrides: Partial<LegacyRawSocketSettings> = {}): LegacyRawSocketSettings {
  return {
    endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' }, noUpdate: false, delegated: false, delegates: {},
    ...legacyDefaults.rawsocket, ...overrides,
  };
}

async function eventually(done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Another WAMP session of `user`, watching its status topic (status events go to the user's sessions only). */
async function watchStatus(server: TestServer, user: 'alice' | 'bob'): Promise<LocalTestClient> {
  const watcher = new LocalTestClient(server.server.router, { auth: AUTH });
  const challenge = await watcher.hello('asexor', { authid: user, authmethods: ['ticket'] });
  expect(challenge.type).to.equal(MessageType.CHALLENGE);
  watcher.send({ type: MessageType.AUTHENTICATE, signature: USERS[user].ticket, extra: {} });
  await watcher.expect(MessageType.WELCOME);
  await watcher.subscribe(`asexor.status.${user}`);
  return watcher;
}

function isStatus(taskId: unknown, status: string): (m: WampMessage) => boolean {
  return (m) => m.type === MessageType.EVENT && m.kwargs?.['task_id'] === taskId && m.kwargs?.['status'] === status;
}

class Sink implements BridgeSink {
  readonly answers: unknown[][] = [];
  reply(callId: unknown, taskId: string): void { this.answers.push(['r', callId, taskId]); }
  error(callId: unknown, text: string): void { this.answers.push(['e', callId, text]); }
  update(callId: unknown, data: Readonly<Record<string, unknown>>): void { this.answers.push(['m', callId, data['status']]); }
  ended(callId: unknown): boolean {
    return this.answers.some((a) => a[1] === callId && (a[0] === 'e' || a[2] === 'success' || a[2] === 'error'));
  }
}

describe('legacy raw socket sessions', function () {
  this.timeout(20_000);
  let server: TestServer;
  let context: BridgeContext;
  let listener: LegacyListener;
  let delegating: LegacyListener;

  before(async () => {
    server = await startTestServer();
    context = createBridgeContext({ router: server.server.router, realm: 'asexor', uriPrefix: 'asexor', auth: AUTH, logger: silentLogger() });
    listener = await startLegacyRawSocket(context, settings());
    delegating = await startLegacyRawSocket(context, settings({ delegated: true, delegates: { admin: ['user'] } }));
  });
  after(async () => {
    await listener.close();
    await delegating.close();
    await server.close();
  });

  it('closes the connection\'s session when the client goes away; its task runs to the end', async () => {
    const router = server.server.router;
    const watcher = await watchStatus(server, 'alice');
    const before = router.sessionCount;
    const client = await LegacyRawClient.login(listener.address, 'alice-ticket');
    expect(router.sessionCount).to.equal(before + 1);
    client.call(1, 'sleep', { args: [0.3] });
    await client.until(() => client.answers().length > 0);
    const taskId = client.answers()[0]?.[2];
    await client.close();
    await eventually(() => router.sessionCount === before, 'the bridge session to close');
    await watcher.waitFor(isStatus(taskId, 'success'), 5000);
    await watcher.close();
  });

  it('closes the service\'s session and every delegated session with the connection', async () => {
    const router = server.server.router;
    const before = router.sessionCount;
    const service = await LegacyRawClient.login(delegating.address, 'root-ticket');
    service.call(1, 'date', { user: 'pepa' });
    service.call(2, 'date', { user: 'jana' });
    await service.finished(1);
    await service.finished(2);
    expect(router.sessionCount).to.equal(before + 3);
    await service.close();
    await eventually(() => router.sessionCount === before, 'every session to close');
  });

  it('listener.close() ends its connections and their sessions', async () => {
    const router = server.server.router;
    const before = router.sessionCount;
    const extra = await startLegacyRawSocket(context, settings());
    const client = await LegacyRawClient.login(extra.address, 'bob-ticket');
    expect(router.sessionCount).to.equal(before + 1);
    await extra.close();
    await client.closedByServer();
    await eventually(() => router.sessionCount === before, 'the session to close');
  });

  describe('the delegated session cache', () => {
    function cache(sink: Sink, limit: number): DelegatedSessions {
      return new DelegatedSessions({
        open: (user, role) => context.openSession({ kind: 'delegated', authid: user, authrole: role }, 'test', 'test'),
        sink, logger: silentLogger(), limit,
      });
    }

    it('reuses the session of a (user, role) and closes the least recently used idle one beyond the limit', async () => {
      const router = server.server.router;
      const before = router.sessionCount;
      const sink = new Sink();
      const sessions = cache(sink, 2);
      try {
        sessions.submit({ callId: 1, user: 'u1', role: 'user', task: 'date', args: [], kwargs: {} });
        sessions.submit({ callId: 2, user: 'u1', role: 'user', task: 'date', args: [], kwargs: {} });
        await eventually(() => sink.ended(1) && sink.ended(2), 'u1\'s tasks');
        expect(sessions.size).to.equal(1);
        expect(router.sessionCount).to.equal(before + 1);
        sessions.submit({ callId: 3, user: 'u2', role: 'user', task: 'date', args: [], kwargs: {} });
        await eventually(() => sink.ended(3), 'u2\'s task');
        sessions.submit({ callId: 4, user: 'u1', role: 'user', task: 'date', args: [], kwargs: {} }); // u1 is now the most recent
        await eventually(() => sink.ended(4), 'u1\'s third task');
        sessions.submit({ callId: 5, user: 'u3', role: 'user', task: 'date', args: [], kwargs: {} });
        expect(sessions.size).to.equal(2); // u2 was closed
        await eventually(() => sink.ended(5), 'u3\'s task');
        await eventually(() => router.sessionCount === before + 2, 'u2\'s session to close');
      } finally {
        sessions.close();
      }
      await eventually(() => router.sessionCount === before, 'every session to close');
    });

    it('keeps busy sessions beyond the limit rather than lose their updates', async () => {
      const sink = new Sink();
      const sessions = cache(sink, 1);
      try {
        sessions.submit({ callId: 'a', user: 'u1', role: 'user', task: 'sleep', args: [0.2], kwargs: {} });
        sessions.submit({ callId: 'b', user: 'u2', role: 'user', task: 'sleep', args: [0.2], kwargs: {} });
        expect(sessions.size).to.equal(2);
        await eventually(() => sink.ended('a') && sink.ended('b'), 'both tasks');
        expect(sink.answers.filter((x) => x[0] === 'm').map((x) => `${String(x[1])}:${String(x[2])}`)).to.include.members(['a:success', 'b:success']);
      } finally {
        sessions.close();
      }
    });

    it('answers every waiting call with e when a session cannot be opened, and keeps no entry for it (the next call tries again)', async () => {
      const sink = new Sink();
      const sessions = cache(sink, 10);
      try {
        sessions.submit({ callId: 1, user: 'u1', role: 'emperor', task: 'date', args: [], kwargs: {} });
        sessions.submit({ callId: 2, user: 'u1', role: 'emperor', task: 'date', args: [], kwargs: {} });
        await eventually(() => sink.ended(1) && sink.ended(2), 'both refusals');
        expect(sink.answers.map((x) => x[0])).to.deep.equal(['e', 'e']);
        expect(String(sink.answers[0]?.[2])).to.match(/^Cannot act as user u1 with role emperor: /);
        expect(sessions.size).to.equal(0);
      } finally {
        sessions.close();
      }
    });
  });
});
