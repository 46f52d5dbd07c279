/**
 * What workers of one realm say to each other (docs/many-workers.md), parsed in one place: anything
 * malformed is refused here and never reaches the cluster's state.
 * - Presence, published on `<prefix>.worker.presence` (kwargs): `hello` when a worker joins, `here`
 *   in reply, each with the sender's open tasks; a reply to a worker that comes back also lists the
 *   tasks of that worker which others ended while it was gone (`ended`, for `to`).
 * - A control call forwarded to the worker that holds a task, on `<prefix>.worker.<id>`: positional
 *   arguments `[op, authid, authrole, ...op arguments]` on behalf of the user who called.
 */
import { isTerminal, type TaskStatusEvent } from '../../shared/task-status.ts';
import type { Dict } from '../../shared/autobahn.ts';
import type { Caller } from '../task-lifecycle.ts';
import { WORKER_ID } from '../task-ids.ts';

/** A queued or running task as other workers keep it: [task id, owner authid, task name]. */
export type OpenTaskTuple = readonly [taskId: string, owner: string, task: string];
/** A task another worker ended: [owner authid, its terminal event]. */
export type EndedTuple = readonly [owner: string, event: TaskStatusEvent];

export interface Presence {
  readonly kind: 'hello' | 'here';
  readonly worker: string;
  readonly session: number;
  readonly open: readonly OpenTaskTuple[];
  /** In a reply to `to` coming back: its tasks that were ended by others meanwhile. */
  readonly to?: string;
  readonly ended?: readonly EndedTuple[];
}

export const FORWARDED_OPS = ['status', 'cancel', 'history', 'tasks', 'stats'] as const;
export type ForwardedOp = (typeof FORWARDED_OPS)[number];

export interface Forwarded {
  readonly op: ForwardedOp;
  readonly caller: Caller;
  readonly args: readonly unknown[];
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOpenTuple(value: unknown): value is OpenTaskTuple {
  return Array.isArray(value) && value.length === 3 && value.every((part) => typeof part === 'string');
}

/** A terminal status event, checked as far as the cluster relies on it (id, task, status, at). */
export function isTerminalEvent(value: unknown): value is TaskStatusEvent {
  if (!isDict(value)) return false;
  const { task_id: id, task, status, at } = value;
  return typeof id === 'string' && typeof task === 'string' && typeof at === 'string' && typeof status === 'string'
    && isTerminal(status as TaskStatusEvent['status']);
}

function isEndedTuple(value: unknown): value is EndedTuple {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && isTerminalEvent(value[1]);
}

export function presenceKwargs(presence: Presence): Dict {
  return { ...presence };
}

/** A presence message, or undefined when malformed. */
export function parsePresence(kwargs: Dict): Presence | undefined {
  const { kind, worker, session, open, to, ended } = kwargs;
  if ((kind !== 'hello' && kind !== 'here') || typeof worker !== 'string' || !WORKER_ID.test(worker)) return undefined;
  if (typeof session !== 'number' || !Number.isSafeInteger(session) || !Array.isArray(open) || !open.every(isOpenTuple)) return undefined;
  if (to === undefined) return { kind, worker, session, open };
  if (typeof to !== 'string' || !Array.isArray(ended) || !ended.every(isEndedTuple)) return undefined;
  return { kind, worker, session, open, to, ended };
}

export function forwardedArgs(op: ForwardedOp, caller: Caller, args: readonly unknown[]): unknown[] {
  return [op, caller.authid, caller.authrole, ...args];
}

/** A forwarded control call, or undefined when malformed. */
export function parseForwarded(args: readonly unknown[]): Forwarded | undefined {
  const [op, authid, authrole, ...rest] = args;
  if (typeof op !== 'string' || !(FORWARDED_OPS as readonly string[]).includes(op)) return undefined;
  if (typeof authid !== 'string' || authid === '' || typeof authrole !== 'string') return undefined;
  return { op: op as ForwardedOp, caller: Object.freeze({ authid, authrole }), args: rest };
}

/** `wamp.session.on_leave` args: `[session, authid?, authrole?]` (Crossbar.io sends the session id first too). */
export function leftSession(args: readonly unknown[]): number | undefined {
  const [session] = args;
  return typeof session === 'number' && Number.isSafeInteger(session) ? session : undefined;
}
