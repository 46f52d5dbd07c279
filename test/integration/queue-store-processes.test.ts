/**
 * The PostgreSQL queue store with real worker processes (docs/queue-store.md): three processes
 * (test/helpers/queue-store-worker.ts) pull long and short tasks from one store; one is killed with
 * SIGKILL while it runs a long task. Every admitted task must still end with exactly one terminal
 * event, published by some worker: the killed worker's running task ends ERR_WORKER_LOST once its lease
 * runs out, by a survivor; the tasks it had not claimed are run by the others.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { PostgresQueueStore } from '../../worker/store/postgres-store.ts';
import { describeWithTool } from '../helpers/external-tool.ts';
import { POSTGRES_TOOL, startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { newTask, OPEN_LIMITS } from '../helpers/queue-stores.ts';

const WORKER = fileURLToPath(new URL('../helpers/queue-store-worker.ts', import.meta.url));

interface Line { readonly kind: string; readonly id?: string; readonly status?: string; readonly code?: string }

/** A worker process and every line it printed, with a way to wait for one. */
class WorkerProcess {
  readonly lines: Line[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  #waiters: { test: (line: Line) => boolean; resolve: () => void }[] = [];
  constructor(args: Record<string, unknown>) {
    this.proc = spawn(process.execPath, [WORKER, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => { this.proc.once('exit', () => { resolve(); }); });
    createInterface({ input: this.proc.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as Line;
      this.lines.push(line);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.test(line)) return true;
        w.resolve();
        return false;
      });
    });
  }
  seen(test: (line: Line) => boolean): Promise<void> {
    if (this.lines.some(test)) return Promise.resolve();
    return new Promise((resolve) => { this.#waiters.push({ test, resolve }); });
  }
}

describeWithTool(POSTGRES_TOOL.present, POSTGRES_TOOL.name, POSTGRES_TOOL.install)('queue store: postgres, three worker processes', function () {
  this.timeout(60_000);
  let server: TestPostgres;
  const workers: WorkerProcess[] = [];
  before(async () => { server = await startPostgres(); });
  after(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await server.stop();
  });

  it('kill -9 of a worker mid-task: every admitted task still ends with exactly one terminal event', async () => {
    const schema = 'procs';
    const store = await PostgresQueueStore.open({ connection: { ...server.connection }, schema, limits: OPEN_LIMITS });
    const long = newTask('alice', 4, { input: '[[],{"ms":60000}]' });
    const rest = Array.from({ length: 24 }, (_, i) => newTask(['alice', 'bob', 'carol'][i % 3]!, 4, { input: `[[],{"ms":${i % 4 === 0 ? 300 : 20}}]` }));
    await store.admit(long);
    const settings = { connection: { ...server.connection }, schema, slots: 2, leaseMs: 600, heartbeatMs: 100, reapMs: 100 };
    const doomed = new WorkerProcess({ ...settings, worker: 'w-doomed' });
    workers.push(doomed);
    await doomed.seen((l) => l.kind === 'claimed' && l.id === long.id);
    for (const task of rest) await store.admit(task);
    const survivors = [new WorkerProcess({ ...settings, worker: 'w-one' }), new WorkerProcess({ ...settings, worker: 'w-two' })];
    workers.push(...survivors);
    await Promise.any(survivors.map((w) => w.seen((l) => l.kind === 'claimed')));
    doomed.proc.kill('SIGKILL');
    await doomed.exited;
    const all = [long, ...rest];
    const endedLines = (): Line[] => workers.flatMap((w) => w.lines.filter((l) => l.kind === 'ended'));
    await Promise.all(all.map((task) => Promise.any(workers.map((w) => w.seen((l) => l.kind === 'ended' && l.id === task.id)))));
    const ends = endedLines();
    const counts = new Map<string, number>();
    for (const line of ends) counts.set(line.id ?? '', (counts.get(line.id ?? '') ?? 0) + 1);
    expect(all.filter((t) => counts.get(t.id) !== 1).map((t) => [t.id, counts.get(t.id)])).to.deep.equal([]);
    expect(ends.find((l) => l.id === long.id)).to.deep.include({ status: 'error', code: 'ERR_WORKER_LOST' });
    // Each task the killed worker had claimed and not ended was ended by a survivor, as lost.
    const doomedEnded = new Set(doomed.lines.filter((l) => l.kind === 'ended').map((l) => l.id));
    const lostThere = doomed.lines.filter((l) => l.kind === 'claimed' && !doomedEnded.has(l.id)).map((l) => l.id);
    expect(ends.filter((l) => l.code === 'ERR_WORKER_LOST').map((l) => l.id)).to.have.members(lostThere);
    const bySurvivors = survivors.flatMap((w) => w.lines.filter((l) => l.kind === 'ended').map((l) => l.id));
    expect(bySurvivors).to.have.members(all.map((t) => t.id).filter((id) => !doomedEnded.has(id)));
    expect(await store.stats()).to.deep.include({ queued: 0, running: 0 });
    for (const w of survivors) w.proc.kill('SIGTERM');
    await Promise.all(survivors.map((w) => w.exited));
    expect(survivors.map((w) => w.proc.exitCode)).to.deep.equal([0, 0]);
    await store.close();
  });
});
