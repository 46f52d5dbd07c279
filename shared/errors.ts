/**
 * The error registry: every error this project raises is a class here, with a stable `code`
 * (`ERR_<AREA>_<REASON>`) and, when it crosses the wire, a WAMP `uri`. docs/errors.md "Error codes" lists
 * them all; test/unit/shared/errors.test.ts keeps the two in sync.
 * Code branches on `code` or `instanceof`, never on `message`.
 */
import { AppErrorUri } from './wamp/app-uris.ts';
import { WampErrorUri } from './wamp/uris.ts';

export abstract class AppError extends Error {
  abstract readonly code: `ERR_${string}`;
  /** WAMP URI used when this error crosses the wire; undefined = internal only. */
  readonly uri: string | undefined = undefined;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A peer broke a WAMP rule: malformed message, wrong state, unknown request id. Ends the session with ABORT. */
export class ProtocolViolationError extends AppError {
  readonly code = 'ERR_PROTOCOL_VIOLATION';
  override readonly uri = WampErrorUri.protocolViolation;
}

/** Bytes that the negotiated serializer cannot decode (invalid JSON/MessagePack/CBOR, wrong frame kind). */
export class SerializationError extends AppError {
  readonly code = 'ERR_SERIALIZATION';
  override readonly uri = WampErrorUri.protocolViolation;
}

/** A message larger than the transport's configured maximum. */
export class PayloadTooLargeError extends AppError {
  readonly code = 'ERR_PAYLOAD_TOO_LARGE';
  override readonly uri = WampErrorUri.payloadSizeExceeded;
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number) {
    super(`message of ${size} bytes exceeds the limit of ${limit} bytes`);
    this.size = size;
    this.limit = limit;
  }
}

/** Invalid options or configuration file content; `path` is the JSON path of the offending value. */
export class ConfigInvalidError extends AppError {
  readonly code = 'ERR_CONFIG_INVALID';
  readonly path: string;
  constructor(message: string, path = '', options?: ErrorOptions) {
    super(path ? `${path}: ${message}` : message, options);
    this.path = path;
  }
}

