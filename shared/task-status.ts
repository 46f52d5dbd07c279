/**
 * Task status events (docs/worker.md, "The worker: serve, CLI, WAMP API"). Published as the kwargs of an EVENT on
 * the owner's status topic and sent as progressive call results; wire names are snake_case. Every
 * accepted task ends with exactly one terminal event: success, error, cancelled or timeout.
 * `duration` is in seconds (float), like the original's (docs/task-semantics.md), from start to end of
 * the work; `at` is an ISO 8601 UTC timestamp.
 */
import { AppError, TaskFailedError, TaskSpawnError } from './errors.ts';
import type { ExecOutcome } from './task.ts';

export const TaskStatus = {
  queued: 'queued',
  started: 'started',
  progress: 'progress',
  success: 'success',
  error: 'error',
  cancelled: 'cancelled',
  timeout: 'timeout',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** The `error` of an `error` event. `code` is the registry code (shared/errors.ts), e.g. ERR_TASK_FAILED. */
export interface TaskErrorInfo {
  readonly code: string;
  readonly message: string;
  /** The process's exit code, when it exited non-zero. */
  readonly exit_code?: number;
  /** The last STDERR_TAIL_CHARS characters of its stderr. */
  readonly stderr_tail?: string;
}

interface EventBase {
  readonly task_id: string;
  /** The task name. */
  readonly task: string;
  readonly at: string;
}

export type TaskStatusEvent =
  | (EventBase & { readonly status: 'queued' })
  | (EventBase & { readonly status: 'started' })
  | (EventBase & { readonly status: 'progress'; readonly progress: number; readonly message?: string })
  | (EventBase & { readonly status: 'success'; readonly result: unknown; readonly duration: number })
  | (EventBase & { readonly status: 'error'; readonly error: TaskErrorInfo; readonly duration: number })
  /** `duration` is absent when the task was cancelled while still queued. */
  | (EventBase & { readonly status: 'cancelled'; readonly duration?: number })
  | (EventBase & { readonly status: 'timeout'; readonly duration: number });

export type TerminalStatus = 'success' | 'error' | 'cancelled' | 'timeout';
const TERMINAL: ReadonlySet<string> = new Set<TerminalStatus>(['success', 'error', 'cancelled', 'timeout']);

export function isTerminal(status: TaskStatus): status is TerminalStatus {
  return TERMINAL.has(status);
}

/** Milliseconds → the events' `duration` (seconds, millisecond precision). */
export function durationSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

export const STDERR_TAIL_CHARS = 2000;

/** The end of a process's stderr, as sent in `stderr_tail`. */
export function stderrTail(stderr: string): string {
  const trimmed = stderr.trimEnd();
  return trimmed.length <= STDERR_TAIL_CHARS ? trimmed : trimmed.slice(-STDERR_TAIL_CHARS);
}

type FailedOutcome = Extract<ExecOutcome, { kind: 'exited' | 'signaled' | 'spawn_failed' }>;

/**
 * The error for a process that did not succeed, naming the program: a missing program becomes
 * `cannot run "pandoc": program not found (ENOENT); is it installed and on the worker's PATH?`.
 */
export function processError(program: string, outcome: FailedOutcome): TaskFailedError | TaskSpawnError {
  const name = JSON.stringify(program);
  switch (outcome.kind) {
    case 'spawn_failed': {
      const why = outcome.code === 'ENOENT' ? "program not found (ENOENT); is it installed and on the worker's PATH?"
        : outcome.code === 'EACCES' ? 'permission denied (EACCES); is it executable?'
          : `${outcome.message} (${outcome.code})`;
      return new TaskSpawnError(program, outcome.code, `cannot run ${name}: ${why}`);
    }
    case 'signaled':
      return new TaskFailedError(`${name} was killed by ${outcome.signal}`, { stderrTail: stderrTail(outcome.stderr) });
    case 'exited': {
      const tail = stderrTail(outcome.stderr);
      const lastLine = tail.slice(tail.lastIndexOf('\n') + 1).slice(0, 300);
      return new TaskFailedError(`${name} failed with exit code ${outcome.exitCode}${lastLine === '' ? '' : `: ${lastLine}`}`,
        { exitCode: outcome.exitCode, stderrTail: tail });
    }
  }
}

/**
 * The `error` of an `error` event for anything a task threw. An AppError keeps its code and message;
 * anything else is our fault or a custom task's bug: its detail goes to the log, never to the client.
 */
export function taskErrorInfo(error: unknown): TaskErrorInfo {
  if (!(error instanceof AppError)) return { code: 'ERR_TASK_FAILED', message: 'the task failed with an internal error (see the worker log)' };
  const info: { code: string; message: string; exit_code?: number; stderr_tail?: string } = { code: error.code, message: error.message };
  if (error instanceof TaskFailedError) {
    if (error.exitCode !== undefined) info.exit_code = error.exitCode;
    if (error.stderrTail !== undefined && error.stderrTail !== '') info.stderr_tail = error.stderrTail;
  }
  return info;
}
