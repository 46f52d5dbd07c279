/**
 * Runs one command or custom task to its end and says how it ended (a `Terminal`); it never rejects
 * for a task failure. Command tasks go through the TaskRunner (argv only) with the definition's
 * timeout, output cap, cwd and env; the runner's outcome decides timeout and cancelled
 * (docs/conventions.md: outcomes are data). Custom tasks get a RunContext whose signal aborts on cancel and on
 * their timeout. Events are the lifecycle's job (task-lifecycle.ts).
 * Output files (TaskContext.outputFile, worker/files-outputs.ts) are renamed into place only on success
 * and removed otherwise; with a quota (`files.quotaBytes`, docs/files.md) a command is stopped when its
 * outputs would put the user's folder over it, and any task's outputs are checked before the rename.
 */
import { AppError, FilesQuotaExceededError, TaskRunnerFailedError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { processError, taskErrorInfo, type TaskErrorInfo } from '../shared/task-status.ts';
import {
  taskDefaults, type CommandTaskDefinition, type CustomTaskDefinition, type ExecOptions, type ExecOutcome, type RunContext, type TaskContext,
} from '../shared/task.ts';
import { TaskOutputs } from './files-outputs.ts';
import { usageFor } from './files-usage.ts';
import type { FilesSettings } from './files-user.ts';
import type { RunOutcome, TaskRunner } from './task-runner.ts';

/** How a task ended; `durationMs` is from the start of its work. */
export type Terminal =
  | { readonly status: 'success'; readonly result: unknown; readonly durationMs: number }
  | { readonly status: 'error'; readonly error: TaskErrorInfo; readonly durationMs: number }
  | { readonly status: 'timeout' | 'cancelled'; readonly durationMs: number };

export interface ExecDeps {
  readonly runner: TaskRunner;
  /** The files folder, absolute: the top one as configured; the lifecycle replaces it by the submitter's (worker/files-user.ts). */
  readonly filesDir: string;
  /** Set by the lifecycle with the submitter's `filesDir` (TaskContext.filesScope). */
  readonly filesScope?: 'user' | 'shared';
  /** Shared roles and quota. @default worker/files-user.ts filesSettingsDefaults */
  readonly files?: FilesSettings;
  readonly logger: Logger;
}

/** How often a running command's outputs are measured against the quota, ms. */
export const QUOTA_POLL_MS = 250;

function taskContext(deps: ExecDeps, outputs: TaskOutputs): TaskContext {
  return { filesDir: deps.filesDir, ...(deps.filesScope === undefined ? {} : { filesScope: deps.filesScope }), outputFile: outputs.path };
}

/** The quota that applies to this run's outputs: a user's folder with `quotaBytes` set, and outputs to write. */
function quotaOf(deps: ExecDeps, outputs: TaskOutputs): number | undefined {
  const quota = deps.files?.quotaBytes;
  return quota === null || quota === undefined || deps.filesScope !== 'user' || outputs.size === 0 ? undefined : quota;
}

/**
 * Bytes the user's folder holds besides the outputs and the files they replace: before a command
 * starts (`written` false: the cached figure), or measured afresh once a custom task wrote them.
 */
async function baseUsage(deps: ExecDeps, outputs: TaskOutputs, written: boolean): Promise<number> {
  if (deps.files === undefined) return 0;
  const usage = usageFor(deps.files);
  const total = written ? await usage.measure(deps.filesDir) - await outputs.writtenBytes() : await usage.bytes(deps.filesDir);
  return Math.max(0, total - await outputs.replacedBytes());
}

function quotaError(quota: number, base: number, written: number): FilesQuotaExceededError {
  return new FilesQuotaExceededError(`the task's output would put your files folder over its quota of ${quota} bytes `
    + `(${base} bytes besides the output, which reached ${written} bytes); the output was removed`);
}

/** Whether the finished outputs fit; renames them into place when they do (and tells the usage cache). */
async function commitOutputs(deps: ExecDeps, outputs: TaskOutputs, base: number | undefined): Promise<FilesQuotaExceededError | undefined> {
  const quota = quotaOf(deps, outputs);
  const written = await outputs.writtenBytes();
  if (quota !== undefined && base !== undefined && base + written > quota) return quotaError(quota, base, written);
  const replaced = await outputs.replacedBytes();
  await outputs.commit();
  if (deps.files !== undefined) usageFor(deps.files).add(deps.filesDir, written - replaced);
  return undefined;
}

/** Stops a command whose outputs go over the quota while it runs: `signal` aborts then. */
function watchQuota(outputs: TaskOutputs, quota: number, base: number, outer: AbortSignal): { readonly signal: AbortSignal; readonly exceeded: () => FilesQuotaExceededError | undefined; readonly stop: () => void } {
  const controller = new AbortController();
  let exceeded: FilesQuotaExceededError | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void outputs.writtenBytes().then((written) => {
      if (base + written > quota && exceeded === undefined) {
        exceeded = quotaError(quota, base, written);
        controller.abort(exceeded);
      }
    }).finally(() => { busy = false; });
  }, QUOTA_POLL_MS);
  return { signal: AbortSignal.any([outer, controller.signal]), exceeded: () => exceeded, stop: () => { clearInterval(timer); } };
}

