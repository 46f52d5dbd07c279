/**
 * The task service with a journal (worker/task-service.ts, worker/journal/): group commit, reply
 * before events, restart from the file (queued tasks again in their order, running ones ended or
 * re-run), a failed write refusing its submissions. Real queue, runner, SQLite files.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { StoreWriteError } from '../../../../shared/errors.ts';
import { silentLogger } from '../../../../shared/logger.ts';
import { defineCustomTask, type TaskDefinition } from '../../../../shared/task.ts';
import type { JournalOp, JournalStore, LoadedJournal } from '../../../../worker/journal/journal-types.ts';
import { SqliteStore } from '../../../../worker/journal/sqlite-store.ts';
import { TaskJournal } from '../../../../worker/journal/task-journal.ts';
import { TaskQueue } from '../../../../worker/task-queue.ts';
import { TaskRegistry } from '../../../../worker/task-registry.ts';
import { TaskRunner } from '../../../../worker/task-runner.ts';
import { TaskService } from '../../../../worker/task-service.ts';
import { alice, RecordingSink, root, tick, until } from '../service-fixture.ts';

const ran: string[] = [];
/** While true, `hold` tasks wait for their cancel; afterwards they finish at once. */
let holding = true;

function holdTask(name: string, rerunOnRestart: boolean): TaskDefinition {
  return defineCustomTask({
    name, description: 'Holds its slot while `holding`, then records its label.', rerunOnRestart,
    params: z.object({ label: z.string() }), positional: ['label'],
    run: ({ label }, ctx) => new Promise((resolve, reject) => {
      if (!holding) {
        ran.push(label);
        resolve(label);
        return;
      }
      ctx.signal.addEventListener('abort', () => { reject(ctx.signal.reason as Error); }, { once: true });
    }),
  });
}

const tasks = [holdTask('hold', false), holdTask('hold_rerun', true)];

/** A real store that counts its writes (the batches). */
class CountingStore implements JournalStore {
  readonly batches: (readonly JournalOp[])[] = [];
  readonly #store: SqliteStore;
  constructor(store: SqliteStore) {
    this.#store = store;
  }
  get file(): string { return this.#store.file; }
  get workerId(): string { return this.#store.workerId; }
  get lastSeq(): number { return this.#store.lastSeq; }
  write(ops: readonly JournalOp[]): void {
    if (ops.length > 0) this.batches.push(ops);
    this.#store.write(ops);
  }
  load(): LoadedJournal { return this.#store.load(); }
  prune(nowMs: number): number { return this.#store.prune(nowMs); }
  close(): void { this.#store.close(); }
}

describe('TaskService with a journal', () => {
  let runner: TaskRunner | undefined;
  let dir = '';
  const services: TaskService[] = [];
  const stores: CountingStore[] = [];
  before(async () => { runner = await TaskRunner.start({ logger: silentLogger() }); });
  after(async () => { await runner?.close(); });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'asexor-journal-service-'));
    holding = true;
    ran.length = 0;
  });
  afterEach(async () => {
    holding = false;
    await Promise.all(services.splice(0).map((s) => s.shutdown('cancel')));
    for (const store of stores.splice(0)) store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function make(concurrency: number): Promise<{ service: TaskService; sink: RecordingSink; store: CountingStore; journal: TaskJournal }> {
    const store = new CountingStore(await SqliteStore.open({ file: path.join(dir, 'journal.db'), synchronous: 'normal', retention: { maxTasks: 100, maxAgeDays: 30 } }));
    stores.push(store);
    const journal = new TaskJournal({ store, logger: silentLogger() });
    const sink = new RecordingSink();
    const queue = new TaskQueue({ concurrency, rolePriority: { admin: 1 } });
    if (runner === undefined) throw new Error('no runner');
    const service = new TaskService({ registry: TaskRegistry.create(tasks), queue, runner, sink, filesDir: dir, logger: silentLogger(), journal });
    services.push(service);
    return { service, sink, store, journal };
  }

  it('writes the submissions of one turn in one batch, replies after the commit and publishes after the replies', async () => {
    const { service, sink, store } = await make(1);
    const submitted = Array.from({ length: 50 }, (_, i) => service.submit(alice, 'hold', [`t${i}`]));
    const order: string[] = [];
    await Promise.all(submitted.map(async (s) => {
      await s.committed;
      order.push(sink.published.length === 0 ? 'reply' : 'reply-after-event');
      expect(store.load().active.some((t) => t.id === s.taskId), 'on disk when the reply goes').to.equal(true);
    }));
    expect(order.every((o) => o === 'reply')).to.equal(true);
    expect(store.batches[0]?.filter((op) => op.kind === 'add')).to.have.length(50);
    await tick();
    await tick();
    expect(sink.statusesOf(submitted[0]?.taskId ?? '')).to.deep.equal(['queued', 'started']);
  });

  it('after a crash, queues the queued tasks again in priority and submission order, ends the running ones or runs them again', async () => {
    const first = await make(2);
    const held = first.service.submit(alice, 'hold', ['held']);
    const rerun = first.service.submit(alice, 'hold_rerun', ['rerun']);
    const queued = [first.service.submit(alice, 'hold', ['alice-1']), first.service.submit(root, 'hold', ['root']), first.service.submit(alice, 'hold', ['alice-2'])];
    await Promise.all([held, rerun, ...queued].map((s) => s.committed ?? Promise.reject(new Error('no journal'))));
    await until(() => first.sink.statusesOf(rerun.taskId).includes('started'));
    await tick();
    // The crash: the file stays as the last commit left it; nothing more is written.
    first.store.close();
    stores.splice(0);
    holding = false;
    const second = await make(1);
    const recovered = second.service.recover(second.journal.load());
    expect(recovered).to.deep.equal({ requeued: 4, ended: 1, finished: 0 });
    const end = second.service.status(alice, held.taskId);
    expect(end).to.deep.include({ status: 'error', task_id: held.taskId });
    expect(end.status === 'error' ? end.error.code : '').to.equal('ERR_WORKER_RESTARTED');
    expect(second.service.status(alice, queued[0]?.taskId ?? '').status).to.equal('queued');
    await until(() => ran.length === 4);
    expect(ran, 'root (priority 1) first, then FIFO').to.deep.equal(['root', 'rerun', 'alice-1', 'alice-2']);
    await until(() => second.service.status(alice, queued[2]?.taskId ?? '').status === 'success');
    const history = second.service.history(alice).map((e) => [e.task_id, e.status]);
    expect(history).to.deep.include.members([[held.taskId, 'error'], [rerun.taskId, 'success']]);
    // A second restart: everything is finished and comes back as history.
    await tick();
    await tick();
    second.journal.close();
    stores.splice(0);
    const third = await make(1);
    expect(third.service.recover(third.journal.load())).to.deep.equal({ requeued: 0, ended: 0, finished: 5 });
    expect(third.service.status(root, queued[1]?.taskId ?? '')).to.include({ status: 'success', result: 'root' });
  });

  it('refuses the submissions of a batch that could not be written, and cancels their tasks', async () => {
    const { service, store } = await make(1);
    store.close(); // every later write fails
    const s = service.submit(alice, 'hold', ['lost']);
    const error = await s.committed?.then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(StoreWriteError);
    expect((error as StoreWriteError).uri).to.equal('asexor.error.internal');
    await until(() => service.status(alice, s.taskId).status === 'cancelled');
    stores.splice(0);
  });
});
