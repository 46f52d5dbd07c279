/**
 * Users never see each other's tasks (docs/worker.md, "The worker: serve, CLI, WAMP API"): the dynamic
 * authorizer confines subscriptions to the user's own status topic (admins may watch any: they receive
 * every user's events, exact, prefix or wildcard), control procedures hide other users' task ids. And on the wire, no status event of a task reaches
 * its caller before the RESULT carrying its id.
 */
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import { AppErrorUri } from '../../shared/wamp/app-uris.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { probeWebSocket as connect } from '../helpers/transports/websocket.ts';
import { startTestServer, USERS, type TestServer } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf, wampError } from '../helpers/worker-clients.ts';

describe('worker: one user never sees another user\'s tasks', function () {
  this.timeout(15_000);
  let server: TestServer;
  let alice: ClientSession;
  let bob: ClientSession;

  before(async () => {
    server = await startTestServer();
    [alice, bob] = await Promise.all([joinAs(server.url, 'alice'), joinAs(server.url, 'bob')]);
  });
  after(async () => {
    await Promise.all([alice.close(), bob.close()]);
    await server.close();
  });

  it('refuses B a subscription to A\'s status topic, exact or by prefix, with wamp.error.not_authorized', async () => {
    expect(await wampError(subscribeStatus(bob, 'alice'))).to.include({ error: WampErrorUri.notAuthorized });
    const prefix = bob.session.subscribe('asexor.status.', () => undefined, { match: 'prefix' });
    expect(await wampError(prefix)).to.include({ error: WampErrorUri.notAuthorized });
    const wildcard = bob.session.subscribe('asexor..alice', () => undefined, { match: 'wildcard' });
    expect(await wampError(wildcard)).to.include({ error: WampErrorUri.notAuthorized });
  });

  it('delivers none of A\'s events to B subscribed to B\'s own topic', async () => {
    const aliceLog = await subscribeStatus(alice);
    const bobLog = await subscribeStatus(bob);
    const aliceTask = await alice.call('asexor.task.sleep', [0]);
    const bobTask = await bob.call('asexor.task.sleep', [0]);
    await terminalOf(aliceLog, aliceTask);
    await terminalOf(bobLog, bobTask);
    expect(bobLog.events.map((e) => e['task_id'])).to.include(bobTask).and.not.include(aliceTask);
    expect(aliceLog.events.map((e) => e['task_id'])).to.include(aliceTask).and.not.include(bobTask);
  });

  it('delivers A\'s events to an admin subscribed exactly, by prefix or by wildcard; B, refused those, gets none', async () => {
    const root = await joinAs(server.url, 'root');
    try {
      const exact = await subscribeStatus(root, 'alice');
      const prefixed: unknown[] = [];
      const wildcarded: unknown[] = [];
      await root.session.subscribe('asexor.status.', (_args, kwargs) => { prefixed.push(kwargs['task_id']); }, { match: 'prefix' });
      await root.session.subscribe('asexor.status.', (_args, kwargs) => { wildcarded.push(kwargs['task_id']); }, { match: 'wildcard' });
      const bobLog = await subscribeStatus(bob);
      const taskId = await alice.call('asexor.task.sleep', [0]);
      expect(await terminalOf(exact, taskId)).to.include({ status: 'success' });
      const statuses = exact.events.filter((e) => e['task_id'] === taskId).map((e) => e['status']);
      expect(statuses).to.deep.equal(['queued', 'started', 'success']);
      expect(prefixed.filter((id) => id === taskId)).to.have.length(3);
      expect(wildcarded.filter((id) => id === taskId)).to.have.length(3);
      expect(bobLog.events.map((e) => e['task_id'])).not.to.include(taskId);
    } finally {
      await root.close();
    }
  });

  it('answers B\'s status and cancel of A\'s task with asexor.error.no_such_task, as for an unknown id', async () => {
    const aliceLog = await subscribeStatus(alice);
    const taskId = await alice.call('asexor.task.nap', [3000]);
    await aliceLog.waitFor((e) => e['task_id'] === taskId && e['status'] === 'started');
    const status = await wampError(bob.call('asexor.control.status', [taskId]));
    const cancel = await wampError(bob.call('asexor.control.cancel', [taskId]));
    const unknown = await wampError(bob.call('asexor.control.status', ['0'.repeat(32)]));
    for (const error of [status, cancel, unknown]) expect(error.error).to.equal(AppErrorUri.noSuchTask);
    const history = await bob.call('asexor.control.history') as { task_id: string }[];
    expect(history.map((e) => e.task_id)).not.to.include(taskId);
    expect(await alice.call('asexor.control.status', [taskId])).to.include({ status: 'started' });
    expect(await alice.call('asexor.control.cancel', [taskId])).to.equal('running');
    expect(await terminalOf(aliceLog, taskId)).to.include({ status: 'cancelled' });
  });

  it('sends the RESULT with the task id before any status event of that task, on the wire', async () => {
    const client = await connect(server.url, 'wamp.2.json');
    try {
      client.send([MessageType.HELLO, 'asexor', { roles: { caller: {}, subscriber: {} }, authmethods: ['ticket'], authid: 'alice' }]);
      expect((await client.next())[0]).to.equal(MessageType.CHALLENGE);
      client.send([MessageType.AUTHENTICATE, USERS.alice.ticket, {}]);
      expect((await client.next())[0]).to.equal(MessageType.WELCOME);
      client.send([MessageType.SUBSCRIBE, 1, {}, 'asexor.status.alice']);
      expect((await client.next())[0]).to.equal(MessageType.SUBSCRIBED);
      const calls = 20;
      for (let request = 2; request < 2 + calls; request++) client.send([MessageType.CALL, request, {}, 'asexor.task.sleep', [0]]);
      const answered = new Set<unknown>();
      const terminal = new Set<unknown>();
      while (terminal.size < calls) {
        const message = await client.next(5000);
        if (message[0] === MessageType.RESULT) {
          answered.add((message[3] as unknown[])[0]);
        } else {
          expect(message[0]).to.equal(MessageType.EVENT);
          const event = message[5] as { task_id: string; status: string };
          expect(answered.has(event.task_id), `${event.status} event before the RESULT`).to.equal(true);
          if (event.status === 'success') terminal.add(event.task_id);
        }
      }
    } finally {
      await client.close();
    }
  });
});
