/**
 * Task ids: 128 random bits from the CSPRNG as 32 lowercase hex characters, the shape of the original's
 * `uuid4().hex` (docs/task-semantics.md). Unguessable, so an id is no way into another user's task;
 * the service still checks the owner on every lookup. The bytes come from a pool refilled 256 ids at
 * a time, so the submit hot path makes one hex string per id and no system call.
 */
import { randomFillSync } from 'node:crypto';

export const TASK_ID = /^[0-9a-f]{32}$/;

const ID_BYTES = 16;
const pool = Buffer.alloc(ID_BYTES * 256);
let offset = pool.length;

export function newTaskId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + ID_BYTES);
  pool.fill(0, offset, offset + ID_BYTES); // used bytes are not kept around
  offset += ID_BYTES;
  return id;
}

/** Whether `value` has the shape of a task id (a cheap guard before any lookup). */
export function isTaskId(value: unknown): value is string {
  return typeof value === 'string' && TASK_ID.test(value);
}
