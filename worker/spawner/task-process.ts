/**
 * One task process inside the spawner: execa with an argv array in its own process group, bounded
 * output capture, optional stdout line streaming, timeout and cancel that terminate the whole task
 * (its group and the processes that left it: process-tree.ts).
 * docs/task-semantics.md (SIGTERM, grace, SIGKILL; duration from spawn to completion), with
 * deliberate differences: stdin is not inherited ('ignore'), output is capped, grandchildren are killed.
 * A run never waits for its pipes longer than the kill grace plus PIPE_DRAIN_MS after its termination
 * began (docs/process-limits.md): a process that escaped and holds stdout open cannot keep it going.
 */
import { execa } from 'execa';
import { LineSplitter, OutputCapture } from './capture.ts';
import { groupExists, terminateTask } from './process-group.ts';
import {
  ESCAPE_CHECK_MS, MAX_LINE_BYTES, PIPE_DRAIN_MS, TASK_COOKIE_ENV, type Captured, type RunOutcome, type WireRunRequest,
} from './protocol.ts';

/** setTimeout's largest delay; longer timeouts are clamped to it (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

function spawnTask(file: string, args: readonly string[], cwd: string | undefined, env: Readonly<Record<string, string>> | undefined) {
  return execa(file, args, {
    ...(cwd === undefined ? {} : { cwd }),
    ...(env === undefined ? {} : { env }),
    shell: false,
    detached: true, // own process group: kill(-pid) reaches grandchildren
    cleanup: false, // we own the kill policy (disconnect → kill every group)
    stdin: 'ignore',
    buffer: false, // we capture with bounded buffers ourselves
    reject: false,
  });
}
type Subprocess = ReturnType<typeof spawnTask>;

export interface TaskProcessEvents {
  spawned(pid: number): void;
  /** Bytes read from the task's stdout or stderr (for the GC pacer). */
  read(bytes: number): void;
  /** Returns false when the channel to the main process is congested: stdout is then paused. */
  lines(lines: readonly string[]): boolean;
  done(outcome: RunOutcome): void;
}

export class TaskProcess {
  readonly #req: WireRunRequest;
  readonly #events: TaskProcessEvents;
  readonly #stdout: OutputCapture;
  readonly #stderr: OutputCapture;
  readonly #splitter: LineSplitter | undefined;
  #subprocess: Subprocess | undefined;
  #pid: number | undefined;
  #stopReason: 'timeout' | 'cancelled' | undefined;
  #timer: NodeJS.Timeout | undefined;
  #streaming: boolean;
  #startedAt = 0;
  #finished = false;
  /** The first process exited (the task is over; what is left of it is being ended). */
  #exited = false;
  #terminating = false;
  /** Escape check, then pipe drain: the timers that bound how long the run waits for its pipes. */
  #endTimer: NodeJS.Timeout | undefined;
  /** Resolves when the run stops waiting for the first process (it could not be reaped in time). */
  #abandon: () => void = () => undefined;
  /** Group terminations in progress (also after the outcome was sent). */
  readonly #terminations: Promise<unknown>[] = [];

  constructor(req: WireRunRequest, events: TaskProcessEvents) {
    this.#req = req;
    this.#events = events;
    this.#stdout = new OutputCapture(req.maxOutputBytes, 'head');
    this.#stderr = new OutputCapture(req.maxOutputBytes, 'tail');
    this.#streaming = req.streamLines;
    this.#splitter = req.streamLines ? new LineSplitter(MAX_LINE_BYTES) : undefined;
  }

