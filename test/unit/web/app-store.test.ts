/**
 * web/src/store.ts: task views from status events (docs/worker.md, "The worker: serve, CLI, WAMP API"),
 * whatever their order or repetition (topic, history and status after a reconnect), the history
 * filters and the files a result names.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { eventsOfActive, matchesFilter, resultFiles, TaskStore, toStatusEvent, type StatusEvent } from '../../../web/src/store.ts';

const ID = 'a'.repeat(32);
const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const base = { task_id: ID, task: 'convert_folder' };
const life: StatusEvent[] = [
  { ...base, status: 'queued', at: at(0) },
  { ...base, status: 'started', at: at(1) },
  { ...base, status: 'progress', at: at(2), progress: 0.5, message: '1/2 subtasks done' },
  { ...base, status: 'progress', at: at(3), progress: 1, message: '2/2 subtasks done' },
  { ...base, status: 'success', at: at(4), duration: 3, result: { total: 2, results: [{ task: 'convert', params: { input: 'a.md', output: 'x.txt' }, result: { output: 'a.txt' } }] } },
];

describe('web app: task store (web/src/store.ts)', () => {
  it('builds a view from a task\'s events: times, progress, steps, result, duration', () => {
    const store = new TaskStore();
    for (const event of life) store.apply(event);
    const view = store.get(ID);
    expect(view).to.deep.include({ status: 'success', queuedAt: at(0), startedAt: at(1), progress: 1, duration: 3, hasResult: true, message: '2/2 subtasks done' });
    expect(view?.steps.map((s) => s.message)).to.deep.equal(['1/2 subtasks done', '2/2 subtasks done']);
    expect(store.pending()).to.deep.equal([]);
  });

  it('never moves back and ignores repeats: any order and duplication of the events ends in the same view', () => {
    const reference = new TaskStore();
    for (const event of life) reference.apply(event);
    fc.assert(fc.property(fc.array(fc.constantFrom(...life), { minLength: 0, maxLength: 12 }), (noise) => {
      const store = new TaskStore();
      // what a reconnect may deliver: old events again, late ones, the final one first…
      for (const event of [...noise, ...life, ...noise]) store.apply(event);
      const view = store.get(ID);
      return view?.status === 'success' && view.duration === 3 && JSON.stringify(view.result) === JSON.stringify(reference.get(ID)?.result);
    }));
  });

  it('keeps the terminal event and reports no change for a repeat', () => {
    const store = new TaskStore();
    expect(store.apply({ ...base, status: 'cancelled', at: at(5) })).to.not.equal(undefined);
    expect(store.apply({ ...base, status: 'cancelled', at: at(5) })).to.equal(undefined);
    expect(store.apply({ ...base, status: 'progress', at: at(6), progress: 0.2 })).to.equal(undefined);
    expect(store.get(ID)?.status).to.equal('cancelled');
  });

  it('lists newest first and tells which tasks are unfinished', () => {
    const store = new TaskStore();
    store.apply({ task_id: 'old', task: 'date', status: 'success', at: at(1), result: 'x', duration: 0.1 });
    store.apply({ task_id: 'new', task: 'sleep', status: 'queued', at: at(9) });
    store.apply({ task_id: 'mid', task: 'sleep', status: 'started', at: at(5) });
    expect(store.all().map((v) => v.id)).to.deep.equal(['new', 'mid', 'old']);
    expect(store.pending().sort()).to.deep.equal(['mid', 'new']);
  });

  it('reads control.tasks entries as events', () => {
    const store = new TaskStore();
    for (const event of eventsOfActive({ task_id: ID, task: 'sleep', owner: 'alice', status: 'running', priority: 4, queued_at: at(0), started_at: at(1), progress: 0.25, message: 'a quarter' })) store.apply(event);
    expect(store.get(ID)).to.deep.include({ status: 'progress', queuedAt: at(0), startedAt: at(1), progress: 0.25, message: 'a quarter' });
  });

  it('accepts only well-formed status events from the wire', () => {
    expect(toStatusEvent({ task_id: ID, task: 'date', status: 'queued', at: at(0) })).to.not.equal(undefined);
    expect(toStatusEvent({ task_id: ID, task: 'date', status: 'bogus', at: at(0) })).to.equal(undefined);
    expect(toStatusEvent({ task: 'date', status: 'queued', at: at(0) })).to.equal(undefined);
    expect(toStatusEvent(null)).to.equal(undefined);
  });

  it('filters by status, task and text', () => {
    const store = new TaskStore();
    store.apply({ task_id: 'e1', task: 'exit_with', status: 'error', at: at(1), duration: 0.1, error: { code: 'ERR_TASK_FAILED', message: 'exited with 3', exit_code: 3, stderr_tail: 'something broke' } });
    store.apply({ task_id: 'r1', task: 'sleep', status: 'progress', at: at(2), progress: 0.1 });
    const [error, running] = [store.get('e1')!, store.get('r1')!];
    const none = { status: '', task: '', text: '' } as const;
    expect(matchesFilter(error, none)).to.equal(true);
    expect(matchesFilter(error, { ...none, status: 'error' })).to.equal(true);
    expect(matchesFilter(error, { ...none, status: 'active' })).to.equal(false);
    expect(matchesFilter(running, { ...none, status: 'active' })).to.equal(true);
    expect(matchesFilter(running, { ...none, status: 'started' })).to.equal(true);
    expect(matchesFilter(running, { ...none, task: 'date' })).to.equal(false);
    expect(matchesFilter(error, { ...none, text: 'SOMETHING broke' })).to.equal(true);
    expect(matchesFilter(error, { ...none, text: 'e1' })).to.equal(true);
    expect(matchesFilter(running, { ...none, text: 'broke' })).to.equal(false);
  });

  it('finds the output files a result names (convert, multi-task results), not the files a subtask was asked for', () => {
    expect(resultFiles({ output: 'notes.epub' })).to.deep.equal(['notes.epub']);
    expect(resultFiles(life[4]!.result)).to.deep.equal(['a.txt']);
    expect(resultFiles(null)).to.deep.equal([]);
    expect(resultFiles('2026-01-01')).to.deep.equal([]);
  });
});
