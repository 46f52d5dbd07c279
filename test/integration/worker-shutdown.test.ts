/**
 * Shutting the serve stack down (what SIGINT/SIGTERM do): with `shutdown: cancel` every queued and
 * running task ends cancelled and no process is left, neither the tasks' nor the spawner; with
 * `drain` the running tasks finish first.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { expect } from 'chai';
import { AppErrorUri } from '../../shared/wamp/app-uris.ts';
import { isAbError, type AbResult } from '../../shared/autobahn.ts';
import { pids } from '../fixtures/tasks/index.ts';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus } from '../helpers/worker-clients.ts';

/** Whether `pid` is a live process (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Live child processes of this process. */
function children(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[1]) === process.pid && fields[0] !== 'Z';
    } catch {
      return false;
    }
  });
}

function errorUri(error: unknown): string {
  return isAbError(error) ? error.error : String(error);
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('worker shutdown', function () {
  this.timeout(20_000);
  let server: TestServer | undefined;
  afterEach(async () => { await server?.close(); });

  it('cancels queued and running tasks and leaves no process behind (shutdown: cancel)', async () => {
    const before = new Set(children());
    server = await startTestServer({ asexor: { concurrency: 2, shutdown: 'cancel' } });
    const spawners = children().filter((pid) => !before.has(pid));
    expect(spawners, 'the spawner process').to.have.length(1);
    const alice = await joinAs(server.url, 'alice');
    const seen = pids.length;
    const calls = [1, 2, 3].map(() => alice.call('asexor.task.nap', [30_000], {}, { receive_progress: true }).then(
      (value) => ({ ok: true, value }), (error: unknown) => ({ ok: false, value: error })));
    await until(() => pids.length >= seen + 2);
    const taskPids = pids.slice(seen);
    expect(taskPids.every(alive)).to.equal(true);
    await server.close();
    server = undefined;
    const outcomes = await Promise.all(calls);
    expect(outcomes.map((o) => (o.ok ? 'ok' : errorUri(o.value)))).to.deep.equal(Array(3).fill(AppErrorUri.cancelled));
    await until(() => !taskPids.some(alive) && !spawners.some(alive));
    expect(children().filter((pid) => !before.has(pid))).to.deep.equal([]);
    await alice.close();
  });

  it('lets running tasks finish before closing (shutdown: drain)', async () => {
    server = await startTestServer({ asexor: { shutdown: 'drain' } });
    const alice = await joinAs(server.url, 'alice');
    const log = await subscribeStatus(alice);
    const call = alice.call('asexor.task.sleep', [0.5], {}, { receive_progress: true });
    await log.waitFor((e) => e['status'] === 'started');
    await server.close();
    server = undefined;
    expect(((await call) as AbResult).kwargs).to.include({ status: 'success' });
    await alice.close();
  });
});