  /** Spawns; settles when the outcome was delivered and no group termination is pending. */
  async run(): Promise<void> {
    await this.#run();
    await Promise.all(this.#terminations);
  }

  /** Terminate the group (SIGTERM, SIGKILL after the grace period); the outcome will be 'cancelled'. */
  cancel(): void {
    this.#stop('cancelled');
  }

  /** Resume a stdout stream paused for backpressure. */
  resume(): void {
    this.#subprocess?.stdout.resume();
  }

  async #run(): Promise<void> {
    const { file, args, cwd, env } = this.#req;
    this.#startedAt = performance.now();
    let subprocess: Subprocess;
    try {
      subprocess = spawnTask(file, args, cwd, env);
    } catch (error) {
      this.#events.done(this.#spawnFailed((error as NodeJS.ErrnoException).code ?? 'EINVAL', String(error)));
      return;
    }
    this.#subprocess = subprocess;
    this.#pid = subprocess.pid;
    if (this.#pid !== undefined) this.#watch(subprocess, this.#pid);
    const abandoned = new Promise<undefined>((resolve) => { this.#abandon = () => { resolve(undefined); }; });
    const result = await Promise.race([subprocess, abandoned]);
    this.#finished = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#endTimer);
    const lastLine = this.#splitter?.end() ?? [];
    if (this.#streaming && lastLine.length > 0) this.#events.lines(lastLine);
    this.#events.done(this.#outcome(result));
  }

  #watch(subprocess: Subprocess, pid: number): void {
    this.#events.spawned(pid);
    subprocess.stdout.on('data', (chunk: Buffer) => {
      this.#events.read(chunk.length);
      this.#stdout.push(chunk);
      if (!this.#streaming || this.#splitter === undefined) return;
      const lines = this.#splitter.push(chunk);
      if (lines.length > 0 && !this.#events.lines(lines) && this.#stopReason === undefined) subprocess.stdout.pause();
    });
    subprocess.stderr.on('data', (chunk: Buffer) => {
      this.#events.read(chunk.length);
      this.#stderr.push(chunk);
    });
    this.#timer = setTimeout(() => {
      this.#stop('timeout');
    }, Math.min(this.#req.timeoutMs, MAX_TIMER_MS));
    // The first process exited: the task is over. What is left of it (a background grandchild in the
    // group, or a process that left the group and holds stdout open) is terminated, or it would keep
    // the run going; the timeout no longer applies.
    subprocess.nodeChildProcess.once('exit', () => {
      this.#exited = true;
      clearTimeout(this.#timer);
      if (this.#terminating) return;
      if (groupExists(pid)) this.#terminate();
      else this.#endTimer = setTimeout(() => { this.#terminate(); }, ESCAPE_CHECK_MS);
    });
  }

  #stop(reason: 'timeout' | 'cancelled'): void {
    // After completion the pid may be reused by another process: never signal it then.
    if (this.#stopReason !== undefined || this.#pid === undefined || this.#finished) return;
    if (this.#exited) {
      // Only leftovers run: end them now instead of after the escape check; the outcome stays the exit.
      clearTimeout(this.#endTimer);
      this.#terminate();
      return;
    }
    this.#stopReason = reason;
    clearTimeout(this.#timer);
    // Lines no longer matter; never leave stdout paused, or the run could not finish.
    this.#streaming = false;
    this.#subprocess?.stdout.resume();
    this.#terminate();
  }

  /** SIGTERM, grace, SIGKILL to the whole task (once); then at most PIPE_DRAIN_MS more for its pipes. */
  #terminate(): void {
    const pid = this.#pid;
    if (this.#terminating || pid === undefined || this.#finished) return;
    this.#terminating = true;
    const ending = terminateTask({ pgid: pid, cookie: this.#req.env?.[TASK_COOKIE_ENV] }, this.#req.killGraceMs).then(() => {
      if (!this.#finished) this.#endTimer = setTimeout(() => { this.#stopWaiting(); }, PIPE_DRAIN_MS);
    });
    this.#terminations.push(ending);
  }

  /**
   * Nothing of the task that we could find is left, yet a pipe is still open (held by a process we
   * could not find, see docs/process-limits.md) or the first process was not reaped: stop waiting.
   */
  #stopWaiting(): void {
    if (this.#finished) return;
    this.#subprocess?.stdout.destroy();
    this.#subprocess?.stderr.destroy();
    // Destroyed pipes let execa settle once the first process is reaped; if that does not come either, give up on it.
    this.#endTimer = setTimeout(() => { this.#abandon(); }, PIPE_DRAIN_MS);
  }

  #outcome(result: Awaited<Subprocess> | undefined): RunOutcome {
    const durationMs = performance.now() - this.#startedAt;
    if (result === undefined) {
      // The first process was never reaped (only a run that was stopped, or whose first process exited, gets here).
      return { kind: this.#stopReason ?? 'cancelled', ...this.#captured(durationMs) };
    }
    if (this.#pid === undefined) {
      return this.#spawnFailed(result.code ?? 'UNKNOWN', result.originalMessage ?? result.shortMessage ?? 'spawn failed');
    }
    const captured = this.#captured(durationMs);
    if (this.#stopReason !== undefined) return { kind: this.#stopReason, ...captured };
    if (result.signal !== undefined) return { kind: 'signaled', signal: result.signal, ...captured };
    return { kind: 'exited', exitCode: result.exitCode ?? -1, ...captured };
  }

  #captured(durationMs: number): Captured {
    return {
      stdout: this.#stdout.text(),
      stderr: this.#stderr.text(),
      stdoutTruncated: this.#stdout.truncated,
      stderrTruncated: this.#stderr.truncated,
      durationMs,
    };
  }

  #spawnFailed(code: string, message: string): RunOutcome {
    return { kind: 'spawn_failed', code, message, durationMs: performance.now() - this.#startedAt };
  }
}
