/**
 * The original ASEXOR's message layer, shared by its WebSocket (JSON), raw socket (CBOR) and long-poll
 * (JSON) protocols (docs/legacy-protocols.md, "Messages"). Decoded values are parsed here, once, into
 * a typed call; every bridge encodes its answers with the three builders below.
 *
 *   client → server  [call_id, task_name, {args?, kwargs?, user?, role?}]
 *   server → client  ["r", call_id, task_id] | ["e", call_id, text, null] | ["m", call_id, data]
 */

export interface LegacyCall {
  readonly kind: 'call';
  /** Any JSON/CBOR value; echoed back unchanged. */
  readonly callId: unknown;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** Delegated calls only. */
  readonly user?: string;
  readonly role?: string;
}

/** A value that has a call id but is not a valid call: answered with an `e` message. */
export interface LegacyBadCall {
  readonly kind: 'bad';
  readonly callId: unknown;
  readonly text: string;
}

/** A value with no recoverable call id (not an array, or an empty one). Each protocol decides: ignore, close, id 0. */
export interface LegacyUnreadable {
  readonly kind: 'unreadable';
  readonly text: string;
}

export type LegacyInput = LegacyCall | LegacyBadCall | LegacyUnreadable;

export const INVALID_MESSAGE = 'Invalid message';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Parse one decoded message. The texts for a wrong length are the original's (Python's unpacking errors). */
export function parseLegacyCall(value: unknown): LegacyInput {
  if (!Array.isArray(value)) return { kind: 'unreadable', text: 'a call must be an array [call_id, task_name, {args, kwargs}]' };
  const items: readonly unknown[] = value;
  if (items.length === 0) return { kind: 'unreadable', text: 'not enough values to unpack (expected 3, got 0)' };
  const callId = items[0];
  if (items.length < 3) return { kind: 'bad', callId, text: `not enough values to unpack (expected 3, got ${items.length})` };
  if (items.length > 3) return { kind: 'bad', callId, text: 'too many values to unpack (expected 3)' };
  const [, task, payload] = items;
  if (typeof task !== 'string' || !isPlainObject(payload)) return { kind: 'bad', callId, text: INVALID_MESSAGE };
  const args = payload['args'] ?? [];
  const kwargs = payload['kwargs'] ?? {};
  const user = payload['user'] ?? undefined;
  const role = payload['role'] ?? undefined;
  if (!Array.isArray(args) || !isPlainObject(kwargs)) return { kind: 'bad', callId, text: INVALID_MESSAGE };
  if ((user !== undefined && typeof user !== 'string') || (role !== undefined && typeof role !== 'string')) {
    return { kind: 'bad', callId, text: INVALID_MESSAGE };
  }
  return {
    kind: 'call', callId, task, args: args as unknown[], kwargs,
    ...(user === undefined ? {} : { user }), ...(role === undefined ? {} : { role }),
  };
}

export function replyMessage(callId: unknown, taskId: string): readonly unknown[] {
  return ['r', callId, taskId];
}

/** asexor never sends a stack trace: the fourth item is always null. */
export function errorMessage(callId: unknown, text: string): readonly unknown[] {
  return ['e', callId, text, null];
}

export function updateMessage(callId: unknown, data: Readonly<Record<string, unknown>>): readonly unknown[] {
  return ['m', callId, data];
}
