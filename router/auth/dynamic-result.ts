/**
 * Parse what a dynamic authenticator returned (Crossbar contract, docs/crossbar-compat.md):
 * a role string, or `{role, authid?, realm?, extra?}`; for WAMP-CRA also `secret` and optionally
 * `salt/iterations/keylen` (the secret is used as the HMAC key verbatim, like a static user's).
 */
import type { Dict } from '../../shared/wamp/messages.ts';
import type { CallResult } from '../types.ts';

export interface DynamicAuthResult {
  readonly role: string;
  readonly authid?: string;
  readonly realm?: string;
  readonly extra?: Dict;
  readonly secret?: string;
  readonly salt?: string;
  readonly iterations?: number;
  readonly keylen?: number;
}

/** Thrown for a result that does not follow the contract (message is safe to show the client). */
export class InvalidAuthResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAuthResultError';
  }
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optional<T>(dict: Dict, key: string, check: (v: unknown) => v is T, what: string): T | undefined {
  const value = dict[key];
  if (value === undefined || value === null) return undefined;
  if (!check(value)) throw new InvalidAuthResultError(`dynamic authenticator returned an invalid '${key}' (expected ${what})`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/** The returned value: args[0], or the kwargs when a callee answered with keyword results only. */
function returnedValue(result: CallResult): unknown {
  if (result.args.length > 0) return result.args[0];
  return Object.keys(result.kwargs).length > 0 ? result.kwargs : undefined;
}

export function parseAuthResult(result: CallResult): DynamicAuthResult {
  const value = returnedValue(result);
  if (isNonEmptyString(value)) return { role: value };
  if (!isDict(value) || !isNonEmptyString(value['role'])) {
    throw new InvalidAuthResultError("dynamic authenticator returned an invalid result (expected a role string or a dict with 'role')");
  }
  const out: { -readonly [K in keyof DynamicAuthResult]: DynamicAuthResult[K] } = { role: value['role'] };
  const authid = optional(value, 'authid', isNonEmptyString, 'a non-empty string');
  const realm = optional(value, 'realm', isNonEmptyString, 'a non-empty string');
  const extra = optional(value, 'extra', isDict, 'a dict');
  const secret = optional(value, 'secret', isString, 'a string');
  const salt = optional(value, 'salt', isString, 'a string');
  const iterations = optional(value, 'iterations', isPositiveInt, 'a positive integer');
  const keylen = optional(value, 'keylen', isPositiveInt, 'a positive integer');
  if (authid !== undefined) out.authid = authid;
  if (realm !== undefined) out.realm = realm;
  if (extra !== undefined) out.extra = extra;
  if (secret !== undefined) out.secret = secret;
  if (salt !== undefined) out.salt = salt;
  if (iterations !== undefined) out.iterations = iterations;
  if (keylen !== undefined) out.keylen = keylen;
  return out;
}
