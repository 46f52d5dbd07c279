/**
 * The messages between the worker's main process (TaskRunner) and the spawner process, and the
 * run request / outcome types they carry. Everything that crosses the IPC channel is checked by the
 * two parse functions here and nowhere else.
 */

/** One process to run. `file` is looked up on PATH; `args` is an argv array, never a shell string. */
export interface RunRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Added to the worker's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Positive; the whole process group is terminated when it is exceeded. */
  readonly timeoutMs: number;
  /** Cap per stream (stdout keeps its head, stderr its tail). */
  readonly maxOutputBytes: number;
  /** Between SIGTERM and SIGKILL of the process group. @default 2000 */
  readonly killGraceMs?: number;
  /** Stream stdout lines to `onLine` (only when the caller passes `onLine`). @default true */
  readonly streamLines?: boolean;
}

export const DEFAULT_KILL_GRACE_MS = 2000;
/**
 * The environment entry that marks every process of a task (TaskRunner sets it, unique per run): the
 * spawners find the task's processes that left its process group by it (process-tree.ts).
 */
export const TASK_COOKIE_ENV = 'ASEXOR_TASK_COOKIE';
/**
 * After the task's first process exited on its own and its group is gone, how long its output pipes
 * may stay open (held by a process that left the group) before that process is terminated.
 */
export const ESCAPE_CHECK_MS = 200;
/** After SIGKILL, how long to wait for end of file on the output pipes before closing them anyway. */
export const PIPE_DRAIN_MS = 500;
/** Longest streamed line; the rest of a longer line is dropped (the captured stdout is unaffected). */
export const MAX_LINE_BYTES = 16 * 1024;

/** The output of a run that started. */
export interface Captured {
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly durationMs: number;
}

/** What happened to a run. Expected failures are data, never exceptions (docs/conventions.md). */
export type RunOutcome =
  | ({ readonly kind: 'exited'; readonly exitCode: number } & Captured)
  | ({ readonly kind: 'signaled'; readonly signal: string } & Captured)
  | ({ readonly kind: 'timeout' } & Captured)
  | ({ readonly kind: 'cancelled' } & Captured)
  /** The program could not be started: ENOENT, EACCES, a missing cwd, an invalid request (EINVAL). */
  | { readonly kind: 'spawn_failed'; readonly code: string; readonly message: string; readonly durationMs: number }
  /** The spawner process died or the runner is closed; a started process group was terminated. */
  | { readonly kind: 'runner_failed'; readonly message: string; readonly durationMs: number };

/** The request as sent to the spawner: defaults applied, unknown properties dropped. */
export interface WireRunRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  readonly killGraceMs: number;
  readonly streamLines: boolean;
}

/** Main process → spawner. */
export type ParentMessage =
  | { readonly t: 'run'; readonly id: number; readonly req: WireRunRequest }
  | { readonly t: 'cancel'; readonly id: number }
  /** Cancel every run, wait for their groups to be gone, then exit. */
  | { readonly t: 'shutdown' };

