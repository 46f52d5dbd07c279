/**
 * The task-definition API (docs/conventions.md): a task file is data plus pure functions. `params` is a zod
 * object schema that drives validation (shared/task-params.ts), the types of the callbacks and the
 * JSON Schema shown by `asexor.control.list`. Commands always run with an argv array, never a shell.
 *
 * Three kinds: `command` (one program per task, run by the worker's runner), `custom` (the escape
 * hatch: any async code, with `ctx.exec` to spawn through the runner) and `multi` (a list of subtasks
 * run by the worker's multi-task driver, each validated and authorized like a task of its own).
 */
import type { z } from 'zod';

/** What every task callback may know besides its params. */
export interface TaskContext {
  /**
   * The submitter's files folder, absolute (docs/files.md): `<files folder>/<the authid, escaped>`, created
   * on first use, or the top files folder itself for a role of `asexor.files.sharedRoles`.
   */
  readonly filesDir: string;
  /**
   * `user` (the submitter's own folder) or `shared` (the top folder); absent when the context was made
   * without knowing the submitter, and `filesDir` is then the top folder (a check against it says
   * nothing about a user's files: skip it).
   */
  readonly filesScope?: 'user' | 'shared';
  /**
   * Where a running task's program writes the output file `rel` (relative to `filesDir`, checked like a
   * path param): a hidden temporary name in the same folder, renamed to `rel` when the task succeeds
   * and removed when it fails, times out, is cancelled or goes over the user's quota (worker/files-outputs.ts).
   * Same `rel`, same name within one run. Absent outside a run (precheck): use `rel` itself.
   */
  readonly outputFile?: (rel: string) => string;
}

/** What the process of a command task (or a `ctx.exec` call) came to; the runner's RunOutcome fits it. */
export type ExecOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number; readonly stdout: string; readonly stderr: string;
    readonly stdoutTruncated: boolean; readonly stderrTruncated: boolean; readonly durationMs: number }
  | { readonly kind: 'signaled'; readonly signal: string; readonly stdout: string; readonly stderr: string;
    readonly durationMs: number }
  | { readonly kind: 'timeout'; readonly durationMs: number }
  | { readonly kind: 'cancelled'; readonly durationMs: number }
  | { readonly kind: 'spawn_failed'; readonly code: string; readonly message: string; readonly durationMs: number };

export interface ExecOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** @default the task's remaining time */
  readonly timeoutMs?: number;
  /** Per stream. @default 1 MiB */
  readonly maxOutputBytes?: number;
}

