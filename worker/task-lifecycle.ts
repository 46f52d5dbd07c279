/**
 * One accepted task from submit to its terminal event. It is the queue's job: `run` emits `started`,
 * executes the task by kind (task-execute.ts, multi-task.ts), forwards progress, and emits the
 * terminal event; `drop` ends a task the queue removed before it started. Whatever happens (a task
 * that throws, a runner that fails, a cancel racing the end), exactly one terminal event is emitted
 * and nothing after it (docs/task-semantics.md: every accepted task ends with exactly one terminal event).
 * Sequence: queued → started → (progress)* → success | error | cancelled | timeout;
 * or queued → cancelled (no duration) when cancelled while waiting.
 * A task runs in its submitter's files folder (worker/files-user.ts, docs/files.md): `run` resolves it
 * (creating it on first use) and hands it on as TaskContext.filesDir.
 */
import { TaskCancelledError, TaskFailedError, TaskTimeoutError, type AppError } from '../shared/errors.ts';
import { durationSeconds, isTerminal, type TaskStatusEvent } from '../shared/task-status.ts';
import type { TaskContext, TaskDefinition } from '../shared/task.ts';
import { openUserFiles } from './files-user.ts';
import { runMulti, type MultiDeps } from './multi-task.ts';
import { errorTerminal, runCommand, runCustom, type ExecDeps, type Execution, type Terminal } from './task-execute.ts';
import type { QueueJob } from './task-queue.ts';

/** Who submitted a task (from the WAMP caller details). */
export interface Caller {
  readonly authid: string;
  readonly authrole: string;
  readonly session?: number;
}

export interface LifecycleEnv {
  readonly deps: ExecDeps & Pick<MultiDeps, 'registry'>;
  readonly now: () => Date;
  /** Receives each event of the task once, in order; the terminal one last. */
  readonly emit: (task: TaskLifecycle, event: TaskStatusEvent) => void;
}

/** Longest progress message kept; the rest is cut. */
export const MAX_PROGRESS_MESSAGE_CHARS = 1000;

type EventBody = TaskStatusEvent extends infer E ? E extends TaskStatusEvent ? Omit<E, 'task_id' | 'task' | 'at'> : never : never;

export class TaskLifecycle implements QueueJob {
  readonly id: string;
  readonly priority: number;
  readonly caller: Caller;
  readonly def: TaskDefinition;
  /** Its row in the task journal (worker/journal/), 0 without one: updates find the row by it, not by id. */
  journalSeq = 0;
  readonly #params: unknown;
  readonly #env: LifecycleEnv;
  #state: 'queued' | 'running' | 'finished' = 'queued';
  /** The terminal event once delivered, or the waiters of `done` before that (created on first use). */
  #end: TaskStatusEvent | PromiseWithResolvers<TaskStatusEvent> | undefined;

  constructor(id: string, caller: Caller, priority: number, def: TaskDefinition, params: unknown, env: LifecycleEnv) {
    this.id = id;
    this.priority = priority;
    this.caller = caller;
    this.def = def;
    this.#params = params;
    this.#env = env;
  }

