/**
 * Fair scheduling through the real stack (docs/fairness-and-abuse.md): within a priority the queue
 * serves users in turn, so a user with a backlog does not hold up another user's single task.
 */
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf } from '../helpers/worker-clients.ts';

describe('worker: a light user is not starved by a heavy one within a priority', function () {
  this.timeout(20_000);
  let server: TestServer;
  let alice: ClientSession;
  let bob: ClientSession;

  before(async () => {
    server = await startTestServer({ asexor: { concurrency: 1 } });
    [alice, bob] = await Promise.all([joinAs(server.url, 'alice'), joinAs(server.url, 'bob')]);
  });
  after(async () => {
    await Promise.all([alice.close(), bob.close()]);
    await server.close();
  });

  it('starts bob\'s date right after alice\'s running task, ahead of her backlog', async () => {
    const aliceLog = await subscribeStatus(alice);
    const bobLog = await subscribeStatus(bob);
    const naps: unknown[] = [];
    for (let i = 0; i < 6; i++) naps.push(await alice.call('asexor.task.nap', [300]));
    await aliceLog.waitFor((e) => e['task_id'] === naps[0] && e['status'] === 'started');
    const dateId = await bob.call('asexor.task.date', []);
    expect(await terminalOf(bobLog, dateId, 5000)).to.include({ status: 'success' });
    // FIFO would have run all six naps (about 1.8 s) first; in turn, only the one already running.
    const startedNaps = aliceLog.events.filter((e) => e['status'] === 'started').map((e) => e['task_id']);
    expect(startedNaps.length).to.be.at.most(2);
    expect(startedNaps).to.include(naps[0]);
    for (const id of naps) await terminalOf(aliceLog, id, 10_000);
  });
});
