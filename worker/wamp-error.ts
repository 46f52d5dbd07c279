/**
 * Errors leaving a worker procedure (docs/conventions.md): an AppError becomes an ERROR with its URI (moved under
 * the configured prefix) and `kwargs: {code, message}` (plus `issues` for invalid params, so a client
 * can tell which field was wrong); args carry the message for clients that only read args. Anything
 * else is our fault: it is logged and sent as `<prefix>.error.internal` without detail.
 * A task's terminal event that is not a success becomes the ERROR ending a progressive call.
 */
import { AppError, cutText, InvalidParamsError, WorkerInternalError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { TaskStatusEvent } from '../shared/task-status.ts';
import { withPrefix } from '../shared/wamp/app-uris.ts';
import { autobahn, isAbError, type AbError, type Dict } from '../shared/autobahn.ts';
import { terminalError } from './task-service.ts';

/**
 * The longest message (and any other top-level string of kwargs) an ERROR carries; a message may quote
 * what a client sent (a path, a task name), so every reply stays small (docs/input-limits.md).
 * InvalidParamsError bounds its own issues (shared/errors.ts).
 */
export const MAX_ERROR_MESSAGE_CHARS = 1000;

function wampError(error: AppError & { readonly uri: string }, prefix: string, extra: Dict = {}): AbError {
  const message = cutText(error.message, MAX_ERROR_MESSAGE_CHARS);
  const kwargs: Dict = { code: error.code, message };
  for (const [key, value] of Object.entries(extra)) kwargs[key] = typeof value === 'string' ? cutText(value, MAX_ERROR_MESSAGE_CHARS) : value;
  if (error instanceof InvalidParamsError) kwargs['issues'] = error.issues;
  return new autobahn.Error(withPrefix(error.uri, prefix), [message], kwargs);
}

/** Any exception thrown by a procedure → the ERROR to send. Never throws. */
export function toWampError(error: unknown, prefix: string, log: Logger): AbError {
  if (isAbError(error)) return error;
  if (error instanceof AppError && error.uri !== undefined) return wampError(error as AppError & { readonly uri: string }, prefix);
  log.error({ err: error }, 'internal error in a worker procedure');
  return wampError(new WorkerInternalError(), prefix);
}

/**
 * The ERROR ending a progressive call whose task did not succeed: the service's terminal error
 * (task_failed, timeout, cancelled); kwargs carry the event's own error fields (its `code` may be more
 * precise, e.g. ERR_TASK_SPAWN_FAILED), the task id and the terminal event itself (`event`).
 */
export function terminalWampError(event: TaskStatusEvent, prefix: string): AbError {
  const error = terminalError(event) ?? new WorkerInternalError(`task ${event.task_id} ended with status ${event.status}`);
  const extra: Dict = { ...(event.status === 'error' ? event.error : {}), task_id: event.task_id, event };
  return wampError(error as AppError & { readonly uri: string }, prefix, extra);
}
