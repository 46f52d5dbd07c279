/**
 * Ending tasks early over WAMP: cancel while queued or running (asexor.control.cancel), a timeout,
 * and a multi-task's progress and cancel. One task runs at a time here (concurrency 1).
 */
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import { AppErrorUri } from '../../shared/wamp/app-uris.ts';
import type { AbResult, Dict } from '../../shared/autobahn.ts';
import { pids } from '../fixtures/tasks/index.ts';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf, wampError, type EventLog } from '../helpers/worker-clients.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('worker: cancel and timeout over WAMP', function () {
  this.timeout(15_000);
  let server: TestServer;
  let alice: ClientSession;
  let log: EventLog;

  before(async () => {
    server = await startTestServer({ asexor: { concurrency: 1 } });
    alice = await joinAs(server.url, 'alice');
    log = await subscribeStatus(alice);
  });
  after(async () => {
    await alice.close();
    await server.close();
  });

  function statuses(taskId: unknown): unknown[] {
    return log.events.filter((e) => e['task_id'] === taskId).map((e) => e['status']);
  }

  it('cancels a queued task (it never starts) and a running one (its process is stopped)', async () => {
    const running = await alice.call('asexor.task.nap', [5000]);
    const queued = await alice.call('asexor.task.nap', [5000]);
    await log.waitFor((e) => e['task_id'] === running && e['status'] === 'started');
    expect(await alice.call('asexor.control.cancel', [queued])).to.equal('queued');
    expect(await alice.call('asexor.control.cancel', [running])).to.equal('running');
    expect(await terminalOf(log, queued)).to.include({ status: 'cancelled' });
    expect(await terminalOf(log, running)).to.include({ status: 'cancelled' });
    expect(statuses(queued)).to.deep.equal(['queued', 'cancelled']);
    expect(statuses(running)).to.deep.equal(['queued', 'started', 'cancelled']);
    const again = await wampError(alice.call('asexor.control.cancel', [running]));
    expect(again.kwargs['code']).to.equal('ERR_TASK_ALREADY_FINISHED');
  });

  it('ends a progressive call of a cancelled task with asexor.error.cancelled', async () => {
    let taskId: unknown;
    const call = alice.call('asexor.task.nap', [5000], {}, { receive_progress: true }, (r) => {
      const event = (r as AbResult).kwargs;
      taskId ??= event['task_id'];
      if (event['status'] === 'started') void alice.call('asexor.control.cancel', [taskId]);
    });
    const error = await wampError(call);
    expect(error.error).to.equal(AppErrorUri.cancelled);
    expect(error.kwargs).to.include({ code: 'ERR_TASK_CANCELLED', task_id: taskId });
  });

  it('ends a task that outlives its timeout with a timeout event (and asexor.error.timeout for a progressive caller)', async () => {
    const taskId = await alice.call('asexor.task.slow');
    const event = await terminalOf(log, taskId);
    expect(event).to.include({ status: 'timeout', task: 'slow' });
    expect(event['duration']).to.be.at.least(0.3);
    const error = await wampError(alice.call('asexor.task.slow', [], {}, { receive_progress: true }));
    expect(error.error).to.equal(AppErrorUri.timeout);
  });

  it('reports a multi-task\'s progress as done/total and collects each subtask\'s outcome', async () => {
    const progress: Dict[] = [];
    const subtasks = [{ task: 'sleep', params: { seconds: 0 } }, { task: 'date', params: { utc: true } }, { task: 'sleep', params: { seconds: 'x' } }];
    const final = await alice.call('asexor.task.multi', [subtasks], {}, { receive_progress: true }, (r) => {
      const event = (r as AbResult).kwargs;
      if (event['status'] === 'progress') progress.push(event);
    }) as AbResult;
    expect(progress.map((e) => e['progress'])).to.deep.equal([1 / 3, 2 / 3, 1]);
    expect(final.kwargs['status']).to.equal('success');
    const result = final.kwargs['result'] as { total: number; succeeded: number; failed: number; results: Dict[] };
    expect(result).to.include({ total: 3, succeeded: 2, failed: 1 });
    expect(result.results.map((r) => r['status'])).to.deep.equal(['success', 'success', 'error']);
    expect(result.results[2]?.['error']).to.include({ code: 'ERR_INVALID_PARAMS' });
  });

  it('cancels a multi-task: the running subtask stops and the rest are skipped', async () => {
    const subtasks = [1, 2, 3].map(() => ({ task: 'nap', params: { ms: 5000 } }));
    const before = pids.length;
    const taskId = await alice.call('asexor.task.multi', [subtasks]);
    await log.waitFor((e) => e['task_id'] === taskId && e['status'] === 'started');
    // The first subtask's process is running once it printed its pid (the worker runs in this process).
    await waitFor(() => pids.length > before, 'the first subtask printed its pid');
    expect(await alice.call('asexor.control.cancel', [taskId])).to.equal('running');
    const started = Date.now();
    expect(await terminalOf(log, taskId)).to.include({ status: 'cancelled' });
    expect(Date.now() - started, 'cancel does not wait for the subtasks').to.be.below(4000);
    expect(statuses(taskId).filter((s) => s === 'progress'), 'no subtask completed').to.have.length(0);
  });
});
