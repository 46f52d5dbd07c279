/**
 * The original ASEXOR's WAMP API (docs/legacy-wamp-api.md) against the real serve stack, with
 * autobahn-js clients as the original's JS client used it: `run_task` returns the id, updates arrive
 * on the shared topic with `args = [task_id]` for the calling session only, refusals carry the
 * original's texts; on the wire the RESULT precedes every update; off by default.
 */
import { expect } from 'chai';
import type { ClientSession } from '../../../cli/client.ts';
import { legacyDefaults } from '../../../shared/legacy/settings.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import { AppErrorUri } from '../../../shared/wamp/app-uris.ts';
import { WampErrorUri } from '../../../shared/wamp/uris.ts';
import type { Dict } from '../../../shared/autobahn.ts';
import { probeWebSocket as connect } from '../../helpers/transports/websocket.ts';
import { startTestServer, USERS, type TestServer } from '../../helpers/start-server.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { joinAs, wampError } from '../../helpers/worker-clients.ts';

const { procedure: RUN_TASK, topic: TASK_UPDATE } = legacyDefaults.wampApi;
const ENABLED = { legacy: { wampApi: { enabled: true } } };

interface Update {
  readonly args: unknown[];
  readonly kwargs: Dict;
}

interface UpdateLog {
  readonly updates: Update[];
  /** Resolves once an update of `taskId` with `status` arrived. */
  until(taskId: unknown, status: string, timeoutMs?: number): Promise<void>;
}

