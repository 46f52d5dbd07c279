/**
 * The worker's WAMP API over a real WebSocket, with autobahn-js clients against the real serve stack
 * (docs/worker.md, "The worker: serve, CLI, WAMP API"): submit, status events in order, progressive results, parameter and
 * role errors, the control procedures.
 */
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import { AppErrorUri } from '../../shared/wamp/app-uris.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { AbResult, Dict } from '../../shared/autobahn.ts';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf, wampError } from '../helpers/worker-clients.ts';

describe('worker over WebSocket (autobahn-js)', function () {
  this.timeout(15_000);
  let server: TestServer;
  let alice: ClientSession;

  before(async () => {
    server = await startTestServer();
    alice = await joinAs(server.url, 'alice');
  });
  after(async () => {
    await alice.close();
    await server.close();
  });

  it('returns the task id, then publishes queued → started → success on the caller\'s status topic', async () => {
    const log = await subscribeStatus(alice);
    const taskId = await alice.call('asexor.task.date', [], { format: '%Y', utc: true });
    expect(taskId).to.be.a('string').and.match(/^[0-9a-f]{32}$/);
    const success = await terminalOf(log, taskId);
    const mine = log.events.filter((e) => e['task_id'] === taskId);
    expect(mine.map((e) => e['status'])).to.deep.equal(['queued', 'started', 'success']);
    expect(success).to.include({ task: 'date', status: 'success', result: String(new Date().getUTCFullYear()) });
    expect(success['duration']).to.be.a('number');
    expect(mine.every((e) => typeof e['at'] === 'string')).to.equal(true);
  });

  it('sends every event as a progressive result and ends the call with the success event (spec: advanced/rpc_progressive_call_results.md)', async () => {
    const progress: Dict[] = [];
    const final = await alice.call('asexor.task.progress', [], { steps: 3, delay: 20 }, { receive_progress: true }, (r) => {
      progress.push((r as AbResult).kwargs);
    }) as AbResult;
    expect(progress.map((e) => e['status'])).to.deep.equal(['queued', 'started', 'progress', 'progress', 'progress']);
    expect(progress.filter((e) => e['status'] === 'progress').map((e) => e['progress'])).to.deep.equal([1 / 3, 2 / 3, 1]);
    expect(final.kwargs).to.include({ status: 'success', task: 'progress', result: 'done', task_id: progress[0]?.['task_id'] });
  });

  it('ends a progressive call of a failing task with asexor.error.task_failed carrying the exit code', async () => {
    const error = await wampError(alice.call('asexor.task.exit_with', [3, 'boom'], {}, { receive_progress: true }));
    expect(error.error).to.equal(AppErrorUri.taskFailed);
    expect(error.kwargs).to.include({ code: 'ERR_TASK_FAILED', exit_code: 3 });
    expect(error.kwargs['event']).to.include({ status: 'error' });
  });

  it('rejects invalid params at call time with asexor.error.invalid_params naming the field', async () => {
    const error = await wampError(alice.call('asexor.task.sleep', ['abc']));
    expect(error.error).to.equal(AppErrorUri.invalidParams);
    expect(error.kwargs['code']).to.equal('ERR_INVALID_PARAMS');
    expect(error.kwargs['message']).to.match(/^seconds: /);
    expect(error.kwargs['issues']).to.deep.equal([{ field: 'seconds', message: error.kwargs['message'] }]);
    const unknown = await wampError(alice.call('asexor.task.date', [], { colour: 'red' }));
    expect(unknown.kwargs['issues']).to.have.deep.nested.property('[0].field', 'colour');
  });

  it('refuses a task the caller\'s role may not run with asexor.error.not_authorized; an admin may run it', async () => {
    const error = await wampError(alice.call('asexor.task.admin_only'));
    expect(error.error).to.equal(AppErrorUri.notAuthorized);
    const list = await alice.call('asexor.control.list') as { name: string }[];
    expect(list.map((t) => t.name)).not.to.include('admin_only');
    const root = await joinAs(server.url, 'root');
    try {
      const log = await subscribeStatus(root);
      const taskId = await root.call('asexor.task.admin_only');
      expect(await terminalOf(log, taskId)).to.include({ status: 'success', result: 'admin ran' });
    } finally {
      await root.close();
    }
  });

  it('lists the tasks the caller may run with their JSON Schemas', async () => {
    const list = await alice.call('asexor.control.list') as { name: string; positional: string[]; params: Dict }[];
    const sleep = list.find((t) => t.name === 'sleep');
    expect(sleep?.positional).to.deep.equal(['seconds']);
    expect(sleep?.params).to.nested.include({ 'properties.seconds.type': 'number', 'properties.seconds.maximum': 3600 });
    expect(list.map((t) => t.name)).to.include.members(['date', 'sleep', 'convert', 'convert_folder']);
  });

  it('answers status, history and stats for the caller\'s own tasks', async () => {
    const log = await subscribeStatus(alice);
    const taskId = await alice.call('asexor.task.sleep', [0]);
    await terminalOf(log, taskId);
    expect(await alice.call('asexor.control.status', [taskId])).to.include({ task_id: taskId, status: 'success', result: null });
    const history = await alice.call('asexor.control.history', [], { limit: 1 }) as Dict[];
    expect(history).to.have.length(1);
    expect(history[0]).to.include({ task_id: taskId });
    expect(await alice.call('asexor.control.stats')).to.include({ queued: 0, running: 0 });
    const error = await wampError(alice.call('asexor.control.status', []));
    expect(error.kwargs['issues']).to.have.deep.nested.property('[0].field', 'task_id');
  });

  it('lets a WAMP-CRA user run tasks too', async () => {
    const carol = await joinAs(server.url, 'carol');
    try {
      expect(await carol.call('asexor.task.sleep', [0])).to.be.a('string');
    } finally {
      await carol.close();
    }
  });

  it('denies a user everything but calling task and control procedures and subscribing to their own topic', async () => {
    expect((await wampError(alice.call('asexor.auth.authorize', [{}, 'x', 'call', {}]))).error).to.equal(WampErrorUri.notAuthorized);
    expect((await wampError(alice.session.register('asexor.task.date', () => 'mine')))).to.include({ error: WampErrorUri.notAuthorized });
    const published = alice.session.publish('asexor.status.alice', [], {}, { acknowledge: true });
    expect((await wampError(published ?? Promise.resolve()))).to.include({ error: WampErrorUri.notAuthorized });
    expect((await wampError(alice.call('asexor.task.nope')))).to.include({ error: WampErrorUri.noSuchProcedure });
  });
});
