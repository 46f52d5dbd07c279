/**
 * Runs task processes through a spawner process and returns outcomes as data; it never rejects for a
 * task failure (docs/conventions.md). Node's own spawn forks this (possibly large) process, so every spawn is
 * done by a small long-lived child instead: the native helper (native/asexor-spawn.c, posix_spawn,
 * no fork of anything large) when it was built, else the Node spawner (worker/spawner/main.ts).
 */
import { randomBytes } from 'node:crypto';
import { ConfigInvalidError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { SpawnerBackend, SpawnerChoice, SpawnerKind } from './spawner/backend.ts';
import { NativeSpawnerClient, nativeHelperMissing } from './spawner/native-client.ts';
import { NodeSpawnerClient } from './spawner/node-client.ts';
import { terminateTask } from './spawner/process-group.ts';
import {
  DEFAULT_KILL_GRACE_MS, TASK_COOKIE_ENV, type RunOutcome, type RunRequest, type SpawnerMessage, type WireRunRequest,
} from './spawner/protocol.ts';

export type { RunOutcome, RunRequest } from './spawner/protocol.ts';
export type { SpawnerChoice, SpawnerKind } from './spawner/backend.ts';

const SPAWNER_CHOICES: readonly SpawnerChoice[] = ['auto', 'native', 'node'];

export interface TaskRunnerOptions {
  readonly logger: Logger;
  /**
   * Which spawner runs the tasks: `native` (the C helper, an error if it is missing), `node` (the
   * Node spawner) or `auto` (native when built, else node with one warning).
   * @default process.env.ASEXOR_SPAWNER ?? 'auto'
   */
  readonly spawner?: SpawnerChoice;
  /** V8 old-space limit of the Node spawner process. @default 128 */
  readonly spawnerMaxOldSpaceMb?: number;
  /**
   * Between SIGTERM and SIGKILL when a task is stopped (timeout, cancel, shutdown), for runs whose
   * request names none (docs/process-limits.md).
   * @default Number(process.env.ASEXOR_KILL_GRACE_MS ?? 2000)
   */
  readonly killGraceMs?: number;
}

/** The kill grace from the options or ASEXOR_KILL_GRACE_MS; throws ConfigInvalidError for a value that is not a non-negative integer. */
export function resolveKillGraceMs(option: number | undefined, env = process.env['ASEXOR_KILL_GRACE_MS']): number {
  const value = option ?? (env === undefined || env === '' ? DEFAULT_KILL_GRACE_MS : Number(env));
  if (!(Number.isSafeInteger(value) && value >= 0)) {
    const shown = option ?? env;
    throw new ConfigInvalidError(`Expected a non-negative integer of milliseconds, got \`${String(shown)}\` (${typeof shown})`, option === undefined ? 'ASEXOR_KILL_GRACE_MS' : 'killGraceMs');
  }
  return value;
}

/** The spawner choice from the options or ASEXOR_SPAWNER; throws ConfigInvalidError for anything else. */
export function resolveSpawnerChoice(option: string | undefined): SpawnerChoice {
  const choice = option === undefined || option === '' ? 'auto' : option;
  if (!(SPAWNER_CHOICES as readonly string[]).includes(choice)) {
    throw new ConfigInvalidError(`Expected the spawner (ASEXOR_SPAWNER) to be one of ${SPAWNER_CHOICES.join(', ')}, got \`${choice}\` (${typeof choice})`, 'ASEXOR_SPAWNER');
  }
  return choice as SpawnerChoice;
}

export interface RunOptions {
  /** Aborting terminates the process group; the outcome is then 'cancelled'. */
  readonly signal?: AbortSignal;
  /** stdout lines as they arrive (progress parsing); a throwing callback is logged and ignored. */
  readonly onLine?: (line: string) => void;
  /** The pid (= process group id) once the process was started. */
  readonly onSpawn?: (pid: number) => void;
}

interface InFlight {
  readonly resolve: (outcome: RunOutcome) => void;
  readonly client: SpawnerBackend;
  readonly startedAt: number;
  readonly killGraceMs: number;
  /** The run's TASK_COOKIE_ENV value: finds its processes that left the group (worker/spawner/process-tree.ts). */
  readonly cookie: string;
  readonly options: RunOptions;
  readonly onAbort: (() => void) | undefined;
  pid: number | undefined;
}

export class TaskRunner {
  readonly #logger: Logger;
  readonly #maxOldSpaceMb: number;
  readonly #killGraceMs: number;
  readonly #inFlight = new Map<number, InFlight>();
  /** Group terminations done by this process after a spawner died. */
  readonly #reaping = new Set<Promise<unknown>>();
  readonly #choice: SpawnerChoice;
  /** The kind decided at start (auto resolved); restarts after a crash keep it. */
  #kind: SpawnerKind | undefined;
  #client: SpawnerBackend | undefined;
  #starting: Promise<SpawnerBackend | undefined> | undefined;
  #nextId = 0;
  #closing: Promise<void> | undefined;

  private constructor(options: TaskRunnerOptions) {
    this.#logger = options.logger.child({ component: 'task-runner' });
    this.#maxOldSpaceMb = options.spawnerMaxOldSpaceMb ?? 128;
    this.#choice = options.spawner ?? resolveSpawnerChoice(process.env['ASEXOR_SPAWNER']);
    this.#killGraceMs = resolveKillGraceMs(options.killGraceMs);
  }

  /** The kill grace of runs whose request names none. */
  get killGraceMs(): number {
    return this.#killGraceMs;
  }

  /** Starts the spawner and waits until it is ready; rejects if it cannot be started. */
  static async start(options: TaskRunnerOptions): Promise<TaskRunner> {
    const runner = new TaskRunner(options);
    runner.#client = await runner.#startFirst();
    return runner;
  }

  /** Which spawner runs the tasks. */
  get backend(): SpawnerKind | undefined {
    return this.#kind;
  }

  /** The spawner's pid, while one is running (for diagnostics and tests). */
  get spawnerPid(): number | undefined {
    return this.#client?.alive ? this.#client.pid : undefined;
  }

  /** Resolves with the outcome; never rejects. A dead spawner is restarted for this run. */
  run(req: RunRequest, options: RunOptions = {}): Promise<RunOutcome> {
    if (this.#closing) return Promise.resolve(runnerFailed('the task runner is closed', 0));
    const client = this.#client;
    if (client?.alive) return this.#dispatch(client, req, options);
    const startedAt = performance.now();
    return this.#ensureClient().then((started) => started
      ? this.#dispatch(started, req, options)
      : runnerFailed('the spawner could not be started', performance.now() - startedAt));
  }

  /** Cancels every running process (groups terminated), stops the spawner; in-flight runs resolve. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const client = (await this.#starting) ?? this.#client;
    let grace = this.#killGraceMs;
    for (const entry of this.#inFlight.values()) grace = Math.max(grace, entry.killGraceMs);
    if (client?.alive) await client.shutdown(grace + 3000);
    await Promise.all(this.#reaping);
  }

  #dispatch(client: SpawnerBackend, req: RunRequest, options: RunOptions): Promise<RunOutcome> {
    if (options.signal?.aborted) return Promise.resolve(cancelledBeforeStart());
    const id = ++this.#nextId;
    // Unique per run and set last, so that no request env replaces it; inherited by everything the task starts.
    const cookie = `${String(process.pid)}-${String(id)}-${randomBytes(6).toString('hex')}`;
    const wire: WireRunRequest = {
      file: req.file,
      args: req.args,
      cwd: req.cwd,
      env: { ...req.env, [TASK_COOKIE_ENV]: cookie },
      timeoutMs: req.timeoutMs,
      maxOutputBytes: req.maxOutputBytes,
      killGraceMs: req.killGraceMs ?? this.#killGraceMs,
      streamLines: options.onLine !== undefined && req.streamLines !== false,
    };
    return new Promise<RunOutcome>((resolve) => {
      const signal = options.signal;
      const onAbort = signal ? () => { client.send({ t: 'cancel', id }); } : undefined;
      if (onAbort) signal?.addEventListener('abort', onAbort, { once: true });
      this.#inFlight.set(id, {
        resolve, client, options, onAbort, startedAt: performance.now(), killGraceMs: wire.killGraceMs, cookie, pid: undefined,
      });
      client.send({ t: 'run', id, req: wire });
    });
  }

  #onMessage(message: Exclude<SpawnerMessage, { t: 'ready' }>): void {
    const entry = this.#inFlight.get(message.id);
    if (entry === undefined) return;
    switch (message.t) {
      case 'spawned':
        entry.pid = message.pid;
        this.#callback(entry.options.onSpawn, message.pid);
        break;
      case 'lines':
        for (const line of message.lines) this.#callback(entry.options.onLine, line);
        break;
      case 'done':
        this.#settle(message.id, entry, message.outcome);
        break;
    }
  }

  #settle(id: number, entry: InFlight, outcome: RunOutcome): void {
    this.#inFlight.delete(id);
    if (entry.onAbort) entry.options.signal?.removeEventListener('abort', entry.onAbort);
    entry.resolve(outcome);
  }

  #callback<T>(fn: ((value: T) => void) | undefined, value: T): void {
    if (fn === undefined) return;
    try {
      fn(value);
    } catch (error) {
      this.#logger.error({ err: error }, 'run callback threw');
    }
  }

  /** The spawner is gone: nothing accepted is lost, every run of it resolves, its groups are killed. */
  #onClose(client: SpawnerBackend, reason: string): void {
    if (this.#client === client) this.#client = undefined;
    let failed = 0;
    for (const [id, entry] of this.#inFlight) {
      if (entry.client !== client) continue;
      failed++;
      if (entry.pid !== undefined) {
        const reaping = terminateTask({ pgid: entry.pid, cookie: entry.cookie }, entry.killGraceMs).finally(() => this.#reaping.delete(reaping));
        this.#reaping.add(reaping);
      }
      this.#settle(id, entry, runnerFailed(reason, performance.now() - entry.startedAt));
    }
    if (this.#closing === undefined || failed > 0) this.#logger.error({ reason, failedRuns: failed }, 'spawner process died');
  }

  #ensureClient(): Promise<SpawnerBackend | undefined> {
    this.#starting ??= this.#startClient()
      .then((client) => {
        this.#client = client;
        return client;
      }, (error: unknown) => {
        this.#logger.error({ err: error }, 'cannot start the spawner');
        return undefined;
      })
      .finally(() => { this.#starting = undefined; });
    return this.#starting;
  }

  /** The first start decides the kind: auto falls back to node, with one warning saying why. */
  async #startFirst(): Promise<SpawnerBackend> {
    if (this.#choice === 'node') return this.#startClient('node');
    const missing = nativeHelperMissing();
    if (this.#choice === 'native') {
      if (missing !== undefined) throw new ConfigInvalidError(`the native spawner was asked for, but ${missing}; build it with \`npm run build:native\``, 'ASEXOR_SPAWNER');
      return this.#startClient('native');
    }
    if (missing === undefined) {
      try {
        return await this.#startClient('native');
      } catch (error) {
        this.#logger.warn({ err: error }, 'the native spawner did not start; using the Node spawner');
        return this.#startClient('node');
      }
    }
    this.#logger.warn({ reason: missing }, 'the native spawner is not built; using the Node spawner (build it with `npm run build:native`)');
    return this.#startClient('node');
  }

  async #startClient(kind: SpawnerKind = this.#kind ?? 'native'): Promise<SpawnerBackend> {
    const options = {
      logger: this.#logger,
      maxOldSpaceMb: this.#maxOldSpaceMb,
      onMessage: (message: Exclude<SpawnerMessage, { t: 'ready' }>) => { this.#onMessage(message); },
      onClose: (client: SpawnerBackend, reason: string) => { this.#onClose(client, reason); },
    };
    const client = kind === 'native' ? await NativeSpawnerClient.start(options) : await NodeSpawnerClient.start(options);
    this.#kind = kind;
    return client;
  }
}

function runnerFailed(message: string, durationMs: number): RunOutcome {
  return { kind: 'runner_failed', message, durationMs };
}

function cancelledBeforeStart(): RunOutcome {
  return { kind: 'cancelled', stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false, durationMs: 0 };
}