async function subscribeUpdates(client: ClientSession): Promise<UpdateLog> {
  const updates: Update[] = [];
  let wake: () => void = () => undefined;
  await client.session.subscribe(TASK_UPDATE, (args, kwargs) => {
    updates.push({ args, kwargs });
    wake();
  });
  return {
    updates,
    until: async (taskId, status, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (!updates.some((u) => u.args[0] === taskId && u.kwargs['status'] === status)) {
        if (Date.now() > deadline) throw new Error(`no ${status} update of ${String(taskId)}; got ${JSON.stringify(updates)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50); // re-checks the deadline when nothing arrives
          wake = () => { clearTimeout(timer); resolve(); };
        });
      }
    },
  };
}

describe('legacy WAMP API (worker/legacy-wamp-api.ts)', function () {
  this.timeout(15_000);

  describe('enabled', () => {
    let server: TestServer;
    let alice: ClientSession;

    before(async () => {
      server = await startTestServer({ asexor: ENABLED });
      alice = await joinAs(server.url, 'alice');
    });
    after(async () => {
      await alice.close();
      await server.close();
    });

    it('runs a task: the id, then started and success with args [task_id] and the original\'s kwargs', async () => {
      const log = await subscribeUpdates(alice);
      const taskId = await alice.call(RUN_TASK, ['date', '%Y'], { utc: true });
      expect(taskId).to.be.a('string').and.match(/^[0-9a-f]{32}$/);
      await log.until(taskId, 'success');
      const mine = log.updates.filter((u) => u.args[0] === taskId);
      expect(mine.map((u) => u.args)).to.deep.equal([[taskId], [taskId]]);
      expect(mine[0]?.kwargs).to.deep.equal({ status: 'started' });
      const success = mine[1]?.kwargs ?? {};
      expect(Object.keys(success)).to.deep.equal(['status', 'result', 'duration']);
      expect(success).to.include({ status: 'success', result: String(new Date().getUTCFullYear()) });
      expect(success['duration']).to.be.a('number');
    });

    it('sends a failing task\'s end as an error update with the text and duration', async () => {
      const log = await subscribeUpdates(alice);
      const taskId = await alice.call(RUN_TASK, ['exit_with', 3, 'boom']);
      await log.until(taskId, 'error');
      const error = log.updates.find((u) => u.args[0] === taskId && u.kwargs['status'] === 'error')?.kwargs ?? {};
      expect(Object.keys(error)).to.deep.equal(['status', 'error', 'duration']);
      expect(error['error']).to.be.a('string').and.not.equal('');
    });

    it('sends the updates to the calling session only: not to another session of the same user, never to another user', async () => {
      const alice2 = await joinAs(server.url, 'alice');
      const bob = await joinAs(server.url, 'bob');
      try {
        const [mine, sameUser, otherUser] = await Promise.all([subscribeUpdates(alice), subscribeUpdates(alice2), subscribeUpdates(bob)]);
        const taskId = await alice.call(RUN_TASK, ['sleep', 0]);
        const bobTask = await bob.call(RUN_TASK, ['sleep', 0]);
        await Promise.all([mine.until(taskId, 'success'), otherUser.until(bobTask, 'success')]);
        const ownTask = await alice2.call(RUN_TASK, ['sleep', 0]); // ends after alice's: her updates, if sent here, came before
        await sameUser.until(ownTask, 'success');
        expect(sameUser.updates.filter((u) => u.args[0] !== ownTask)).to.deep.equal([]);
        expect(otherUser.updates.map((u) => u.args[0])).to.include(bobTask).and.not.include(taskId);
        expect(mine.updates.map((u) => u.args[0])).not.to.include(bobTask);
      } finally {
        await Promise.all([alice2.close(), bob.close()]);
      }
    });

    it('still publishes the task\'s events on the owner\'s asexor.status topic', async () => {
      const events: Dict[] = [];
      await alice.session.subscribe('asexor.status.alice', (_args, kwargs) => { events.push(kwargs); });
      const log = await subscribeUpdates(alice);
      const taskId = await alice.call(RUN_TASK, ['sleep', 0]);
      await log.until(taskId, 'success');
      await waitFor(() => events.some((e) => e['task_id'] === taskId && e['status'] === 'success'), 'the success status event');
      expect(events.filter((e) => e['task_id'] === taskId).map((e) => e['status'])).to.deep.equal(['queued', 'started', 'success']);
    });

    it('refuses with wamp.error.runtime_error, the original\'s text in args and our error in kwargs', async () => {
      const unknown = await wampError(alice.call(RUN_TASK, ['nosuch']));
      expect(unknown.error).to.equal(WampErrorUri.runtimeError);
      expect(unknown.args).to.deep.equal(['No task with name nosuch']);
      expect(unknown.kwargs).to.include({ code: 'ERR_NO_SUCH_TASK', uri: AppErrorUri.noSuchTask });
      expect(unknown.kwargs['message']).to.be.a('string');
      const forbidden = await wampError(alice.call(RUN_TASK, ['admin_only']));
      expect(forbidden).to.deep.include({ error: WampErrorUri.runtimeError, args: ['Not authorised to run admin_only'] });
      expect(forbidden.kwargs).to.include({ uri: AppErrorUri.notAuthorized });
      const invalid = await wampError(alice.call(RUN_TASK, ['sleep', 'abc']));
      expect(invalid.error).to.equal(WampErrorUri.runtimeError);
      expect(invalid.args[0]).to.match(/^seconds: /);
      expect(invalid.kwargs).to.include({ code: 'ERR_INVALID_PARAMS', uri: AppErrorUri.invalidParams });
      expect(invalid.kwargs['issues']).to.have.deep.nested.property('[0].field', 'seconds');
    });

    it('answers a missing or non-string task name with "No task with name X"', async () => {
      expect((await wampError(alice.call(RUN_TASK))).args).to.deep.equal(['No task with name undefined']);
      expect((await wampError(alice.call(RUN_TASK, [42]))).args).to.deep.equal(['No task with name 42']);
      expect((await wampError(alice.call(RUN_TASK, ['']))).args).to.deep.equal(['No task with name ']);
    });

    it('lets a user subscribe to the update topic with match exact only', async () => {
      const prefix = alice.session.subscribe('eu.zderadicka.asexor.', () => undefined, { match: 'prefix' });
      expect(await wampError(prefix)).to.include({ error: WampErrorUri.notAuthorized });
      const wildcard = alice.session.subscribe('eu.zderadicka.asexor.', () => undefined, { match: 'wildcard' });
      expect(await wampError(wildcard)).to.include({ error: WampErrorUri.notAuthorized });
    });

    it('sends the RESULT with the task id before any update of that task, on the wire', async () => {
      const client = await connect(server.url, 'wamp.2.json');
      try {
        client.send([MessageType.HELLO, 'asexor', { roles: { caller: {}, subscriber: {} }, authmethods: ['ticket'], authid: 'alice' }]);
        expect((await client.next())[0]).to.equal(MessageType.CHALLENGE);
        client.send([MessageType.AUTHENTICATE, USERS.alice.ticket, {}]);
        expect((await client.next())[0]).to.equal(MessageType.WELCOME);
        client.send([MessageType.SUBSCRIBE, 1, {}, TASK_UPDATE]);
        expect((await client.next())[0]).to.equal(MessageType.SUBSCRIBED);
        const calls = 20;
        for (let request = 2; request < 2 + calls; request++) client.send([MessageType.CALL, request, {}, RUN_TASK, ['sleep', 0]]);
        const answered = new Set<unknown>();
        const done = new Set<unknown>();
        while (done.size < calls) {
          const message = await client.next(5000);
          if (message[0] === MessageType.RESULT) {
            answered.add((message[3] as unknown[])[0]);
            continue;
          }
          expect(message[0]).to.equal(MessageType.EVENT);
          const [taskId] = message[4] as unknown[];
          const { status } = message[5] as { status: string };
          expect(answered.has(taskId), `${status} update before the RESULT`).to.equal(true);
          if (status === 'success') done.add(taskId);
        }
      } finally {
        await client.close();
      }
    });
  });

  describe('with a full queue', () => {
    let server: TestServer;
    let alice: ClientSession;

    before(async () => {
      server = await startTestServer({ asexor: { ...ENABLED, maxQueued: 1 } });
      alice = await joinAs(server.url, 'alice');
    });
    after(async () => {
      await alice.close();
      await server.close();
    });

    it('refuses with the text "QueueFull()"', async () => {
      const log = await subscribeUpdates(alice);
      const running = [await alice.call(RUN_TASK, ['nap', 5000]), await alice.call(RUN_TASK, ['nap', 5000])];
      await Promise.all(running.map((taskId) => log.until(taskId, 'started')));
      await alice.call(RUN_TASK, ['nap', 5000]);
      const full = await wampError(alice.call(RUN_TASK, ['nap', 5000]));
      expect(full).to.deep.include({ error: WampErrorUri.runtimeError, args: ['QueueFull()'] });
      expect(full.kwargs).to.include({ uri: AppErrorUri.queueFull });
    });
  });

  describe('disabled (the default)', () => {
    let server: TestServer;
    let alice: ClientSession;
    let root: ClientSession;

    before(async () => {
      server = await startTestServer();
      [alice, root] = await Promise.all([joinAs(server.url, 'alice'), joinAs(server.url, 'root')]);
    });
    after(async () => {
      await Promise.all([alice.close(), root.close()]);
      await server.close();
    });

    it('registers no procedure: an admin gets wamp.error.no_such_procedure', async () => {
      expect(await wampError(root.call(RUN_TASK, ['date']))).to.include({ error: WampErrorUri.noSuchProcedure });
    });

    it('refuses a user the call and the subscription (wamp.error.not_authorized)', async () => {
      expect(await wampError(alice.call(RUN_TASK, ['date']))).to.include({ error: WampErrorUri.notAuthorized });
      expect(await wampError(alice.session.subscribe(TASK_UPDATE, () => undefined))).to.include({ error: WampErrorUri.notAuthorized });
    });
  });
});