async function discardOutputs(outputs: TaskOutputs, logger: Logger, task: string): Promise<void> {
  try {
    await outputs.discard();
  } catch (err) {
    logger.warn({ err, task }, 'could not remove a partial output file');
  }
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
  const outputs = new TaskOutputs(deps.filesDir);
  const ctx = taskContext(deps, outputs);
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
    const args = def.args(params, ctx);
    const quota = quotaOf(deps, outputs);
    const base = quota === undefined ? undefined : await baseUsage(deps, outputs, false);
    const watch = quota === undefined || base === undefined ? undefined : watchQuota(outputs, quota, base, exec.signal);
    const outcome = await deps.runner.run({
      file: def.command,
      args,
      ...(cwd === undefined ? {} : { cwd }),
      ...(def.env === undefined ? {} : { env: def.env }),
      timeoutMs: Math.max(1, timeoutMs - elapsed()),
      maxOutputBytes: def.maxOutputBytes ?? taskDefaults.maxOutputBytes,
    }, {
      signal: watch?.signal ?? exec.signal,
      ...(parse === undefined ? {} : {
        onLine: (line: string) => {
          const report = parse(line);
          if (report !== undefined) exec.progress(report.progress, report.message);
        },
      }),
    }).finally(() => watch?.stop());
    const durationMs = elapsed();
    const overQuota = watch?.exceeded();
    if (overQuota !== undefined) return errorTerminal(overQuota, durationMs, deps.logger, def.name);
    switch (outcome.kind) {
      case 'exited': {
        if (outcome.exitCode !== 0) return errorTerminal(processError(def.command, outcome), durationMs, deps.logger, def.name);
        const refused = await commitOutputs(deps, outputs, base);
        if (refused !== undefined) return errorTerminal(refused, durationMs, deps.logger, def.name);
        return { status: 'success', result: def.result ? def.result(outcome, params, ctx) : null, durationMs };
      }
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
  } finally {
    await discardOutputs(outputs, deps.logger, def.name); // nothing left after a commit
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
  const outputs = new TaskOutputs(deps.filesDir);
  const ctx: RunContext = {
    ...taskContext(deps, outputs),
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
  if (limits.signal.aborted) startGrace();
  else limits.signal.addEventListener('abort', startGrace, { once: true });
  try {
    const work = Promise.resolve().then(() => def.run(params, ctx));
    const ran = await unlessAborted(work, grace.signal);
    const durationMs = performance.now() - startedAt;
    const reason = limits.reason();
    if (reason !== undefined) {
      if (ran.kind === 'aborted') deps.logger.warn({ task: def.name }, 'custom task did not settle after its signal aborted; abandoned');
      return { status: reason, durationMs };
    }
    if (ran.kind === 'value') {
      const quota = quotaOf(deps, outputs);
      const refused = await commitOutputs(deps, outputs, quota === undefined ? undefined : await baseUsage(deps, outputs, true));
      if (refused !== undefined) return errorTerminal(refused, durationMs, deps.logger, def.name);
      return { status: 'success', result: ran.value, durationMs };
    }
    return errorTerminal(ran.kind === 'thrown' ? ran.error : undefined, durationMs, deps.logger, def.name);
  } finally {
    await discardOutputs(outputs, deps.logger, def.name);
    limits.dispose();
    limits.signal.removeEventListener('abort', startGrace);
    clearTimeout(graceTimer);
  }
}
