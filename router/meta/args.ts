/**
 * Argument checks for the meta procedures. A bad argument is ERROR wamp.error.invalid_argument with
 * a readable first argument naming it; a bad close reason is wamp.error.invalid_uri
 * (spec: advanced/meta_api_sessions.md "wamp.session.kill").
 */
import { isWampId } from '../../shared/wamp/ids.ts';
import type { Dict } from '../../shared/wamp/messages.ts';
import { isValidUri } from '../../shared/wamp/uri-rules.ts';
import { WampCloseUri, WampErrorUri } from '../../shared/wamp/uris.ts';
import { isMatchPolicy, type MatchPolicy } from '../matching.ts';
import { WampCallError } from '../dealer/wamp-call-error.ts';

export function invalidArgument(text: string): WampCallError {
  return new WampCallError(WampErrorUri.invalidArgument, [text]);
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A WAMP id (session, registration, subscription). */
export function idArg(value: unknown, name: string): number {
  if (!isWampId(value)) throw invalidArgument(`${name} must be an integer id in [1, 2^53], got ${describe(value)}`);
  return value;
}

export function stringArg(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw invalidArgument(`${name} must be a non-empty string, got ${describe(value)}`);
  return value;
}

/** Optional list (absent or null: none). */
export function listArg(value: unknown, name: string): readonly unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidArgument(`${name} must be a list, got ${describe(value)}`);
  return value as readonly unknown[];
}

/** Optional dict (absent or null: empty). */
export function dictArg(value: unknown, name: string): Dict {
  if (value === undefined || value === null) return {};
  if (!isDict(value)) throw invalidArgument(`${name} must be a dict, got ${describe(value)}`);
  return value;
}

/** spec: wamp.session.count / list `filter_authroles|list[string]`; undefined = no filter. */
export function authrolesFilter(value: unknown): ReadonlySet<string> | undefined {
  const list = listArg(value, 'filter_authroles');
  if (list === undefined) return undefined;
  if (!list.every((role): role is string => typeof role === 'string')) throw invalidArgument('filter_authroles must be a list of strings');
  return new Set(list);
}

/** `options.match` of lookup (spec: "Same options as when registering/subscribing"). */
export function matchOption(value: unknown): MatchPolicy {
  const match = dictArg(value, 'options')['match'] ?? 'exact';
  if (!isMatchPolicy(match)) throw invalidArgument(`options.match must be exact, prefix or wildcard, got ${describe(match)}`);
  return match;
}

export interface CloseOptions {
  readonly reason: string;
  readonly message: string | undefined;
}

/** Keyword arguments `reason|uri` (default wamp.close.killed) and `message|string` of the kill procedures. */
export function closeOptions(kwargs: Dict, strictUris: boolean): CloseOptions {
  const reason = kwargs['reason'] ?? WampCloseUri.killed;
  if (typeof reason !== 'string' || !isValidUri(reason, { strict: strictUris, allowEmptyComponents: false })) {
    throw new WampCallError(WampErrorUri.invalidUri, [`reason must be a valid non-empty URI, got ${describe(reason)}`]);
  }
  const message = kwargs['message'] ?? undefined;
  if (message !== undefined && typeof message !== 'string') throw invalidArgument(`message must be a string, got ${describe(message)}`);
  return { reason, message };
}
