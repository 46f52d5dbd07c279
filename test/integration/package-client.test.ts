/**
 * The `asexor/client` library (lib/client.ts) against a real server (in-process, loopback port 0):
 * list, submit + watch, progressive run with progress events, status, history, cancel by id and
 * through an AbortSignal, refused calls as CallErrors, ticket and WAMP-CRA logins, a refused login.
 */
import { expect } from 'chai';
import { ClientConnectError, connect, isCallError, type AsexorClient, type TaskStatusEvent } from '../../lib/client.ts';
import { CRA_USER, startTestServer, USERS, type TestServer } from '../helpers/start-server.ts';

/** The events a watch delivered; `when` resolves with the first one (already seen or still to come) that matches. */
class EventLog {
  readonly events: TaskStatusEvent[] = [];
  readonly #waiters: { match: (event: TaskStatusEvent) => boolean; resolve: (event: TaskStatusEvent) => void }[] = [];

  readonly push = (event: TaskStatusEvent): void => {
    this.events.push(event);
    for (const waiter of this.#waiters.filter((w) => w.match(event))) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  };

  when(taskId: string, status: TaskStatusEvent['status']): Promise<TaskStatusEvent> {
    const match = (event: TaskStatusEvent): boolean => event.task_id === taskId && event.status === status;
    const seen = this.events.find(match);
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => { this.#waiters.push({ match, resolve }); });
  }

  statuses(taskId: string): string[] {
    return this.events.filter((event) => event.task_id === taskId).map((event) => event.status);
  }
}

describe('asexor/client (lib/client.ts) against a real server', function () {
  this.timeout(20_000);
  let server: TestServer;
  let alice: AsexorClient;

  before(async () => {
    server = await startTestServer();
    alice = await connect({ url: server.url, authid: 'alice', ticket: USERS.alice.ticket });
  });
  after(async () => {
    await alice.close();
    await server.close();
  });

  it('joins as the user and lists the tasks it may run, with their params', async () => {
    expect(alice.authid).to.equal('alice');
    expect(alice.authrole).to.equal('user');
    const tasks = await alice.tasks();
    const progress = tasks.find((task) => task.name === 'progress');
    expect(progress?.kind).to.equal('command');
    expect(progress?.params).to.have.nested.property('properties.steps.type', 'integer');
    expect(tasks.map((task) => task.name)).not.to.include('admin_only');
  });

  it('runs a task with its progress events and resolves with the success event', async () => {
    const events: TaskStatusEvent[] = [];
    const done = await alice.run('progress', { steps: 3, delay: 5 }, { onEvent: (event) => events.push(event) });
    expect(done.status).to.equal('success');
    expect(done.result).to.equal('done');
    expect(events.map((event) => event.status)).to.deep.equal(['queued', 'started', 'progress', 'progress', 'progress', 'success']);
    expect(events.filter((event) => event.status === 'progress').map((event) => event.progress)).to.deep.equal([1 / 3, 2 / 3, 1]);
    expect(new Set(events.map((event) => event.task_id))).to.deep.equal(new Set([done.task_id]));
  });

  it('submits a task, watches its events, then finds it with status and history', async () => {
    const log = new EventLog();
    const watch = await alice.watch(log.push);
    let id: string;
    try {
      id = await alice.submit('date', { utc: true });
      expect(id).to.match(/^[0-9a-f]{32}$/);
      const last = await log.when(id, 'success');
      expect(last.status === 'success' && typeof last.result).to.equal('string');
      expect(log.statuses(id)).to.deep.equal(['queued', 'started', 'success']);
    } finally {
      await watch.close();
    }
    expect(await alice.status(id)).to.include({ task_id: id, task: 'date', status: 'success' });
    const history = await alice.history(5);
    expect(history.map((event) => event.task_id)).to.include(id);
  });

  it('cancels a running task by id: cancel() says it was running, the watch sees cancelled', async () => {
    const log = new EventLog();
    const watch = await alice.watch(log.push);
    let id: string;
    try {
      id = await alice.submit('nap', { ms: 20_000 });
      await log.when(id, 'started');
      expect(await alice.cancel(id)).to.equal('running');
      await log.when(id, 'cancelled');
      expect(log.statuses(id)).to.deep.equal(['queued', 'started', 'cancelled']);
    } finally {
      await watch.close();
    }
    expect((await alice.status(id)).status).to.equal('cancelled');
  });

  it('cancels a run through its AbortSignal: run rejects with asexor.error.cancelled', async () => {
    const controller = new AbortController();
    const statuses: string[] = [];
    const error: unknown = await alice.run('nap', { ms: 20_000 }, {
      signal: controller.signal,
      onEvent: (event) => {
        statuses.push(event.status);
        if (event.status === 'started') controller.abort();
      },
    }).then(() => undefined, (reason: unknown) => reason);
    expect(isCallError(error) && error.error).to.equal('asexor.error.cancelled');
    expect(statuses).to.deep.equal(['queued', 'started', 'cancelled']);
  });

  it('rejects refused calls with a CallError carrying the code and message', async () => {
    const error: unknown = await alice.submit('sleep', { seconds: 'abc' }).then(() => undefined, (reason: unknown) => reason);
    expect(isCallError(error)).to.equal(true);
    if (!isCallError(error)) return;
    expect(error.error).to.equal('asexor.error.invalid_params');
    expect(error.kwargs['code']).to.equal('ERR_INVALID_PARAMS');
    expect(String(error.kwargs['message'])).to.match(/^seconds: /);
  });

  it('logs in with a WAMP-CRA secret too, and refuses a wrong ticket with ClientConnectError', async () => {
    const carol = await connect({ url: server.url, authid: CRA_USER.authid, secret: CRA_USER.secret });
    try {
      expect(carol.authid).to.equal(CRA_USER.authid);
      expect((await carol.run('date', {})).status).to.equal('success');
    } finally {
      await carol.close();
    }
    const refused: unknown = await connect({ url: server.url, authid: 'alice', ticket: 'wrong' }).then(() => undefined, (reason: unknown) => reason);
    expect(refused).to.be.instanceOf(ClientConnectError);
    expect((refused as ClientConnectError).reason).to.equal('wamp.error.authentication_denied');
  });
});
