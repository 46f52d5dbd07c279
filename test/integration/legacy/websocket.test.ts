/**
 * The legacy ASEXOR WebSocket on the WAMP path (router/bridges/legacy-websocket.ts,
 * docs/legacy-websocket.md), against the real serve stack, with a client written from the protocol
 * description (test/helpers/legacy-ws-client.ts): authentication before the upgrade, every message
 * type, the original's error texts, bad input, reconnect with buffered updates, replacement,
 * inactivity timeout, heartbeat, isolation, and WAMP clients on the same path.
 */
import { expect } from 'chai';
import type { ClientSession } from '../../../cli/client.ts';
import { controlProcedure } from '../../../shared/wamp/app-uris.ts';
import { HttpRefusal, LegacyWsClient, isFinal } from '../../helpers/legacy-ws-client.ts';
import { startTestServer, type TestServer } from '../../helpers/start-server.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { joinAs, subscribeStatus, terminalOf } from '../../helpers/worker-clients.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('legacy WebSocket bridge (router/bridges/legacy-websocket.ts)', function () {
  let server: TestServer;
  const clients: LegacyWsClient[] = [];
  const wampClients: ClientSession[] = [];
  before(async () => {
    server = await startTestServer({
      asexor: { legacy: { websocket: { enabled: true, bufferTimeoutMs: 1500, inactiveTimeoutMs: 0 } } },
    });
  });
  after(async () => {
    await Promise.all([...clients.map((c) => c.close()), ...wampClients.map((c) => c.close())]);
    await server.close();
  });
  async function connect(token: string | undefined, sessionId?: string, options?: { autoPong?: boolean }): Promise<LegacyWsClient> {
    const client = await LegacyWsClient.connect(server.url, token, sessionId, options);
    clients.push(client);
    return client;
  }
  /** A WAMP session of alice's, closed after the suite. */
  async function watcher(): Promise<ClientSession> {
    const session = await joinAs(server.url, 'alice');
    wampClients.push(session);
    return session;
  }
  async function refusal(token: string | undefined): Promise<number> {
    try {
      await connect(token);
    } catch (error) {
      if (error instanceof HttpRefusal) return error.status;
      throw error;
    }
    return 101;
  }

  describe('authentication', () => {
    it('answers 401 before the upgrade for a missing, empty or unknown token', async () => {
      expect(await refusal(undefined)).to.equal(401);
      expect(await refusal('')).to.equal(401);
      expect(await refusal('not-a-ticket')).to.equal(401);
    });

    it('still serves WAMP on the same path, and refuses an unsupported subprotocol with 400', async () => {
      const wamp = await joinAs(server.url, 'alice');
      expect(wamp.authid).to.equal('alice');
      await wamp.close();
      const { WebSocket } = await import('ws');
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(server.url, ['mqtt']);
        ws.on('error', () => { /* terminate() below reports the aborted handshake */ });
        ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
        ws.once('open', () => { resolve(101); ws.close(); });
      });
      expect(status).to.equal(400);
    });
  });

  describe('calls and updates', () => {
    it('runs date: the reply first, then started and success with the original fields', async () => {
      const client = await connect('alice-ticket', 's1');
      client.call(1, 'date', ['%Y'], { utc: true });
      const messages = await client.finished(1);
      expect(messages.map((m) => m[0])).to.deep.equal(['r', 'm', 'm']);
      const taskId = messages[0]?.[2];
      expect(taskId).to.match(/^[0-9a-f]{32}$/);
      expect(messages[1]?.[2]).to.deep.equal({ status: 'started', task_id: taskId });
      const success = messages[2]?.[2] as Record<string, unknown>;
      expect(Object.keys(success)).to.deep.equal(['status', 'result', 'duration', 'task_id']);
      expect(success['result']).to.equal(String(new Date().getUTCFullYear()));
    });

    it('echoes any call id, sends progress updates and maps a failing task to an error update', async () => {
      const client = await connect('alice-ticket');
      client.call('x', 'progress', [], {});
      client.call({ n: 2 }, 'exit_with', [3], {});
      const progress = await client.finished('x');
      expect(progress.filter((m) => (m[2] as { status?: string }).status === 'progress').length).to.be.greaterThan(0);
      await client.until(() => client.messages.some((m) => JSON.stringify(m[1]) === '{"n":2}' && isFinal(m)));
      const failed = client.messages.filter((m) => JSON.stringify(m[1]) === '{"n":2}').at(-1);
      expect(failed?.[0]).to.equal('m');
      expect(failed?.[2]).to.include({ status: 'error' });
      expect((failed?.[2] as { error?: unknown }).error).to.be.a('string');
    });

    it('gives the original error texts, and e for a message it can read but not use', async () => {
      const client = await connect('bob-ticket');
      client.call(1, 'no_such');
      client.call(2, 'admin_only');
      client.send([5]);
      client.send([6, 'date', 'not an object']);
      client.send([7, 'date', { args: 'nope' }]);
      client.send([8, 'date', {}, 'extra']);
      await client.until(() => client.messages.filter((m) => m[0] === 'e').length === 6);
      const text = (id: number): unknown => client.of(id)[0];
      expect(text(1)).to.deep.equal(['e', 1, 'No task with name no_such', null]);
      expect(text(2)).to.deep.equal(['e', 2, 'Not authorised to run admin_only', null]);
      expect(text(5)).to.deep.equal(['e', 5, 'not enough values to unpack (expected 3, got 1)', null]);
      expect(text(6)).to.deep.equal(['e', 6, 'Invalid message', null]);
      expect(text(7)).to.deep.equal(['e', 7, 'Invalid message', null]);
      expect(text(8)).to.deep.equal(['e', 8, 'too many values to unpack (expected 3)', null]);
    });

    it('ignores what has no call id (not JSON, an object, an empty array, binary) and keeps serving', async () => {
      const client = await connect('bob-ticket');
      client.ws.send('{not json');
      client.send({ call: 1 });
      client.send([]);
      client.ws.send(Buffer.from([1, 2, 3]));
      client.call(9, 'date', ['%Y'], {});
      const messages = await client.finished(9);
      expect(client.messages.every((m) => m[1] === 9)).to.equal(true);
      expect(messages[0]?.[0]).to.equal('r');
    });

    it('closes a frame over maxMessageSize with 1009 and keeps other sockets working', async () => {
      const big = await connect('bob-ticket');
      const other = await connect('bob-ticket');
      big.ws.send('x'.repeat(2 * 1024 * 1024));
      expect((await big.closed).code).to.equal(1009);
      other.call(1, 'date', ['%Y'], {});
      expect((await other.finished(1))[0]?.[0]).to.equal('r');
    });

    it('never shows a user another user\'s updates; legacy and WAMP clients of one user see the same tasks', async () => {
      const alice = await connect('alice-ticket', 'iso');
      const bob = await connect('bob-ticket', 'iso');
      alice.call(1, 'date', ['%Y'], {});
      const [reply] = await alice.finished(1);
      bob.call(2, 'date', ['%Y'], {});
      await bob.finished(2); // bob's own task ended after alice's: anything of hers sent to him came before
      expect(bob.messages.filter((m) => m[1] !== 2), 'only bob\'s own call').to.deep.equal([]);
      const wamp = await joinAs(server.url, 'alice');
      const history = await wamp.call(controlProcedure('asexor', 'history'), []) as { task_id: string }[];
      await wamp.close();
      expect(history.map((t) => t.task_id)).to.include(reply?.[2]);
    });
  });

  describe('sessions', () => {
    it('buffers updates while (user, session_id) is away and delivers them first on reconnect', async () => {
      const statuses = await subscribeStatus(await watcher());
      const first = await connect('alice-ticket', 'resume');
      first.call(1, 'sleep', [0.3], {});
      await first.until(() => first.of(1).length >= 1);
      await first.close();
      await terminalOf(statuses, first.of(1)[0]?.[2]); // the task ended while nobody was connected
      const second = await connect('alice-ticket', 'resume');
      const messages = await second.finished(1);
      expect(messages.at(-1)?.[2]).to.include({ status: 'success' });
      expect(second.messages[0]?.[1]).to.equal(1); // the buffer comes before anything else
    });

    it('drops the buffer after bufferTimeoutMs', async () => {
      const before = server.server.router.sessionCount;
      const first = await connect('alice-ticket', 'expire');
      first.call(1, 'sleep', [0.1], {});
      await first.until(() => first.of(1).length >= 1);
      await first.close();
      await waitFor(() => server.server.router.sessionCount === before, 'the expired key\'s WAMP session closed', 4_000);
      const second = await connect('alice-ticket', 'expire');
      second.call(2, 'date', ['%Y'], {});
      await second.finished(2); // a buffer would have been delivered before anything else
      expect(second.messages.filter((m) => m[1] !== 2)).to.deep.equal([]);
    });

    it('a second socket with the same key replaces the first (1000) and gets its updates', async () => {
      const first = await connect('alice-ticket', 'dup');
      first.call(1, 'sleep', [0.3], {});
      await first.until(() => first.of(1).length >= 1);
      const second = await connect('alice-ticket', 'dup');
      const closed = await first.closed;
      expect(closed.code).to.equal(1000);
      expect(closed.reason).to.equal('Closing session dup replaced or timeout');
      const messages = await second.finished(1);
      expect(messages.at(-1)?.[2]).to.include({ status: 'success' });
    });

    it('the same session id of two users are two sessions', async () => {
      const alice = await connect('alice-ticket', 'shared-id');
      const bob = await connect('bob-ticket', 'shared-id');
      alice.call(1, 'date', ['%Y'], {});
      bob.call(1, 'date', ['%Y'], {});
      await Promise.all([alice.finished(1), bob.finished(1)]);
      expect(alice.ws.readyState).to.equal(alice.ws.OPEN);
      expect(bob.ws.readyState).to.equal(bob.ws.OPEN);
    });
  });

  describe('timers', () => {
    let timed: TestServer;
    before(async () => {
      timed = await startTestServer({
        asexor: { legacy: { websocket: { enabled: true, inactiveTimeoutMs: 400, heartbeatMs: 200 } } },
      });
    });
    after(async () => { await timed.close(); });

    it('closes an idle socket with 1000 after inactiveTimeoutMs; a reply re-arms it', async () => {
      const client = await LegacyWsClient.connect(timed.url, 'alice-ticket');
      const started = Date.now();
      await sleep(250);
      client.call(1, 'date', ['%Y'], {});
      const closed = await client.closed;
      expect(closed.code).to.equal(1000);
      expect(Date.now() - started).to.be.greaterThan(500);
    });

    it('closes a socket that does not answer pings', async () => {
      const client = await LegacyWsClient.connect(timed.url, 'alice-ticket', undefined, { autoPong: false });
      const closed = await client.closed;
      expect(closed.code, 'dropped by the heartbeat (no close frame), not closed for inactivity (1000)').to.equal(1006);
    });
  });

  it('closes legacy sockets with 1012 when the server shuts down', async () => {
    const own = await startTestServer({ asexor: { legacy: { websocket: { enabled: true } } } });
    const client = await LegacyWsClient.connect(own.url, 'alice-ticket');
    await own.close();
    expect((await client.closed).code).to.equal(1012);
  });
});
