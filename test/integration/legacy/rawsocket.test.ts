/**
 * The original ASEXOR raw socket protocol (docs/legacy-rawsocket.md) against the real serve stack,
 * over loopback TCP and a Unix socket, with a client written from the protocol description
 * (test/helpers/legacy-raw-client.ts): the token handshake, calls and their answers, the original's
 * update fields and error texts, broken clients, no-update mode and the delegated listener.
 */
import { expect } from 'chai';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode } from 'cborg';
import { createBridgeContext, type BridgeContext, type LegacyListener } from '../../../router/bridges/context.ts';
import { MISSING_USER_TEXT } from '../../../router/bridges/legacy-raw-delegation.ts';
import { startLegacyRawSocket } from '../../../router/bridges/legacy-rawsocket.ts';
import { TransportBindError } from '../../../shared/errors.ts';
import { legacyDefaults, type LegacyRawSocketSettings } from '../../../shared/legacy/settings.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { LegacyRawClient, callFrame, rawFrame, type LegacyAnswer, type RawAddress } from '../../helpers/legacy-raw-client.ts';
import { startTestServer, USERS, type TestServer } from '../../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf } from '../../helpers/worker-clients.ts';

const YEAR = String(new Date().getFullYear());

function settings(overrides: Partial<LegacyRawSocketSettings> = {}): LegacyRawSocketSettings {
  return {
    endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
    noUpdate: false,
    delegated: false,
    delegates: {},
    ...legacyDefaults.rawsocket,
    ...overrides,
  };
}

function statuses(answers: readonly LegacyAnswer[]): string[] {
  return answers.map((a) => (a[0] === 'm' ? `m:${String(a[2]['status'])}` : a[0]));
}