/** A Crossbar.io configuration feature asexor does not implement (never silently ignored). */
export class ConfigUnsupportedError extends AppError {
  readonly code = 'ERR_CONFIG_UNSUPPORTED';
  readonly path: string;
  constructor(message: string, path: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}

/** A listener could not bind its address. */
export class TransportBindError extends AppError {
  readonly code = 'ERR_TRANSPORT_BIND';
}

// ─── Task API errors (shared/task.ts, shared/task-params.ts) ───
// Their URIs come from shared/wamp/app-uris.ts (default prefix; send them through `withPrefix`).

/** One problem of an InvalidParamsError: the offending field (JSON-path-like, '' = the call) and a message naming it. */
export interface ParamsIssue { readonly field: string; readonly message: string }

/**
 * Bounds of every InvalidParamsError (docs/input-limits.md): whatever a client sent, the reply carries
 * at most `maxIssues` issues plus one "…and K more" entry, each field and message cut to `maxChars`.
 */
export const paramsErrorLimits = { maxIssues: 20, maxChars: 200 } as const;

/** `text` cut to `max` characters, the last one an ellipsis when cut. */
export function cutText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * CALL args/kwargs that do not fit the task's params schema; the message names each offending field.
 * Bounded whatever the input: at most `paramsErrorLimits.maxIssues` issues and a final
 * `{ field: '', message: '…and K more' }`, where K counts the issues left out plus `omitted` (issues
 * the producer stopped collecting); every field and message cut to `paramsErrorLimits.maxChars`.
 */
export class InvalidParamsError extends AppError {
  readonly code = 'ERR_INVALID_PARAMS';
  override readonly uri = AppErrorUri.invalidParams;
  /** The problems found (bounded), e.g. `{ field: 'seconds', message: 'seconds: expected a number …' }`. */
  readonly issues: readonly ParamsIssue[];
  constructor(issues: readonly ParamsIssue[] | string, omitted = 0) {
    const { maxIssues, maxChars } = paramsErrorLimits;
    const list = typeof issues === 'string' ? [{ field: '', message: issues }] : issues;
    const kept: ParamsIssue[] = list.slice(0, maxIssues).map((issue) => ({ field: cutText(issue.field, maxChars), message: cutText(issue.message, maxChars) }));
    const more = Math.max(0, list.length - maxIssues) + omitted;
    if (more > 0) kept.push({ field: '', message: `…and ${more} more` });
    super(kept.map((issue) => issue.message).join('; '));
    this.issues = kept;
  }
}

/** A task definition that cannot be registered (bad name, schema, positional list, duplicate…); fails start-up. */
export class TaskDefinitionError extends AppError {
  readonly code = 'ERR_TASK_DEFINITION';
  constructor(subject: string, message: string, options?: ErrorOptions) {
    super(`${subject}: ${message}`, options);
  }
}

/** No task with that name is registered (or the caller may not see it). */
export class NoSuchTaskError extends AppError {
  readonly code = 'ERR_NO_SUCH_TASK';
  override readonly uri = AppErrorUri.noSuchTask;
  readonly task: string;
  constructor(task: string) {
    super(`no task named ${JSON.stringify(task)}`);
    this.task = task;
  }
}

/** A user-supplied path that is absolute, climbs out with '..', holds a NUL byte or resolves (symlink) outside the files folder. */
export class PathOutsideFilesDirError extends AppError {
  readonly code = 'ERR_PATH_OUTSIDE_FILES_DIR';
  override readonly uri = AppErrorUri.invalidParams;
  readonly path: string;
  constructor(path: string, reason: string, field?: string) {
    super(`${field === undefined ? '' : `${field}: `}${JSON.stringify(path)} ${reason}`);
    this.path = path;
  }
}

/** A path inside the files folder that does not exist or is not the expected kind (file / folder). */
export class FilesPathNotFoundError extends AppError {
  readonly code = 'ERR_FILES_PATH_NOT_FOUND';
  override readonly uri = AppErrorUri.invalidParams;
  readonly path: string;
  constructor(path: string, reason: string, field?: string) {
    super(`${field === undefined ? '' : `${field}: `}${JSON.stringify(path)} ${reason}`);
    this.path = path;
  }
}

/** A task's process exited non-zero or was killed by a signal, or a custom task failed. */
export class TaskFailedError extends AppError {
  readonly code = 'ERR_TASK_FAILED';
  override readonly uri = AppErrorUri.taskFailed;
  readonly exitCode: number | undefined;
  readonly stderrTail: string | undefined;
  constructor(message: string, details: { readonly exitCode?: number; readonly stderrTail?: string } = {}) {
    super(message);
    this.exitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
  }
}

/** A task's program could not be started: not installed / not on PATH (ENOENT), not executable (EACCES). */
export class TaskSpawnError extends AppError {
  readonly code = 'ERR_TASK_SPAWN_FAILED';
  override readonly uri = AppErrorUri.taskFailed;
  readonly program: string;
  /** The OS error code, e.g. 'ENOENT'. */
  readonly errno: string;
  constructor(program: string, errno: string, message: string) {
    super(message);
    this.program = program;
    this.errno = errno;
  }
}

// ───────────────────────────── queue errors (worker/task-queue.ts) ─────────────────────────────

/** The queue already holds its maximum of waiting tasks; the submission is rejected at once, never delayed. */
export class QueueFullError extends AppError {
  readonly code = 'ERR_QUEUE_FULL';
  override readonly uri = AppErrorUri.queueFull;
  readonly limit: number;
  constructor(limit: number) {
    super(`The task queue is full: ${String(limit)} tasks are already waiting`);
    this.limit = limit;
  }
}

/** The submitting user already has their maximum of waiting tasks (the per-user limit, not the global one). */
export class UserQueueLimitError extends AppError {
  readonly code = 'ERR_QUEUE_USER_LIMIT';
  override readonly uri = AppErrorUri.queueFull;
  readonly owner: string;
  readonly limit: number;
  constructor(owner: string, limit: number) {
    super(`Per-user queue limit reached: user "${owner}" already has ${String(limit)} tasks waiting`);
    this.owner = owner;
    this.limit = limit;
  }
}

/** The queue is shutting down and accepts no new tasks. */
export class ShuttingDownError extends AppError {
  readonly code = 'ERR_SHUTTING_DOWN';
  override readonly uri = AppErrorUri.shuttingDown;
  constructor(message = 'The task queue is shutting down and accepts no new tasks') {
    super(message);
  }
}
// ─────────────────────────── end of queue errors ───────────────────────────

// ─── Task service errors (worker/task-service.ts) ───
// Control-procedure errors: their URIs are AppErrorUri entries (`task_finished` only these use).

/** Shows at most 64 characters of a client-supplied id in a message. */
function shownId(taskId: string): string {
  return JSON.stringify(taskId.length > 64 ? `${taskId.slice(0, 64)}…` : taskId);
}

/** The caller's role may not run that task (not in the task's `roles`; by default the anonymous role runs nothing). */
export class TaskNotAllowedError extends AppError {
  readonly code = 'ERR_TASK_NOT_ALLOWED';
  override readonly uri = AppErrorUri.notAuthorized;
  readonly task: string;
  readonly role: string;
  constructor(task: string, role: string) {
    super(`role ${JSON.stringify(role)} is not allowed to run task ${JSON.stringify(task)}`);
    this.task = task;
    this.role = role;
  }
}

/**
 * No task with that id, or one of another user's tasks (the same error, so that ids of other users'
 * tasks are never confirmed), or a finished task evicted from the history.
 */
export class NoSuchTaskIdError extends AppError {
  readonly code = 'ERR_NO_SUCH_TASK_ID';
  override readonly uri = AppErrorUri.noSuchTask;
  readonly taskId: string;
  constructor(taskId: string) {
    super(`no task with id ${shownId(taskId)}`);
    this.taskId = taskId;
  }
}

/** Cancel of a task that already ended (success, error, cancelled or timeout). */
export class TaskAlreadyFinishedError extends AppError {
  readonly code = 'ERR_TASK_ALREADY_FINISHED';
  override readonly uri = AppErrorUri.taskFinished;
  readonly taskId: string;
  readonly status: string;
  constructor(taskId: string, status: string) {
    super(`task ${shownId(taskId)} has already finished (${status})`);
    this.taskId = taskId;
    this.status = status;
  }
}

/** `control.tasks` with `all: true` (every user's tasks) from a role that is not in `adminRoles`. */
export class AdminRoleRequiredError extends AppError {
  readonly code = 'ERR_ADMIN_ROLE_REQUIRED';
  override readonly uri = AppErrorUri.notAuthorized;
  constructor(what = 'this', role = '') {
    super(`${what} needs an admin role${role === '' ? '' : ` (the caller's role is ${JSON.stringify(role)})`}`);
  }
}

/** The worker's task runner failed under a task (its spawner process died or was closed); the task's process group was killed. */
export class TaskRunnerFailedError extends AppError {
  readonly code = 'ERR_TASK_RUNNER_FAILED';
  override readonly uri = AppErrorUri.taskFailed;
}

/** A task ended with `timeout` (for a WAMP call that ends with its terminal event). */
export class TaskTimeoutError extends AppError {
  readonly code = 'ERR_TASK_TIMEOUT';
  override readonly uri = AppErrorUri.timeout;
}

/** A task ended with `cancelled` (for a WAMP call that ends with its terminal event). */
export class TaskCancelledError extends AppError {
  readonly code = 'ERR_TASK_CANCELLED';
  override readonly uri = AppErrorUri.cancelled;
}
// ─────────────────────────── end of task service errors ───────────────────────────

// ─── Task journal errors (worker/journal/) ───

/**
 * The task journal (`asexor.store`, docs/durability.md) cannot be opened: unwritable folder or file,
 * not an SQLite database, failed integrity check, newer schema, or in use by another process. Fails
 * start-up; the message names the file.
 */
export class StoreOpenError extends AppError {
  readonly code = 'ERR_STORE_OPEN';
  readonly file: string;
  /** `file`: the journal's file, or where the PostgreSQL queue store is (`store` says which). */
  constructor(file: string, reason: string, options?: ErrorOptions & { readonly store?: 'task journal' | 'PostgreSQL queue store' }) {
    super(`cannot open the ${options?.store ?? 'task journal'} ${JSON.stringify(file)}: ${reason}`, options);
    this.file = file;
  }
}

/**
 * A write to the task journal failed (disk full, I/O error): the submissions of that batch are
 * refused with this error (their tasks are cancelled), so no id is returned that was not journaled.
 */
export class StoreWriteError extends AppError {
  readonly code = 'ERR_STORE_WRITE';
  override readonly uri = AppErrorUri.internal;
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(`the task journal ${JSON.stringify(file)} could not be written (${reason}); the task was not accepted`, options);
  }
}

/**
 * The shared PostgreSQL queue (worker/store/postgres-store.ts) could not be used for an operation: the
 * server is down or unreachable, or refuses connections. The call is refused with this error and may be
 * retried; the worker keeps serving. `where` names the server without its password.
 */
export class StoreUnavailableError extends AppError {
  readonly code = 'ERR_STORE_UNAVAILABLE';
  override readonly uri = AppErrorUri.internal;
  constructor(where: string, reason: string, options?: ErrorOptions) {
    super(`the shared task queue ${JSON.stringify(where)} cannot be used now (${reason}); try again shortly`, options);
  }
}

/**
 * The `error` of a task that was running when its worker stopped without ending it (crash, kill -9,
 * power loss): set on restart from the journal, unless its definition says `rerunOnRestart`.
 */
export class WorkerRestartedError extends AppError {
  readonly code = 'ERR_WORKER_RESTARTED';
  override readonly uri = AppErrorUri.taskFailed;
  constructor(message = 'the worker stopped while the task was running; it was not run again (see docs/durability.md)') {
    super(message);
  }
}
// ─────────────────────────── end of task journal errors ───────────────────────────

// ─── Several workers on one realm (worker/cluster/, docs/many-workers.md) ───

/**
 * The `error` of a task whose worker left the realm (crash, kill -9, lost network) and did not come
 * back within `asexor.cluster.lostGraceMs`: set by a surviving worker, which publishes it to the owner.
 */
export class WorkerLostError extends AppError {
  readonly code = 'ERR_WORKER_LOST';
  override readonly uri = AppErrorUri.taskFailed;
  constructor(worker: string) {
    super(`the worker ${worker} that held this task left and did not come back; the task was ended by another worker (see docs/many-workers.md)`);
  }
}

/**
 * A control call for a task held by another worker could not reach it (it is disconnected and still
 * within its grace period, or it refused the forwarded call).
 */
export class WorkerUnavailableError extends AppError {
  readonly code = 'ERR_WORKER_UNAVAILABLE';
  override readonly uri = AppErrorUri.internal;
  constructor(worker: string, reason: string) {
    super(`the worker ${worker} that holds this task cannot be reached now (${reason}); try again shortly`);
  }
}

// ─── WAMP worker errors (worker/worker.ts) ───

/**
 * A task or control procedure was invoked without caller disclosure (no caller_authid/authrole): the
 * router's role must disclose the caller (crossbar-config: `disclose.caller` or the dynamic authorizer).
 */
export class CallerNotDisclosedError extends AppError {
  readonly code = 'ERR_CALLER_NOT_DISCLOSED';
  override readonly uri = AppErrorUri.notAuthorized;
  constructor(message = 'the caller\'s identity was not disclosed by the router (configure caller disclosure for this role)') {
    super(message);
  }
}

/** Our own fault inside a worker procedure; the detail is logged, never sent. */
export class WorkerInternalError extends AppError {
  readonly code = 'ERR_INTERNAL';
  override readonly uri = AppErrorUri.internal;
  constructor(message = 'internal error in the worker (see the worker log)', options?: ErrorOptions) {
    super(message, options);
  }
}

/** The worker could not join the realm (the router refused the session: bad credentials, unknown realm or role) or register its procedures. */
export class WorkerJoinError extends AppError {
  readonly code = 'ERR_WORKER_JOIN';
  readonly reason: string;
  constructor(reason: string, message?: string) {
    super(`the router refused the worker: ${reason}${message ? ` (${message})` : ''}`);
    this.reason = reason;
  }
}

/** A CLI client could not join: router unreachable, connection lost, or the join refused (`reason` is the ABORT URI). */
export class ClientConnectError extends AppError {
  readonly code = 'ERR_CLIENT_CONNECT';
  readonly reason: string | undefined;
  constructor(message: string, reason?: string) {
    super(message);
    this.reason = reason;
  }
}
// ─────────────────────────── end of WAMP worker errors ───────────────────────────

/**
 * The caller's waiting tasks already hold `asexor.perUser.maxQueuedBytes` of params (counted as JSON,
 * docs/input-limits.md), or all waiting tasks `asexor.maxQueuedBytes`: rejected at once, like queue_full.
 */
export class QueueBytesLimitError extends AppError {
  readonly code = 'ERR_QUEUE_BYTES_LIMIT';
  override readonly uri = AppErrorUri.queueFull;
  constructor(scope: 'user' | 'all', limit: number) {
    super(scope === 'user'
      ? `Per-user queue limit reached: your waiting tasks already hold ${String(limit)} bytes of params; wait for some to start`
      : `Queue full: waiting tasks already hold ${String(limit)} bytes of params`);
  }
}

/**
 * A user's files folder would hold more than `asexor.files.quotaBytes` (docs/files.md "Quota"): an
 * upload is refused, a task's output is removed and the task ends with this error.
 */
export class FilesQuotaExceededError extends AppError {
  readonly code = 'ERR_FILES_QUOTA_EXCEEDED';
  override readonly uri = AppErrorUri.invalidParams;
}
