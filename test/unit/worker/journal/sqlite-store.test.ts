/**
 * The task journal's SQLite store (worker/journal/sqlite-store.ts) on real files in a temporary
 * folder: batches all or nothing, load order, retention by count and age, and start-up errors that
 * name the file (corrupt, unwritable, locked, newer schema).
 */
import { expect } from 'chai';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StoreOpenError, StoreWriteError } from '../../../../shared/errors.ts';
import type { TaskStatusEvent } from '../../../../shared/task-status.ts';
import type { JournalOp } from '../../../../worker/journal/journal-types.ts';
import { SqliteStore } from '../../../../worker/journal/sqlite-store.ts';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

/** The row of each id (TaskJournal.nextSeq's part); reset per test. */
const seqs = new Map<string, number>();
function add(id: string, ms = 0, priority = 4, seq = seqs.size + 1): JournalOp {
  seqs.set(id, seq);
  const event: TaskStatusEvent = { task_id: id, task: 'mark', at: at(ms), status: 'queued' };
  return { kind: 'add', task: { seq, id, owner: 'alice', role: 'user', task: 'mark', priority, input: JSON.stringify([[id], {}]), event } };
}
function started(id: string, ms = 0): JournalOp {
  return { kind: 'update', seq: seqs.get(id) ?? 0, id, state: 'running', event: { task_id: id, task: 'mark', at: at(ms), status: 'started' } };
}
function success(id: string, ms = 0): JournalOp {
  return { kind: 'update', seq: seqs.get(id) ?? 0, id, state: 'success', event: { task_id: id, task: 'mark', at: at(ms), status: 'success', result: id, duration: 0 } };
}

async function thrownBy(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('SqliteStore (the task journal file)', () => {
  let dir = '';
  const open: SqliteStore[] = [];
  const openStore = async (file = path.join(dir, 'journal.db'), maxTasks = 100, maxAgeDays = 30): Promise<SqliteStore> => {
    const store = await SqliteStore.open({ file, synchronous: 'normal', retention: { maxTasks, maxAgeDays } });
    open.push(store);
    return store;
  };
  beforeEach(() => {
    seqs.clear();
    dir = mkdtempSync(path.join(tmpdir(), 'asexor-journal-'));
  });
  afterEach(() => {
    for (const store of open.splice(0)) store.close();
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back active tasks in submission order and finished ones oldest-finished first, across a reopen', async () => {
    const file = path.join(dir, 'journal.db');
    const store = await openStore(file);
    store.write([add('a', 0), add('b', 1), add('c', 2, 0), started('a', 3)]);
    store.write([add('d', 4), success('d', 5), success('b', 6)]);
    store.close();
    const again = await openStore(file);
    const { active, finished } = again.load();
    expect(active.map((t) => [t.id, t.state, t.priority])).to.deep.equal([['a', 'running', 4], ['c', 'queued', 0]]);
    expect(active[0]?.event.status).to.equal('started');
    expect(active[1]).to.include({ owner: 'alice', role: 'user', task: 'mark', input: '[["c"],{}]', queuedAt: T0 + 2 });
    expect(finished.map((t) => t.id), 'd finished before b').to.deep.equal(['d', 'b']);
    expect(again.lastSeq, 'new rows continue after the last one').to.equal(4);
    expect(again.workerId, 'the worker id of a file stays').to.equal(store.workerId).and.match(/^[0-9a-f]{8}$/);
  });

  it('writes a batch all or nothing: a failing operation rolls back the whole batch with StoreWriteError', async () => {
    const store = await openStore();
    store.write([add('a')]);
    const error = (() => { try { store.write([add('b'), add('a2', 0, 4, 1)]); } catch (e) { return e; } return undefined; })();
    expect(error).to.be.instanceOf(StoreWriteError);
    expect((error as StoreWriteError).message).to.contain('journal.db');
    expect(store.load().active.map((t) => t.id), 'b was rolled back with the row that reused a\'s').to.deep.equal(['a']);
    store.write([add('c')]);
    expect(store.load().active.map((t) => t.id), 'the store goes on after a failed batch').to.deep.equal(['a', 'c']);
  });

  it('prunes finished tasks beyond maxTasks (oldest finished first) and older than maxAgeDays; never active ones', async () => {
    const store = await openStore(path.join(dir, 'journal.db'), 2, 1);
    store.write([add('old', 0), success('old', 0), add('q', 0)]);
    for (const [i, id] of ['x', 'y', 'z'].entries()) store.write([add(id, DAY_MS + i), success(id, DAY_MS + i)]);
    expect(store.prune(T0 + DAY_MS + 10), 'x over the count, old over the age').to.equal(2);
    const { active, finished } = store.load();
    expect(finished.map((t) => t.id)).to.deep.equal(['y', 'z']);
    expect(active.map((t) => t.id), 'a queued task is never pruned, however old').to.deep.equal(['q']);
  });

  it('refuses a file that is not an SQLite database, naming it', async () => {
    const file = path.join(dir, 'corrupt.db');
    writeFileSync(file, 'this is not a database\n'.repeat(200));
    const error = await thrownBy(openStore(file));
    expect(error).to.be.instanceOf(StoreOpenError);
    expect((error as StoreOpenError).code).to.equal('ERR_STORE_OPEN');
    expect((error as StoreOpenError).message).to.contain(JSON.stringify(file)).and.contain('not a database');
  });

  it('refuses a journal with an unreadable event (corrupt row), naming the file', async () => {
    const file = path.join(dir, 'journal.db');
    (await openStore(file)).write([add('a')]);
    open.splice(0).forEach((s) => { s.close(); });
    const db = new DatabaseSync(file);
    db.exec('UPDATE tasks SET event = \'{garbage\'');
    db.close();
    const store = await openStore(file);
    expect(() => store.load()).to.throw(StoreOpenError, /journal\.db.*row 1 holds no readable status event/);
  });

  it('refuses a folder it cannot create or write, naming the file', async () => {
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, '');
    const under = path.join(blocker, 'journal.db');
    const error = await thrownBy(openStore(under));
    expect(error).to.be.instanceOf(StoreOpenError);
    expect((error as Error).message).to.contain(JSON.stringify(under));
    if (process.getuid?.() === 0) return; // root writes anywhere: the permission case needs another user
    chmodSync(dir, 0o500);
    const denied = await thrownBy(openStore(path.join(dir, 'journal.db')));
    expect(denied).to.be.instanceOf(StoreOpenError);
    expect((denied as Error).message).to.contain('journal.db');
  });

  it('lets one process hold a file: a second open fails while the first is open', async () => {
    const file = path.join(dir, 'journal.db');
    await openStore(file);
    const error = await thrownBy(openStore(file));
    expect(error).to.be.instanceOf(StoreOpenError);
    expect((error as Error).message).to.contain('locked').and.contain('each worker needs its own journal');
  });

  it('refuses a journal written by a newer schema', async () => {
    const file = path.join(dir, 'journal.db');
    const db = new DatabaseSync(file);
    db.exec('PRAGMA user_version = 99');
    db.close();
    const error = await thrownBy(openStore(file));
    expect((error as Error).message).to.contain('schema version 99');
  });
});
