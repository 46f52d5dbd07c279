/**
 * The worker API of the web app (docs/web-api.md) over real sockets: `asexor.control.tasks` (queued
 * and running tasks, admin `all`), admins cancelling anyone's task, and the files procedures with the
 * HTTP download route (test/integration/web-api-files.test.ts).
 */
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import type { Dict } from '../../worker/autobahn.ts';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf, wampError, type EventLog } from '../helpers/worker-clients.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/u;

describe('web API: asexor.control.tasks and admin cancel', function () {
  this.timeout(20_000);
  let server: TestServer;
  let alice: ClientSession;
  let bob: ClientSession;
  let root: ClientSession;
  let aliceLog: EventLog;
  let bobLog: EventLog;
  let rootLog: EventLog;

  before(async () => {
    // One slot, admins first: the waiting order is priority, then submission.
    server = await startTestServer({ asexor: { concurrency: 1, rolePriority: { admin: 1 } } });
    [alice, bob, root] = await Promise.all([joinAs(server.url, 'alice'), joinAs(server.url, 'bob'), joinAs(server.url, 'root')]);
    [aliceLog, bobLog, rootLog] = await Promise.all([subscribeStatus(alice), subscribeStatus(bob), subscribeStatus(root)]);
  });
  after(async () => {
    await Promise.all([alice.close(), bob.close(), root.close()]);
    await server.close();
  });

  async function tasks(client: ClientSession, kwargs?: Dict): Promise<Dict[]> {
    return await client.call('asexor.control.tasks', [], kwargs) as Dict[];
  }

  it('lists nothing when nothing is queued or running', async () => {
    expect(await tasks(alice)).to.deep.equal([]);
    expect(await tasks(root, { all: true })).to.deep.equal([]);
  });

  it('lists running tasks first, then queued ones in queue order; users see their own, admins every user\'s with all', async () => {
    const running = await alice.call('asexor.task.nap', [10_000]);
    await aliceLog.waitFor((e) => e['task_id'] === running && e['status'] === 'started');
    const aliceQueued = await alice.call('asexor.task.nap', [10]);
    const bobQueued = await bob.call('asexor.task.nap', [10]);
    const rootQueued = await root.call('asexor.task.nap', [10]);
    try {
      const all = await tasks(root, { all: true });
      expect(all.map((t) => t['task_id'])).to.deep.equal([running, rootQueued, aliceQueued, bobQueued]);
      expect(all.map((t) => [t['owner'], t['status'], t['priority']])).to.deep.equal([
        ['alice', 'running', 4], ['root', 'queued', 1], ['alice', 'queued', 4], ['bob', 'queued', 4],
      ]);
      const [first, second] = all;
      expect(first).to.include({ task: 'nap' }).and.to.have.all.keys('task_id', 'task', 'owner', 'status', 'priority', 'queued_at', 'started_at');
      expect(first?.['queued_at']).to.match(ISO);
      expect(first?.['started_at']).to.match(ISO);
      expect(second).to.have.all.keys('task_id', 'task', 'owner', 'status', 'priority', 'queued_at');

      expect((await tasks(alice)).map((t) => t['task_id'])).to.deep.equal([running, aliceQueued]);
      expect((await tasks(alice, { all: false })).map((t) => t['task_id'])).to.deep.equal([running, aliceQueued]);
      expect((await tasks(bob)).map((t) => t['task_id'])).to.deep.equal([bobQueued]);
      expect((await tasks(root)).map((t) => t['task_id'])).to.deep.equal([rootQueued]);

      // An admin cancels other users' tasks, queued and running.
      expect(await root.call('asexor.control.cancel', [bobQueued])).to.equal('queued');
      expect(await root.call('asexor.control.cancel', [running])).to.equal('running');
      expect(await terminalOf(bobLog, bobQueued)).to.include({ status: 'cancelled' });
      expect(await terminalOf(aliceLog, running)).to.include({ status: 'cancelled' });
    } finally {
      await Promise.all([terminalOf(aliceLog, aliceQueued), terminalOf(rootLog, rootQueued)]);
    }
    expect(await tasks(root, { all: true })).to.deep.equal([]);
  });

  it('never lets a user cancel another user\'s task (no_such_task, as for an unknown id)', async () => {
    const taskId = await alice.call('asexor.task.nap', [10_000]);
    try {
      const error = await wampError(bob.call('asexor.control.cancel', [taskId]));
      expect(error.error).to.equal('asexor.error.no_such_task');
    } finally {
      await alice.call('asexor.control.cancel', [taskId]);
      await terminalOf(aliceLog, taskId);
    }
  });

  it('shows the latest progress and message of a running task', async () => {
    const taskId = await alice.call('asexor.task.progress', [], { steps: 4, delay: 400 });
    try {
      await aliceLog.waitFor((e) => e['task_id'] === taskId && e['status'] === 'progress');
      const [entry] = await tasks(alice);
      expect(entry).to.include({ task_id: taskId, task: 'progress', owner: 'alice', status: 'running' });
      expect(entry?.['progress']).to.be.oneOf([0.25, 0.5]);
      expect(entry?.['message']).to.match(/^step [12]$/u);
    } finally {
      await alice.call('asexor.control.cancel', [taskId]).catch(() => undefined);
      await terminalOf(aliceLog, taskId);
    }
  });

  it('refuses all: true to a non-admin with asexor.error.not_authorized', async () => {
    const error = await wampError(alice.call('asexor.control.tasks', [], { all: true }));
    expect(error.error).to.equal('asexor.error.not_authorized');
    expect(error.kwargs['code']).to.equal('ERR_ADMIN_ROLE_REQUIRED');
  });

  it('refuses bad arguments with asexor.error.invalid_params', async () => {
    for (const [args, kwargs] of [[[], { all: 'yes' }], [[], { everyone: true }], [[1], {}], [[true, false], {}]] as [unknown[], Dict][]) {
      const error = await wampError(root.call('asexor.control.tasks', args, kwargs));
      expect(error.error, JSON.stringify([args, kwargs])).to.equal('asexor.error.invalid_params');
      expect(error.kwargs['issues']).to.be.an('array').that.is.not.empty;
    }
    expect(await root.call('asexor.control.tasks', [true])).to.deep.equal([]);
  });
});
