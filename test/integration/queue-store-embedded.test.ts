/**
 * What only the embedded queue store has (docs/queue-store.md): the SQLite task journal under it
 * (worker/journal/, docs/durability.md). Each change is journaled before the call resolves, and an
 * admission whose journal write fails is not admitted.
 */
import { expect } from 'chai';
import { silentLogger } from '../../shared/logger.ts';
import { SqliteStore } from '../../worker/journal/sqlite-store.ts';
import { TaskJournal } from '../../worker/journal/task-journal.ts';
import { EmbeddedQueueStore } from '../../worker/store/embedded-store.ts';
import { newTask, OPEN_LIMITS } from '../helpers/queue-stores.ts';

async function journaled(): Promise<{ sqlite: SqliteStore; journal: TaskJournal; store: EmbeddedQueueStore }> {
  const sqlite = await SqliteStore.open({ file: ':memory:', synchronous: 'normal', retention: { maxTasks: 100, maxAgeDays: 1 } });
  const journal = new TaskJournal({ store: sqlite, logger: silentLogger() });
  return { sqlite, journal, store: new EmbeddedQueueStore({ limits: OPEN_LIMITS, journal }) };
}

describe('queue store: embedded, with the task journal', () => {
  it('journals admission, start and end before each call resolves', async () => {
    const { sqlite, journal, store } = await journaled();
    const waiting = newTask('alice', 4, { input: '[[],{"seconds":1}]' });
    const running = newTask('bob', 0);
    await store.admit(waiting);
    await store.admit(running);
    const claimed = await store.claim('w1');
    expect(claimed?.id).to.equal(running.id);
    const loaded = sqlite.load();
    expect(loaded.active.map((t) => [t.id, t.state, t.input])).to.deep.equal([[waiting.id, 'queued', '[[],{"seconds":1}]'], [running.id, 'running', '[[],{}]']]);
    const end = { task_id: running.id, task: 'sleep', at: new Date().toISOString(), status: 'success' as const, result: 7, duration: 0.5 };
    expect(await store.finish(running.id, claimed!.attempt, end)).to.equal(true);
    expect(sqlite.load().finished.map((t) => [t.id, t.state, t.event])).to.deep.equal([[running.id, 'success', end]]);
    journal.close();
  });

  it('does not admit a task whose journal write failed', async () => {
    const { journal, store } = await journaled();
    journal.close();
    const task = newTask('alice');
    const error: unknown = await store.admit(task).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/journal is closed/);
    expect(await store.claim('w1')).to.equal(undefined);
    expect((await store.stats()).queued).to.equal(0);
    expect((await store.status(task.id))?.event.status).to.equal('cancelled');
  });
});
