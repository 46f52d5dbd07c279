/**
 * asexor's own URIs (docs/worker.md, "The worker: serve, CLI, WAMP API"), all under a configurable prefix (default `asexor`):
 * task procedures `<prefix>.task.<name>`, control procedures `<prefix>.control.<name>`, per-user status
 * topics `<prefix>.status.<escaped authid>`, Crossbar hooks `<prefix>.auth.*` and application errors
 * `<prefix>.error.<reason>`. Spec URIs (`wamp.*`) live in uris.ts.
 */

export const DEFAULT_URI_PREFIX = 'asexor';

/** The `<reason>` of `<prefix>.error.<reason>` (docs/errors.md "Error codes" lists when each is raised). */
export const AppErrorReason = {
  invalidParams: 'invalid_params',
  queueFull: 'queue_full',
  notAuthorized: 'not_authorized',
  noSuchTask: 'no_such_task',
  taskFailed: 'task_failed',
  timeout: 'timeout',
  cancelled: 'cancelled',
  shuttingDown: 'shutting_down',
  taskFinished: 'task_finished',
  internal: 'internal',
} as const;
export type AppErrorReason = (typeof AppErrorReason)[keyof typeof AppErrorReason];

/** `appErrorUri('asexor', 'invalid_params')` → `'asexor.error.invalid_params'` */
export function appErrorUri(prefix: string, reason: AppErrorReason): string {
  return `${prefix}.error.${reason}`;
}

/** The error URIs under the default prefix: what AppError subclasses carry as `uri` (see `withPrefix`). */
export const AppErrorUri = {
  invalidParams: 'asexor.error.invalid_params',
  queueFull: 'asexor.error.queue_full',
  notAuthorized: 'asexor.error.not_authorized',
  noSuchTask: 'asexor.error.no_such_task',
  taskFailed: 'asexor.error.task_failed',
  timeout: 'asexor.error.timeout',
  cancelled: 'asexor.error.cancelled',
  shuttingDown: 'asexor.error.shutting_down',
  taskFinished: 'asexor.error.task_finished',
  internal: 'asexor.error.internal',
} as const satisfies Record<keyof typeof AppErrorReason, `${typeof DEFAULT_URI_PREFIX}.${string}`>;
export type AppErrorUri = (typeof AppErrorUri)[keyof typeof AppErrorUri];

/**
 * Moves a default-prefix app URI (`asexor.…`) under `prefix`; any other URI (e.g. `wamp.error.*`)
 * is returned unchanged. For sending an AppError's `uri` when the prefix is configured.
 */
export function withPrefix(uri: string, prefix: string): string {
  const base = `${DEFAULT_URI_PREFIX}.`;
  return prefix !== DEFAULT_URI_PREFIX && uri.startsWith(base) ? `${prefix}.${uri.slice(base.length)}` : uri;
}

/** `taskProcedure('asexor', 'convert')` → `'asexor.task.convert'` */
export function taskProcedure(prefix: string, task: string): string {
  return `${prefix}.task.${task}`;
}

/** The control procedures (docs/worker.md, "The worker: serve, CLI, WAMP API"). */
export const ControlProcedure = {
  list: 'list',
  status: 'status',
  cancel: 'cancel',
  history: 'history',
  stats: 'stats',
  tasks: 'tasks',
} as const;
export type ControlProcedure = (typeof ControlProcedure)[keyof typeof ControlProcedure];

/** `controlProcedure('asexor', 'cancel')` → `'asexor.control.cancel'` */
export function controlProcedure(prefix: string, name: ControlProcedure): string {
  return `${prefix}.control.${name}`;
}

/** The files procedures (docs/web-api.md). */
export const FilesProcedure = { list: 'list', upload: 'upload', link: 'link' } as const;
export type FilesProcedure = (typeof FilesProcedure)[keyof typeof FilesProcedure];

/** `filesProcedure('asexor', 'upload')` → `'asexor.files.upload'` */
export function filesProcedure(prefix: string, name: FilesProcedure): string {
  return `${prefix}.files.${name}`;
}

/**
 * Several workers on one realm (docs/many-workers.md): `<prefix>.worker.<worker id>` is each worker's
 * own procedure (control calls forwarded to the worker that holds a task), and workers announce
 * themselves on `<prefix>.worker.presence`. Only the worker role may use `<prefix>.worker.`.
 */
export function workerProcedure(prefix: string, workerId: string): string {
  return `${prefix}.worker.${workerId}`;
}

export function workerPresenceTopic(prefix: string): string {
  return `${prefix}.worker.presence`;
}

/** Procedures a Crossbar.io router calls as dynamic authenticator / authorizer. */
export const AuthHook = { authenticate: 'authenticate', authorize: 'authorize' } as const;
export type AuthHook = (typeof AuthHook)[keyof typeof AuthHook];

/** `authHookProcedure('asexor', 'authorize')` → `'asexor.auth.authorize'` */
export function authHookProcedure(prefix: string, hook: AuthHook): string {
  return `${prefix}.auth.${hook}`;
}

// '.', '#' and whitespace are not allowed in a URI component (spec: basic/building_blocks.md "URIs",
// loose rule `[^\s.#]`); '%' is escaped too so that the encoding is reversible.
const AUTHID_UNSAFE = /[.#%\s]/gu;
const encoder = new TextEncoder();

function percentEncode(char: string): string {
  let out = '';
  for (const byte of encoder.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * An authid as one URI component: '.', '#', '%' and whitespace are percent-encoded as UTF-8 bytes
 * (`'jan.novak@x.cz'` → `'jan%2Enovak@x%2Ecz'`); everything else is kept. Throws a RangeError for an
 * empty authid (it would leave an empty component).
 */
export function escapeAuthid(authid: string): string {
  if (authid.length === 0) throw new RangeError('authid must not be empty');
  return authid.replace(AUTHID_UNSAFE, percentEncode);
}

/** The inverse of `escapeAuthid`; throws a URIError on a malformed escape. */
export function unescapeAuthid(component: string): string {
  return decodeURIComponent(component);
}

/**
 * The status topic of user `authid`: `statusTopic('asexor', 'jan.novak')` → `'asexor.status.jan%2Enovak'`.
 * To check a subscription, compare a topic with `statusTopic(prefix, session.authid)`: never
 * unescape the topic (two spellings could decode to the same authid).
 */
export function statusTopic(prefix: string, authid: string): string {
  return `${prefix}.status.${escapeAuthid(authid)}`;
}
