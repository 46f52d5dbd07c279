/**
 * Task ids: 122 random bits from the CSPRNG as 32 lowercase hex characters, the shape of the original's
 * `uuid4().hex` (asexor-protocol.md 2.5). Unguessable, so an id is no way into another user's task;
 * the service still checks the owner on every lookup. `crypto.randomUUID` draws from a cached entropy
 * pool, so this stays cheap on the submit hot path.
 */
import { randomUUID } from 'node:crypto';

export const TASK_ID = /^[0-9a-f]{32}$/;

export function newTaskId(): string {
  return randomUUID().replaceAll('-', '');
}

/** Whether `value` has the shape of a task id (a cheap guard before any lookup). */
export function isTaskId(value: unknown): value is string {
  return typeof value === 'string' && TASK_ID.test(value);
}