  /** The first event, built when the task is accepted. */
  queuedEvent(): TaskStatusEvent {
    return { task_id: this.id, task: this.def.name, at: this.#env.now().toISOString(), status: 'queued' };
  }

  /** authid of the submitter (QueueJob.owner); not a field, so a queued task holds one pointer less. */
  get owner(): string {
    return this.caller.authid;
  }

  get state(): 'queued' | 'running' | 'finished' {
    return this.#state;
  }

  /** Resolves with the terminal event once it was delivered (see `delivered`); never rejects. Created on first use. */
  get done(): Promise<TaskStatusEvent> {
    const end = this.#end;
    if (end === undefined) return (this.#end = Promise.withResolvers<TaskStatusEvent>()).promise;
    return 'promise' in end ? end.promise : Promise.resolve(end);
  }

  /** Called by the service after it delivered `event` to the sink and listeners. */
  delivered(event: TaskStatusEvent): void {
    if (!isTerminal(event.status)) return;
    const end = this.#end;
    this.#end = event;
    if (end !== undefined && 'promise' in end) end.resolve(event);
  }

  /** The queue removed the task before it started (cancel, shutdown): `cancelled` without duration. */
  drop(): void {
    if (this.#state !== 'queued') return;
    this.#state = 'finished';
    this.#env.emit(this, this.#event({ status: 'cancelled' }));
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.#state !== 'queued') return;
    this.#state = 'running';
    const startedAt = performance.now();
    let end: Terminal;
    try {
      this.#env.emit(this, { task_id: this.id, task: this.def.name, at: this.#env.now().toISOString(), status: 'started' });
      end = await this.#execute(signal);
    } catch (error) {
      end = errorTerminal(error, performance.now() - startedAt, this.#env.deps.logger, this.def.name);
    }
    this.#finish(end);
  }

  async #execute(signal: AbortSignal): Promise<Terminal> {
    const exec: Execution = { signal, progress: (progress, message) => { this.#progress(progress, message); } };
    const startedAt = performance.now();
    const deps = await userDeps(this.#env.deps, this.caller);
    if (signal.aborted) return { status: 'cancelled', durationMs: performance.now() - startedAt };
    switch (this.def.kind) {
      case 'command': return runCommand(this.def, this.#params, deps, exec);
      case 'custom': return runCustom(this.def, this.#params, deps, exec);
      case 'multi': return runMulti(this.def, this.#params, { ...deps, role: this.caller.authrole }, exec);
    }
  }

  #progress(progress: number, message?: string): void {
    if (this.#state !== 'running' || typeof progress !== 'number' || !Number.isFinite(progress)) return;
    const clamped = Math.min(1, Math.max(0, progress));
    this.#env.emit(this, this.#event(typeof message === 'string'
      ? { status: 'progress', progress: clamped, message: message.slice(0, MAX_PROGRESS_MESSAGE_CHARS) }
      : { status: 'progress', progress: clamped }));
  }

  #finish(end: Terminal): void {
    if (this.#state === 'finished') return;
    this.#state = 'finished';
    const duration = durationSeconds(end.durationMs);
    switch (end.status) {
      case 'success':
        this.#env.emit(this, this.#event({ status: 'success', result: end.result ?? null, duration }));
        break;
      case 'error':
        this.#env.emit(this, this.#event({ status: 'error', error: end.error, duration }));
        break;
      default:
        this.#env.emit(this, this.#event({ status: end.status, duration }));
    }
  }

  #event(body: EventBody): TaskStatusEvent {
    return { task_id: this.id, task: this.def.name, at: this.#env.now().toISOString(), ...body };
  }
}

/** `deps` with the files folder of `caller` in place of the top one (created on first use). */
export async function userDeps<D extends ExecDeps>(deps: D, caller: Caller): Promise<D> {
  const files = await openUserFiles(deps.filesDir, caller, deps.files, false);
  return { ...deps, filesDir: files.dir, filesScope: files.scope };
}

/**
 * The TaskContext of `caller`'s submissions (their files folder, created on first use): what a
 * definition's `precheck` must get (shared/task-params.ts `precheckTaskParams`) to check the caller's files.
 */
export async function taskContextFor(deps: Pick<ExecDeps, 'filesDir' | 'files'>, caller: Caller): Promise<TaskContext> {
  const files = await openUserFiles(deps.filesDir, caller, deps.files);
  return { filesDir: files.dir, filesScope: files.scope };
}

/**
 * The error a WAMP call ends with when its task ended otherwise than with success: a progressive
 * call ends with the terminal event, an ERROR for failure, cancel or timeout (docs/worker.md, "The worker:
 * serve, CLI, WAMP API").
 */
export function terminalError(event: TaskStatusEvent): AppError | undefined {
  switch (event.status) {
    case 'error':
      return new TaskFailedError(event.error.message, {
        ...(event.error.exit_code === undefined ? {} : { exitCode: event.error.exit_code }),
        ...(event.error.stderr_tail === undefined ? {} : { stderrTail: event.error.stderr_tail }),
      });
    case 'timeout':
      return new TaskTimeoutError(`task ${event.task} timed out after ${event.duration} s`);
    case 'cancelled':
      return new TaskCancelledError(`task ${event.task} was cancelled`);
    default:
      return undefined;
  }
}
