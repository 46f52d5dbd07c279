/**
 * One task process inside the spawner: execa with an argv array in its own process group, bounded
 * output capture, optional stdout line streaming, timeout and cancel that terminate the whole group.
 * spec: docs/task-semantics.md (SIGTERM, grace, SIGKILL; duration from spawn to completion), with
 * deliberate differences: stdin is not inherited ('ignore'), output is capped, grandchildren are killed.
 */
import { execa } from 'execa';
import { LineSplitter, OutputCapture } from './capture.ts';
import { groupExists, terminateGroup } from './process-group.ts';
import { MAX_LINE_BYTES, type RunOutcome, type WireRunRequest } from './protocol.ts';

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
    const result = await subprocess;
    this.#finished = true;
    clearTimeout(this.#timer);
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
    // The group's first process exited but the group lives on (a background grandchild): the task is over, so
    // terminate the rest; otherwise a grandchild holding stdout open would keep the run going.
    subprocess.nodeChildProcess.once('exit', () => {
      if (this.#stopReason === undefined && groupExists(pid)) {
        this.#terminations.push(terminateGroup(pid, this.#req.killGraceMs));
      }
    });
  }

  #stop(reason: 'timeout' | 'cancelled'): void {
    // After completion the pid may be reused by another process: never signal it then.
    if (this.#stopReason !== undefined || this.#pid === undefined || this.#finished) return;
    this.#stopReason = reason;
    clearTimeout(this.#timer);
    // Lines no longer matter; never leave stdout paused, or the run could not finish.
    this.#streaming = false;
    this.#subprocess?.stdout.resume();
    this.#terminations.push(terminateGroup(this.#pid, this.#req.killGraceMs));
  }

  #outcome(result: Awaited<Subprocess>): RunOutcome {
    const durationMs = performance.now() - this.#startedAt;
    if (this.#pid === undefined) {
      return this.#spawnFailed(result.code ?? 'UNKNOWN', result.originalMessage ?? result.shortMessage ?? 'spawn failed');
    }
    const captured = {
      stdout: this.#stdout.text(),
      stderr: this.#stderr.text(),
      stdoutTruncated: this.#stdout.truncated,
      stderrTruncated: this.#stderr.truncated,
      durationMs,
    };
    if (this.#stopReason !== undefined) return { kind: this.#stopReason, ...captured };
    if (result.signal !== undefined) return { kind: 'signaled', signal: result.signal, ...captured };
    return { kind: 'exited', exitCode: result.exitCode ?? -1, ...captured };
  }

  #spawnFailed(code: string, message: string): RunOutcome {
    return { kind: 'spawn_failed', code, message, durationMs: performance.now() - this.#startedAt };
  }
}