describe('legacy raw socket (router/bridges/legacy-rawsocket.ts)', function () {
  this.timeout(20_000);
  let server: TestServer;
  let context: BridgeContext;
  const listeners: LegacyListener[] = [];
  const clients: LegacyRawClient[] = [];

  before(async () => {
    server = await startTestServer();
    context = createBridgeContext({
      router: server.server.router, realm: 'asexor', uriPrefix: 'asexor',
      auth: { ticket: { type: 'static', principals: USERS } }, logger: silentLogger(),
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.close()));
    await server.close();
  });

  async function listen(overrides: Partial<LegacyRawSocketSettings> = {}): Promise<RawAddress> {
    const listener = await startLegacyRawSocket(context, settings(overrides));
    listeners.push(listener);
    return listener.address;
  }

  async function connect(address: RawAddress): Promise<LegacyRawClient> {
    const client = await LegacyRawClient.connect(address);
    clients.push(client);
    return client;
  }

  async function login(address: RawAddress, token: string): Promise<LegacyRawClient> {
    const client = await LegacyRawClient.login(address, token);
    clients.push(client);
    return client;
  }

  describe('over TCP', () => {
    let address: RawAddress;
    before(async () => { address = await listen(); });

    describe('handshake', () => {
      it('answers a good token with the 1-byte data frame 00', async () => {
        const client = await connect(address);
        expect(await client.handshake('alice-ticket')).to.equal(0);
        expect(client.isClosed).to.equal(false);
      });

      it('answers 02 (configuration) and closes for a valid token whose role may not receive its updates', async () => {
        const client = await connect(address);
        expect(await client.handshake('guest-ticket')).to.equal(2); // the guest role may not subscribe to a status topic
        await client.closedByServer();
      });

      it('answers an unknown token with 01 and closes', async () => {
        const client = await connect(address);
        expect(await client.handshake('nobody')).to.equal(1);
        await client.closedByServer();
      });

      it('answers an empty token with 01 and closes', async () => {
        const client = await connect(address);
        expect(await client.handshake('')).to.equal(1);
        await client.closedByServer();
      });

      it('closes a connection that sends no token in time, without an answer', async () => {
        const quick = await listen({ handshakeTimeoutMs: 200 });
        const client = await connect(quick);
        await client.closedByServer(3000);
        expect(client.frames).to.deep.equal([]);
      });

      it('runs a call sent in the same write as the token (the original took it for a second token)', async () => {
        const client = await connect(address);
        client.write(Buffer.concat([rawFrame('data', 'alice-ticket'), callFrame(1, 'date', { args: ['%Y'] })]));
        expect((await client.nextData()).payload).to.deep.equal(Buffer.of(0));
        const answers = await client.finished(1);
        expect(client.isClosed).to.equal(false);
        expect(statuses(answers)).to.deep.equal(['r', 'm:started', 'm:success']);
      });

      it('keeps every frame that arrives before the answer, in order, and runs them after it', async () => {
        const client = await connect(address);
        client.write(Buffer.concat([
          rawFrame('data', 'bob-ticket'), callFrame(1, 'date', { args: ['%Y'] }), callFrame(2, 'no_such'), callFrame('three', 'date'),
        ]));
        expect((await client.nextData()).payload).to.deep.equal(Buffer.of(0));
        await client.finished('three');
        await client.finished(1);
        const answers = client.answers();
        expect(answers.filter((a) => a[0] !== 'm').map((a) => [a[0], a[1]])).to.deep.equal([['r', 1], ['e', 2], ['r', 'three']]);
      });

      it('answers a ping before the token with a pong carrying the same payload', async () => {
        const client = await connect(address);
        client.write(rawFrame('ping', 'are you there'));
        await client.until(() => client.frames.length > 0);
        expect(client.frames[0]).to.deep.equal({ type: 'pong', payload: Buffer.from('are you there') });
        client.frames.length = 0;
        expect(await client.handshake('alice-ticket')).to.equal(0);
      });
    });

    describe('calls', () => {
      it('runs date: reply first, then started and success with the original fields', async () => {
        const client = await login(address, 'alice-ticket');
        client.call(1, 'date', { args: ['%Y'] });
        const answers = await client.finished(1);
        expect(statuses(answers)).to.deep.equal(['r', 'm:started', 'm:success']);
        const [reply, started, success] = answers;
        const taskId = reply?.[2];
        expect(reply).to.deep.equal(['r', 1, taskId]);
        expect(taskId).to.match(/^[0-9a-f]{32}$/);
        expect(started).to.deep.equal(['m', 1, { status: 'started', task_id: taskId }]);
        const data = success?.[2] as Record<string, unknown>;
        expect(Object.keys(data)).to.deep.equal(['status', 'result', 'duration', 'task_id']);
        expect(data).to.include({ status: 'success', result: YEAR, task_id: taskId });
        expect(data['duration']).to.be.a('number');
      });

      it('sends every message type: progress updates, an error update, and error replies', async () => {
        const client = await login(address, 'alice-ticket');
        client.call(1, 'progress', { kwargs: { steps: 2, delay: 10 } });
        client.call(2, 'exit_with', { args: [3, 'boom'] });
        const progress = await client.finished(1);
        expect(statuses(progress)).to.include.members(['r', 'm:started', 'm:progress', 'm:success']);
        const step = progress.find((a) => a[0] === 'm' && a[2]['status'] === 'progress') as ['m', unknown, Record<string, unknown>];
        expect(Object.keys(step[2])).to.deep.equal(['status', 'progress', 'task_id']);
        const failed = await client.finished(2);
        expect(statuses(failed)).to.deep.equal(['r', 'm:started', 'm:error']);
        const error = failed[2]?.[2] as Record<string, unknown>;
        expect(Object.keys(error)).to.deep.equal(['status', 'error', 'duration', 'task_id']);
        expect(error['error']).to.be.a('string').and.not.equal('');
      });

      it('runs sleep, then gives the original texts for an unknown and an unauthorised task', async () => {
        const client = await login(address, 'bob-ticket');
        client.call(1, 'sleep', { args: [0.1] });
        client.call('x', 'no_such_task');
        client.call(3, 'admin_only');
        expect(await client.finished('x')).to.deep.equal([['e', 'x', 'No task with name no_such_task', null]]);
        expect(await client.finished(3)).to.deep.equal([['e', 3, 'Not authorised to run admin_only', null]]);
        const slept = await client.finished(1);
        expect(statuses(slept)).to.deep.equal(['r', 'm:started', 'm:success']);
        expect(slept[2]?.[2]).to.include({ result: null });
      });

      it('answers a call with a call id but a bad shape with e and keeps the connection', async () => {
        const client = await login(address, 'alice-ticket');
        client.write(rawFrame('data', encode([5])));
        client.write(rawFrame('data', encode([6, 'date', 'not a map'])));
        client.write(rawFrame('data', encode([7, 'date', { args: 'not a list' }])));
        await client.finished(7);
        expect(client.answers()).to.deep.equal([
          ['e', 5, 'not enough values to unpack (expected 3, got 1)', null],
          ['e', 6, 'Invalid message', null],
          ['e', 7, 'Invalid message', null],
        ]);
        client.call(8, 'date');
        expect(statuses(await client.finished(8))).to.deep.equal(['r', 'm:started', 'm:success']);
      });

      it('answers a ping after the handshake with a pong and ignores a pong', async () => {
        const client = await login(address, 'alice-ticket');
        client.write(Buffer.concat([rawFrame('pong', 'unsolicited'), rawFrame('ping', Buffer.of(1, 2, 3)), callFrame(1, 'date')]));
        await client.finished(1);
        expect(client.frames.filter((f) => f.type !== 'data')).to.deep.equal([{ type: 'pong', payload: Buffer.of(1, 2, 3) }]);
      });
    });

    describe('broken clients', () => {
      it('closes the connection without a reply on bytes that are not CBOR', async () => {
        const client = await login(address, 'alice-ticket');
        client.write(rawFrame('data', Buffer.of(0xff, 0xff, 0x00)));
        await client.closedByServer();
        expect(client.answers()).to.deep.equal([]);
      });

      it('closes the connection without a reply on JSON sent instead of CBOR', async () => {
        const client = await login(address, 'alice-ticket');
        client.write(rawFrame('data', JSON.stringify([1, 'date', {}])));
        await client.closedByServer();
        expect(client.answers()).to.deep.equal([]);
      });

      it('closes the connection on a CBOR value with no call id (a map, an empty array)', async () => {
        for (const value of [{ call: 1 }, []]) {
          const client = await login(address, 'alice-ticket');
          client.write(rawFrame('data', encode(value)));
          await client.closedByServer();
          expect(client.answers()).to.deep.equal([]);
        }
      });

      it('closes the connection on a frame type 3..7', async () => {
        const client = await login(address, 'alice-ticket');
        client.write(Buffer.of(0x03, 0, 0, 0));
        await client.closedByServer();
      });

      it('closes the connection as soon as a header announces more than maxMessageSize, before the token too', async () => {
        const small = await listen({ maxMessageSize: 1024 });
        const client = await login(small, 'alice-ticket');
        client.write(Buffer.of(0x00, 0x00, 0x04, 0x01)); // 1025 bytes announced, none sent
        await client.closedByServer();
        const early = await connect(small);
        early.write(Buffer.of(0x00, 0xff, 0xff, 0xff));
        await early.closedByServer();
        expect(early.frames).to.deep.equal([]);
      });

      it('keeps another client\'s session and task running while a bad client is dropped', async () => {
        const good = await login(address, 'alice-ticket');
        good.call(1, 'sleep', { args: [0.3] });
        await good.until(() => good.answers().length > 0);
        const bad = await login(address, 'bob-ticket');
        bad.write(rawFrame('data', 'garbage'));
        await bad.closedByServer();
        expect(statuses(await good.finished(1))).to.deep.equal(['r', 'm:started', 'm:success']);
        good.call(2, 'date');
        expect(statuses(await good.finished(2))).to.deep.equal(['r', 'm:started', 'm:success']);
      });

      it('drops a client that stops reading once its unwritten answers pass queueLimitBytes', async () => {
        const limited = await listen({ queueLimitBytes: 1024 });
        const client = await login(limited, 'alice-ticket');
        client.socket.pause();
        const id = 'x'.repeat(1000);
        const calls = Buffer.concat(Array.from({ length: 400 }, () => rawFrame('data', encode([id]))));
        for (let i = 0; i < 80 && !client.isClosed; i += 1) { // each round asks for ~420 kB of `e` answers
          await new Promise<void>((resolve) => { client.socket.write(calls, () => { resolve(); }); }); // handed to the kernel (or failed: closed)
        }
        client.socket.resume();
        await client.closedByServer(10_000);
      });
    });

    describe('isolation', () => {
      it('never shows a user another user\'s updates, even with the same call ids', async () => {
        const alice = await login(address, 'alice-ticket');
        const bob = await login(address, 'bob-ticket');
        alice.call(1, 'date', { args: ['%Y'] });
        bob.call(1, 'sleep', { args: [0.1] });
        const a = await alice.finished(1);
        const b = await bob.finished(1);
        // A second task each, ended after the first ones: anything of the other user's came before it.
        alice.call(2, 'date', { args: ['%Y'] });
        bob.call(2, 'date', { args: ['%Y'] });
        const a2 = await alice.finished(2);
        const b2 = await bob.finished(2);
        const aliceTasks: unknown[] = [a[0]?.[2], a2[0]?.[2]];
        const bobTasks: unknown[] = [b[0]?.[2], b2[0]?.[2]];
        expect(aliceTasks.some((task) => bobTasks.includes(task))).to.equal(false);
        expect(alice.answers().filter((x) => x[0] === 'm').every((x) => aliceTasks.includes((x[2])['task_id']))).to.equal(true);
        expect(bob.answers().filter((x) => x[0] === 'm').every((x) => bobTasks.includes((x[2])['task_id']))).to.equal(true);
        expect(alice.answers()).to.have.length(6);
        expect(bob.answers()).to.have.length(6);
      });
    });
  });

  describe('noUpdate', () => {
    it('sends replies and errors only', async () => {
      const address = await listen({ noUpdate: true });
      const watcher = await joinAs(server.url, 'alice');
      const events = await subscribeStatus(watcher);
      const client = await login(address, 'alice-ticket');
      client.call(1, 'date');
      client.call(2, 'no_such');
      await client.until(() => client.answers().length === 2);
      await terminalOf(events, client.answers().find((x) => x[0] === 'r')?.[2]); // updates, if any, went out by now
      await watcher.close();
      expect(statuses(client.answers())).to.deep.equal(['r', 'e']);
    });
  });

  describe('over a Unix socket', () => {
    let dir: string;
    before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'asexor-legacy-raw-')); });
    after(async () => { await rm(dir, { recursive: true, force: true }); });

    it('runs the handshake and a call, and removes its socket file when closed', async () => {
      const socketPath = path.join(dir, 'legacy.sock');
      const listener = await startLegacyRawSocket(context, settings({ endpoint: { type: 'unix', path: socketPath } }));
      try {
        expect(listener.address).to.deep.equal({ path: socketPath });
        const client = await login(listener.address, 'alice-ticket');
        client.call(1, 'date', { args: ['%Y'] });
        expect(statuses(await client.finished(1))).to.deep.equal(['r', 'm:started', 'm:success']);
      } finally {
        await listener.close();
      }
      await expectMissing(socketPath);
    });

    it('refuses a path taken by a file that is not a socket', async () => {
      const file = path.join(dir, 'taken');
      await writeFile(file, 'not a socket');
      try {
        await startLegacyRawSocket(context, settings({ endpoint: { type: 'unix', path: file } }));
        expect.fail('listened');
      } catch (error) {
        expect(error).to.be.instanceOf(TransportBindError);
      }
    });
  });

  describe('delegated listener', () => {
    let address: RawAddress;
    // root (role admin) and worker (role worker, which may not subscribe to status topics) are delegating services.
    before(async () => { address = await listen({ delegated: true, delegates: { admin: ['user'], worker: ['user'] } }); });

    it('submits as the call\'s user and role: the task runs and its updates come back with the call id', async () => {
      const service = await login(address, 'root-ticket');
      service.call(1, 'date', { args: ['%Y'], user: 'pepa', role: 'user' });
      service.call(2, 'date', { user: 'jana' }); // no role: the first of the list
      const one = await service.finished(1);
      expect(statuses(one)).to.deep.equal(['r', 'm:started', 'm:success']);
      expect(one[2]?.[2]).to.include({ result: YEAR });
      expect(statuses(await service.finished(2))).to.deep.equal(['r', 'm:started', 'm:success']);
    });

    it('submits with the delegated role, not the service\'s (admin_only is refused for role user)', async () => {
      const service = await login(address, 'root-ticket');
      service.call(1, 'admin_only', { user: 'pepa', role: 'user' });
      expect(await service.finished(1)).to.deep.equal([['e', 1, 'Not authorised to run admin_only', null]]);
    });

    it('refuses a role outside the service\'s list, its own role included', async () => {
      const service = await login(address, 'root-ticket');
      service.call(1, 'date', { user: 'pepa', role: 'admin' });
      service.call(2, 'date', { user: 'pepa', role: 'worker' });
      expect(await service.finished(1)).to.deep.equal([['e', 1, 'Role admin may not be delegated by this service', null]]);
      expect(await service.finished(2)).to.deep.equal([['e', 2, 'Role worker may not be delegated by this service', null]]);
    });

    it('answers a call without a user with a clear error text', async () => {
      const service = await login(address, 'root-ticket');
      service.call(1, 'date', { role: 'user' });
      service.call(2, 'date', { user: '' });
      expect(await service.finished(1)).to.deep.equal([['e', 1, MISSING_USER_TEXT, null]]);
      expect(await service.finished(2)).to.deep.equal([['e', 2, MISSING_USER_TEXT, null]]);
    });

    it('answers 01 and closes for a service whose role may not delegate', async () => {
      const client = await connect(address);
      expect(await client.handshake('alice-ticket')).to.equal(1);
      await client.closedByServer();
    });

    it('admits a listed service whose role may not subscribe to a status topic: its own session does not subscribe', async () => {
      const service = await login(address, 'worker-ticket');
      service.call(1, 'date', { args: ['%Y'], user: 'pepa', role: 'user' });
      const messages = await service.finished(1);
      expect(messages[0]?.[0]).to.equal('r');
      expect(messages.at(-1)?.[2]).to.include({ status: 'success' });
    });

    it('keeps the users of one service apart: each task\'s updates carry its own call id', async () => {
      const service = await login(address, 'root-ticket');
      service.call('p', 'sleep', { args: [0.1], user: 'pepa' });
      service.call('j', 'date', { user: 'jana', role: 'user' });
      service.call('p2', 'date', { user: 'pepa', role: 'user' });
      const p = await service.finished('p');
      const j = await service.finished('j');
      const p2 = await service.finished('p2');
      for (const answers of [p, j, p2]) {
        expect(statuses(answers)).to.deep.equal(['r', 'm:started', 'm:success']);
        const taskId = answers[0]?.[2];
        expect(answers.slice(1).every((a) => (a[2] as Record<string, unknown>)['task_id'] === taskId)).to.equal(true);
      }
    });
  });
});

async function expectMissing(file: string): Promise<void> {
  try {
    await access(file);
    expect.fail(`${file} still exists`);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).to.equal('ENOENT');
  }
}
