/**
 * Status events → the original ASEXOR's update data (docs/legacy-protocols.md, "Updates").
 * The original knows four statuses: `started`, `progress`, `success`, `error`. `queued` has no
 * counterpart and is not sent; `timeout` and `cancelled` become `error` with a text. Field names and
 * their order are the original's: `{status, result, duration, task_id}` for a success,
 * `{status, error, duration, task_id}` for an error, `{status, progress, task_id}` for progress.
 */
import type { TaskStatusEvent } from '../task-status.ts';

/** The fields of one update, without `task_id` (the WAMP API sends the id as the event's argument). */
export type LegacyUpdateFields =
  | { readonly status: 'started' }
  | { readonly status: 'progress'; readonly progress: number }
  | { readonly status: 'success'; readonly result: unknown; readonly duration: number }
  | { readonly status: 'error'; readonly error: string; readonly duration: number | null };

/** The text of an `error` update for a task that ran out of time: the original's `Timeout after 5.000000`. */
export function timeoutText(seconds: number): string {
  return `Timeout after ${seconds.toFixed(6)}`;
}

export const CANCELLED_TEXT = 'Cancelled';

/** The update for a status event, or undefined for one the original never sends (`queued`). */
export function legacyUpdateFields(event: TaskStatusEvent): LegacyUpdateFields | undefined {
  switch (event.status) {
    case 'queued':
      return undefined;
    case 'started':
      return { status: 'started' };
    case 'progress':
      return { status: 'progress', progress: event.progress };
    case 'success':
      return { status: 'success', result: event.result ?? null, duration: event.duration };
    case 'error':
      return { status: 'error', error: event.error.message, duration: event.duration };
    case 'timeout':
      return { status: 'error', error: timeoutText(event.duration), duration: event.duration };
    case 'cancelled':
      return { status: 'error', error: CANCELLED_TEXT, duration: event.duration ?? null };
  }
}

/** The update data object of the WebSocket, raw socket and long-poll protocols: the fields plus `task_id`. */
export function legacyUpdateData(event: TaskStatusEvent): Readonly<Record<string, unknown>> | undefined {
  const fields = legacyUpdateFields(event);
  return fields === undefined ? undefined : { ...fields, task_id: event.task_id };
}
