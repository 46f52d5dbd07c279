/**
 * Task ids: 32 lowercase hex characters, the shape of the original's `uuid4().hex`
 * (docs/task-semantics.md). The first WORKER_PREFIX_CHARS characters name the worker that holds the
 * task (its worker id, docs/many-workers.md), so that a control call landing on any worker of a realm
 * reaches the right one; the other 24 are 96 random bits from the CSPRNG. Unguessable, so an id is no
 * way into another user's task; the service still checks the owner on every lookup. The random bytes
 * come from a pool refilled 256 ids at a time, so the submit hot path makes one hex string per id and
 * no system call.
 */
import { randomBytes, randomFillSync } from 'node:crypto';

export const TASK_ID = /^[0-9a-f]{32}$/;

/** Hex characters of a worker id, at the start of every task id of that worker. */
export const WORKER_PREFIX_CHARS = 8;
export const WORKER_ID = /^[0-9a-f]{8}$/;

const RANDOM_BYTES = 12;
const pool = Buffer.alloc(RANDOM_BYTES * 256);
let offset = pool.length;

/** A new id of a task held by worker `workerId` (WORKER_ID). */
export function newTaskId(workerId: string): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = workerId + pool.toString('hex', offset, offset + RANDOM_BYTES);
  pool.fill(0, offset, offset + RANDOM_BYTES); // used bytes are not kept around
  offset += RANDOM_BYTES;
  return id;
}

/** A random worker id (a worker without a journal: a new one at every start). */
export function randomWorkerId(): string {
  return randomBytes(WORKER_PREFIX_CHARS / 2).toString('hex');
}

/** The worker id a task id starts with (ids of an older journal may name no live worker). */
export function workerOf(taskId: string): string {
  return taskId.slice(0, WORKER_PREFIX_CHARS);
}

/** Whether `value` has the shape of a task id (a cheap guard before any lookup). */
export function isTaskId(value: unknown): value is string {
  return typeof value === 'string' && TASK_ID.test(value);
}
