/** What the task service writes to the journal for a submission and for each event (journal-types.ts). */
import { InvalidParamsError } from '../../shared/errors.ts';
import type { TaskStatusEvent } from '../../shared/task-status.ts';
import type { JournalOp } from './journal-types.ts';

/** The journal's record of an event: starts and ends; nothing for `queued` (the submission is the record) and progress. */
export function journalOp(seq: number, event: TaskStatusEvent): JournalOp | undefined {
  if (event.status === 'queued' || event.status === 'progress' || seq === 0) return undefined;
  return { kind: 'update', seq, id: event.task_id, state: event.status === 'started' ? 'running' : event.status, event };
}

/** `[args, kwargs]` as journaled: JSON, so that a restart can validate them again; InvalidParamsError otherwise. */
export function journalInput(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): string {
  try {
    return JSON.stringify([args, kwargs]);
  } catch {
    throw new InvalidParamsError('the arguments must be JSON values (the task journal stores them as JSON)');
  }
}
