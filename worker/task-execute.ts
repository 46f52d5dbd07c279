/**
 * Runs one command or custom task to its end and says how it ended (a `Terminal`); it never rejects
 * for a task failure. Command tasks go through the TaskRunner (argv only) with the definition's
 * timeout, output cap, cwd and env; the runner's outcome decides timeout and cancelled
 * (docs/conventions.md: outcomes are data). Custom tasks get a RunContext whose signal aborts on cancel and on
 * their timeout. Events are the lifecycle's job (task-lifecycle.ts).
 */
import { AppError, TaskRunnerFailedError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { processError, taskErrorInfo, type TaskErrorInfo } from '../shared/task-status.ts';
import {
  taskDefaults, type CommandTaskDefinition, type CustomTaskDefinition, type ExecOptions, type ExecOutcome, type RunContext,
} from '../shared/task.ts';
import type { RunOutcome, TaskRunner } from './task-runner.ts';

/** How a task ended; `durationMs` is from the start of its work. */
export type Terminal =
  | { readonly status: 'success'; readonly result: unknown; readonly durationMs: number }
  | { readonly status: 'error'; readonly error: TaskErrorInfo; readonly durationMs: number }
  | { readonly status: 'timeout' | 'cancelled'; readonly durationMs: number };

export interface ExecDeps {
  readonly runner: TaskRunner;
  readonly filesDir: string;
  readonly logger: Logger;
}

export interface Execution {
  /** Aborted when the task (or the multi-task around it) is cancelled. */
  readonly signal: AbortSignal;
  /** Reports progress (0..1); the lifecycle turns it into a `progress` event. */
  readonly progress: (progress: number, message?: string) => void;
}

/** How long a custom task may take to settle after its signal aborted before we stop waiting for it. */
export const CUSTOM_ABORT_GRACE_MS = 5000;

/** The `Terminal` of anything thrown: AppErrors keep code and message; anything else is logged, not sent. */
export function errorTerminal(error: unknown, durationMs: number, logger: Logger, task: string): Terminal {
  if (!(error instanceof AppError)) logger.error({ err: error, task }, 'task failed with an internal error');
  return { status: 'error', error: taskErrorInfo(error), durationMs };
}

type Raced<T> = { readonly kind: 'value'; readonly value: T } | { readonly kind: 'thrown'; readonly error: unknown } | { readonly kind: 'aborted' };

/** Waits for `work` unless `signal` aborts first (the work is then left to finish unobserved). */
export async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<Raced<T>> {
  const settled = work.then((value): Raced<T> => ({ kind: 'value', value }), (error: unknown): Raced<T> => ({ kind: 'thrown', error }));
  if (signal.aborted) return { kind: 'aborted' };
  let onAbort = (): void => undefined;
  const aborted = new Promise<Raced<T>>((resolve) => {
    onAbort = () => { resolve({ kind: 'aborted' }); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([settled, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** A signal that aborts with 'cancelled' when `outer` does and with 'timeout' after `timeoutMs`. */
export function taskSignal(outer: AbortSignal, timeoutMs: number): { readonly signal: AbortSignal; readonly reason: () => 'timeout' | 'cancelled' | undefined; readonly dispose: () => void } {
  const controller = new AbortController();
  let reason: 'timeout' | 'cancelled' | undefined;
  const abort = (why: 'timeout' | 'cancelled'): void => {
    if (reason !== undefined) return;
    reason = why;
    controller.abort(new DOMException(`the task was ${why === 'timeout' ? 'timed out' : 'cancelled'}`, 'AbortError'));
  };
  const onCancel = (): void => { abort('cancelled'); };
  const timer = setTimeout(() => { abort('timeout'); }, timeoutMs);
  outer.addEventListener('abort', onCancel, { once: true });
  if (outer.aborted) onCancel();
  return {
    signal: controller.signal,
    reason: () => reason,
    dispose: () => {
      clearTimeout(timer);
      outer.removeEventListener('abort', onCancel);
    },
  };
}

export async function runCommand(def: CommandTaskDefinition<unknown>, params: unknown, deps: ExecDeps, exec: Execution): Promise<Terminal> {
  const startedAt = performance.now();
  const elapsed = (): number => performance.now() - startedAt;
  const timeoutMs = def.timeoutMs ?? taskDefaults.timeoutMs;
  const ctx = { filesDir: deps.filesDir };
  try {
    if (def.check !== undefined) {
      // The check (I/O) counts against the task's time; it cannot be interrupted, only abandoned.
      const limits = taskSignal(exec.signal, timeoutMs);
      const checked = await unlessAborted(def.check(params, ctx), limits.signal).finally(limits.dispose);
      if (checked.kind === 'aborted') return { status: limits.reason() ?? 'cancelled', durationMs: elapsed() };
      if (checked.kind === 'thrown') return errorTerminal(checked.error, elapsed(), deps.logger, def.name);
    }
    if (exec.signal.aborted) return { status: 'cancelled', durationMs: elapsed() };
    const cwd = typeof def.cwd === 'function' ? def.cwd(params, ctx) : def.cwd;
    const parse = def.progress;
    const outcome = await deps.runner.run({
      file: def.command,
      args: def.args(params, ctx),
      ...(cwd === undefined ? {} : { cwd }),
      ...(def.env === undefined ? {} : { env: def.env }),
      timeoutMs: Math.max(1, timeoutMs - elapsed()),
      maxOutputBytes: def.maxOutputBytes ?? taskDefaults.maxOutputBytes,
    }, {
      signal: exec.signal,
      ...(parse === undefined ? {} : {
        onLine: (line: string) => {
          const report = parse(line);
          if (report !== undefined) exec.progress(report.progress, report.message);
        },
      }),
    });
    const durationMs = elapsed();
    switch (outcome.kind) {
      case 'exited':
        if (outcome.exitCode !== 0) return errorTerminal(processError(def.command, outcome), durationMs, deps.logger, def.name);
        return { status: 'success', result: def.result ? def.result(outcome, params, ctx) : null, durationMs };
      case 'signaled':
      case 'spawn_failed':
        return errorTerminal(processError(def.command, outcome), durationMs, deps.logger, def.name);
      case 'timeout':
      case 'cancelled':
        return { status: outcome.kind, durationMs };
      case 'runner_failed':
        return errorTerminal(new TaskRunnerFailedError(`the task runner failed: ${outcome.message}`), durationMs, deps.logger, def.name);
    }
  } catch (error) {
    return errorTerminal(error, elapsed(), deps.logger, def.name);
  }
}

/** RunOutcome → ExecOutcome (shared/task.ts has no `runner_failed`: it is reported as a spawn failure). */
function execOutcome(outcome: RunOutcome): ExecOutcome {
  if (outcome.kind !== 'runner_failed') return outcome;
  return { kind: 'spawn_failed', code: 'ERUNNER', message: `the task runner failed: ${outcome.message}`, durationMs: outcome.durationMs };
}

export async function runCustom(def: CustomTaskDefinition<unknown>, params: unknown, deps: ExecDeps, exec: Execution): Promise<Terminal> {
  const startedAt = performance.now();
  const timeoutMs = def.timeoutMs ?? taskDefaults.timeoutMs;
  const limits = taskSignal(exec.signal, timeoutMs);
  const ctx: RunContext = {
    filesDir: deps.filesDir,
    signal: limits.signal,
    progress: exec.progress,
    exec: async (file: string, args: readonly string[], options: ExecOptions = {}) => execOutcome(await deps.runner.run({
      file, args,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.env === undefined ? {} : { env: options.env }),
      timeoutMs: options.timeoutMs ?? Math.max(1, timeoutMs - (performance.now() - startedAt)),
      maxOutputBytes: options.maxOutputBytes ?? taskDefaults.maxOutputBytes,
    }, { signal: limits.signal })),
  };
  // After an abort the task gets a grace period to settle; one that ignores its signal is abandoned.
  const grace = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  const startGrace = (): void => { graceTimer = setTimeout(() => { grace.abort(); }, CUSTOM_ABORT_GRACE_MS); };
  limits.signal.addEventListener('abort', startGrace, { once: true });
  try {
    const work = Promise.resolve().then(() => def.run(params, ctx));
    const ran = await unlessAborted(work, grace.signal);
    const durationMs = performance.now() - startedAt;
    const reason = limits.reason();
    if (reason !== undefined) {
      if (ran.kind === 'aborted') deps.logger.warn({ task: def.name }, 'custom task did not settle after its signal aborted; abandoned');
      return { status: reason, durationMs };
    }
    if (ran.kind === 'value') return { status: 'success', result: ran.value, durationMs };
    return errorTerminal(ran.kind === 'thrown' ? ran.error : undefined, durationMs, deps.logger, def.name);
  } finally {
    limits.dispose();
    limits.signal.removeEventListener('abort', startGrace);
    clearTimeout(graceTimer);
  }
}