/** The context of a custom task's `run`. */
export interface RunContext extends TaskContext {
  /** Aborted on cancel and on timeout. */
  readonly signal: AbortSignal;
  /** Publishes a `progress` event (`progress` in 0..1). */
  readonly progress: (progress: number, message?: string) => void;
  /** Runs a program through the worker's runner (argv only); resolves with the outcome, never rejects for process failures. */
  readonly exec: (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecOutcome>;
}

/** What a command's process produced when it exited with code 0. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** One subtask of a multi-task: a registered task name and its params (as CALL kwargs). */
export interface SubtaskSpec {
  readonly task: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** Fields every kind shares. `P` is the params schema's output type. */
export interface TaskDefinitionBase<P> {
  /** Wire name, unique, snake_case `[a-z][a-z0-9_]*`: the procedure is `<prefix>.task.<name>`. */
  readonly name: string;
  readonly description: string;
  /** A zod object schema (z.object / z.strictObject); unknown keys are always rejected. */
  readonly params: z.ZodType<P>;
  /** CALL `args[i]` becomes `params[positional[i]]`; a param given both ways is an error. @default [] */
  readonly positional?: readonly (keyof P & string)[];
  /** Roles that may see and run the task. @default every role except the anonymous one */
  readonly roles?: readonly string[];
  /** Wall-clock limit from start to end; the process group is killed when it passes. @default 60_000 */
  readonly timeoutMs?: number;
  /**
   * A cheap check run when the call arrives, before the task is queued (docs/input-limits.md), e.g.
   * that an input file exists (a few stat calls, no reading): a rejection (an AppError, usually an
   * InvalidParamsError naming the param) refuses the call and nothing is queued. Run it through
   * `precheckTaskParams` (shared/task-params.ts). A command task's `check` still runs right before the
   * spawn, since files may change while the task waits.
   */
  readonly precheck?: (params: P, ctx: TaskContext) => Promise<void>;
  /**
   * The largest params a call may send, counted about as their JSON (shared/param-limits.ts,
   * docs/input-limits.md); a list param without `.max()` holds at most 1000 items. @default 65_536
   */
  readonly maxParamsBytes?: number;
  /**
   * Safe to run again from the start when the worker stopped while it ran (crash, kill -9): on restart
   * from the journal it is queued again instead of ending with `error` ERR_WORKER_RESTARTED
   * (docs/durability.md). Only for idempotent tasks. @default false
   */
  readonly rerunOnRestart?: boolean;
}

/** What a command task file writes (`defineTask` adds `kind`). */
export interface CommandTaskSpec<P> extends TaskDefinitionBase<P> {
  /** The program, looked up on PATH. Never a shell. */
  readonly command: string;
  /** Validated params → argv (without the program). Pure: no I/O, same input → same output. */
  readonly args: (params: P, ctx: TaskContext) => readonly string[];
  /**
   * Checks that need I/O (e.g. `realPathInFilesDir` against symlinks), run by the worker after the task
   * leaves the queue and right before the spawn; a rejection (an AppError) becomes the task's `error` event.
   */
  readonly check?: (params: P, ctx: TaskContext) => Promise<void>;
  /** Per stream; longer output is truncated (and flagged). @default 1 MiB */
  readonly maxOutputBytes?: number;
  /** @default the worker's working directory */
  readonly cwd?: string | ((params: P, ctx: TaskContext) => string);
  /** Extra environment variables for the process. */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit code 0 → the `success` event's `result`. Pure. @default () => null */
  readonly result?: (out: CommandOutput, params: P, ctx: TaskContext) => unknown;
  /** Parses one stdout line into a progress report; undefined = not a progress line. */
  readonly progress?: (line: string) => { readonly progress: number; readonly message?: string } | undefined;
}

export interface CustomTaskSpec<P> extends TaskDefinitionBase<P> {
  /** Resolves with the `success` result; rejects with an AppError (TaskFailedError…) for an `error` event. */
  readonly run: (params: P, ctx: RunContext) => Promise<unknown>;
}

export interface MultiTaskSpec<P> extends TaskDefinitionBase<P> {
  /** The subtasks, in order. May do I/O (e.g. list a folder). Nested multi-tasks are rejected by the driver. */
  readonly subtasks: (params: P, ctx: TaskContext) => Promise<readonly SubtaskSpec[]>;
  /** Subtasks run at the same time. @default 1 (strictly in order) */
  readonly concurrency?: number;
}

export interface CommandTaskDefinition<P> extends CommandTaskSpec<P> { readonly kind: 'command' }
export interface CustomTaskDefinition<P> extends CustomTaskSpec<P> { readonly kind: 'custom' }
export interface MultiTaskDefinition<P> extends MultiTaskSpec<P> { readonly kind: 'multi' }

/* eslint-disable @typescript-eslint/no-explicit-any -- the registry holds definitions of every params type */
/** Any registered task. Narrow on `kind`. */
export type TaskDefinition = CommandTaskDefinition<any> | CustomTaskDefinition<any> | MultiTaskDefinition<any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

export type TaskKind = TaskDefinition['kind'];

/** Defaults of the optional fields, in one place (the JSDoc `@default`s above must match). */
export const taskDefaults = {
  timeoutMs: 60_000,
  maxOutputBytes: 1024 * 1024,
  concurrency: 1,
} as const;

/** A command task. Identity plus `kind`, for type inference of `params` in `args`/`result`. */
export function defineTask<P>(definition: CommandTaskSpec<P>): CommandTaskDefinition<P> {
  return { ...definition, kind: 'command' };
}

/** A custom task (escape hatch): `run` does the work, spawning through `ctx.exec`. */
export function defineCustomTask<P>(definition: CustomTaskSpec<P>): CustomTaskDefinition<P> {
  return { ...definition, kind: 'custom' };
}

/** A multi-task: `subtasks` lists the tasks to run. */
export function defineMultiTask<P>(definition: MultiTaskSpec<P>): MultiTaskDefinition<P> {
  return { ...definition, kind: 'multi' };
}