/** Spawner → main process. */
export type SpawnerMessage =
  | { readonly t: 'ready'; readonly pid: number }
  | { readonly t: 'spawned'; readonly id: number; readonly pid: number }
  | { readonly t: 'lines'; readonly id: number; readonly lines: readonly string[] }
  | { readonly t: 'done'; readonly id: number; readonly outcome: RunOutcome };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isId(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) > 0;
}
function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}
function isStringRecord(v: unknown): v is Record<string, string> {
  return isObj(v) && Object.values(v).every((s) => typeof s === 'string');
}
/** A NUL byte cannot cross exec(): argv and environment entries are C strings. */
function hasNul(s: string): boolean {
  return s.includes('\0');
}
function isNonNegative(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** The reason a request is invalid, or undefined when it is fine. */
export function checkRunRequest(r: unknown): string | undefined {
  if (!isObj(r)) return 'request is not an object';
  if (typeof r['file'] !== 'string' || r['file'] === '') return 'file must be a non-empty string';
  if (!isStringArray(r['args'])) return 'args must be an array of strings';
  if (r['cwd'] !== undefined && typeof r['cwd'] !== 'string') return 'cwd must be a string';
  if (r['env'] !== undefined && !isStringRecord(r['env'])) return 'env must map names to strings';
  if (!isNonNegative(r['timeoutMs']) || r['timeoutMs'] === 0) return 'timeoutMs must be a positive number';
  if (!isNonNegative(r['maxOutputBytes'])) return 'maxOutputBytes must be a non-negative number';
  if (r['killGraceMs'] !== undefined && !isNonNegative(r['killGraceMs'])) return 'killGraceMs must be a non-negative number';
  if (r['streamLines'] !== undefined && typeof r['streamLines'] !== 'boolean') return 'streamLines must be a boolean';
  if (hasNul(r['file']) || r['args'].some(hasNul) || (typeof r['cwd'] === 'string' && hasNul(r['cwd']))) return 'file, args and cwd must not contain NUL bytes';
  if (r['env'] !== undefined) {
    for (const [name, value] of Object.entries(r['env'])) {
      if (name === '' || name.includes('=') || hasNul(name) || hasNul(value)) return `env name ${JSON.stringify(name)} or its value is not valid (empty, '=' or a NUL byte)`;
    }
  }
  return undefined;
}

/**
 * Parent messages as the spawner sees them. A 'run' whose request is malformed is returned as
 * `invalid` so that the spawner can answer it with a spawn_failed outcome instead of dropping it.
 */
export function parseParentMessage(
  v: unknown,
): ParentMessage | { readonly t: 'invalid'; readonly id: number; readonly reason: string } | undefined {
  if (!isObj(v)) return undefined;
  switch (v['t']) {
    case 'run': {
      if (!isId(v['id'])) return undefined;
      const reason = checkRunRequest(v['req']);
      return reason === undefined ? (v as ParentMessage) : { t: 'invalid', id: v['id'], reason };
    }
    case 'cancel':
      return isId(v['id']) ? { t: 'cancel', id: v['id'] } : undefined;
    case 'shutdown':
      return { t: 'shutdown' };
    default:
      return undefined;
  }
}

function isCaptured(o: Obj): boolean {
  return typeof o['stdout'] === 'string' && typeof o['stderr'] === 'string'
    && typeof o['stdoutTruncated'] === 'boolean' && typeof o['stderrTruncated'] === 'boolean';
}

function isOutcome(o: unknown): o is RunOutcome {
  if (!isObj(o) || !isNonNegative(o['durationMs'])) return false;
  switch (o['kind']) {
    case 'exited': return Number.isInteger(o['exitCode']) && isCaptured(o);
    case 'signaled': return typeof o['signal'] === 'string' && isCaptured(o);
    case 'timeout':
    case 'cancelled': return isCaptured(o);
    case 'spawn_failed': return typeof o['code'] === 'string' && typeof o['message'] === 'string';
    case 'runner_failed': return typeof o['message'] === 'string';
    default: return false;
  }
}

/** Spawner messages as the main process sees them; anything malformed is undefined. */
export function parseSpawnerMessage(v: unknown): SpawnerMessage | undefined {
  if (!isObj(v)) return undefined;
  switch (v['t']) {
    case 'ready':
      return isId(v['pid']) ? { t: 'ready', pid: v['pid'] } : undefined;
    case 'spawned':
      return isId(v['id']) && isId(v['pid']) ? { t: 'spawned', id: v['id'], pid: v['pid'] } : undefined;
    case 'lines':
      return isId(v['id']) && isStringArray(v['lines']) ? { t: 'lines', id: v['id'], lines: v['lines'] } : undefined;
    case 'done':
      return isId(v['id']) && isOutcome(v['outcome']) ? { t: 'done', id: v['id'], outcome: v['outcome'] } : undefined;
    default:
      return undefined;
  }
}
