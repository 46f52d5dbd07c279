/**
 * Turns zod issues into our config errors: a JSONPath (`$.workers[0].transports[1].endpoint.tls`)
 * and a message that names the expectation and the offending value with its JSON type.
 * Unsupported Crossbar features are zod `custom` issues tagged by `unsupportedIssue` below.
 */
import type { z } from 'zod';
import { ConfigInvalidError, ConfigUnsupportedError } from '../errors.ts';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;
type Path = readonly PropertyKey[];

const UNSUPPORTED = 'asexorUnsupported';
/** Keys whose values are never echoed in error messages. */
const SECRET_KEYS = new Set(['ticket', 'secret']);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A zod `custom` issue that becomes a ConfigUnsupportedError. */
export function unsupportedIssue(message: string): { code: 'custom'; message: string; params: Record<string, boolean> } {
  return { code: 'custom', message, params: { [UNSUPPORTED]: true } };
}

/** `['workers', 0, 'paths', '/']` → `$.workers[0].paths["/"]` */
export function jsonPath(path: Path): string {
  let out = '$';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The JSON type name: string, number, boolean, null, array, object. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** `"80a" (string)`; secrets are shown as `<hidden> (string)`. */
export function describeValue(value: unknown, path: Path): string {
  const last = path.at(-1);
  if (typeof last === 'string' && SECRET_KEYS.has(last)) return `<hidden> (${jsonType(value)})`;
  let text = JSON.stringify(value) ?? String(value);
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  return `${text} (${jsonType(value)})`;
}

/** `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'` */
export function listOf(values: readonly unknown[]): string {
  const quoted = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  return quoted.length <= 1 ? (quoted[0] ?? 'nothing') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1) ?? ''}`;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string', number: 'a number', int: 'an integer', boolean: 'a boolean (true or false)',
  object: 'an object', record: 'an object', array: 'an array', never: 'nothing',
};

function bound(issue: { origin: string; inclusive?: boolean | undefined }, value: number | bigint, below: boolean): string {
  const n = Number(value);
  switch (issue.origin) {
    case 'array': return below ? `at least ${n} item${n === 1 ? '' : 's'}` : `at most ${n} item${n === 1 ? '' : 's'}`;
    case 'string': return below ? (n === 1 ? 'a non-empty string' : `at least ${n} characters`) : `at most ${n} characters`;
    default: {
      const op = below ? (issue.inclusive ? '>=' : '>') : (issue.inclusive ? '<=' : '<');
      return `${issue.origin === 'int' ? 'an integer' : 'a number'} ${op} ${n}`;
    }
  }
}

/**
 * Parse-level zod error map: an "expected ..." phrase per issue code. Schema-level `error`
 * options take precedence and follow the same "expected ..." style.
 */
export function expectationMessage(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type': return `expected ${TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`}`;
    case 'invalid_value': return `expected ${listOf(issue.values)}`;
    case 'too_small': return `expected ${bound(issue, issue.minimum, true)}`;
    case 'too_big': return `expected ${bound(issue, issue.maximum, false)}`;
    case 'invalid_format': return issue.pattern ? `expected a string matching ${issue.pattern}` : `expected a valid ${issue.format}`;
    case 'invalid_union': {
      const options: unknown = (issue as { options?: unknown }).options;
      return issue.discriminator !== undefined && Array.isArray(options) ? `expected ${listOf(options)}` : 'expected one of the allowed shapes';
    }
    case 'invalid_key': return `invalid key: ${issue.issues[0]?.message ?? 'not allowed'}`;
    case 'unrecognized_keys': return 'unknown key';
    default: return issue.message ?? 'invalid value';
  }
}

/** The first zod issue as a ConfigInvalidError or ConfigUnsupportedError. */
export function issueToError(issue: Issue): ConfigInvalidError | ConfigUnsupportedError {
  if (issue.code === 'custom' && issue.params?.[UNSUPPORTED] === true) {
    return new ConfigUnsupportedError(issue.message, jsonPath(issue.path));
  }
  if (issue.code === 'unrecognized_keys') {
    const [first, ...rest] = issue.keys;
    const others = rest.length > 0 ? ` (also unknown: ${listOf(rest)})` : '';
    return new ConfigInvalidError(`unknown key${others}`, jsonPath([...issue.path, first ?? '']));
  }
  let value: unknown = issue.input;
  let present = 'input' in issue && issue.input !== undefined;
  if (issue.code === 'invalid_union' && issue.discriminator !== undefined) {
    // zod reports the whole object at `<path>.<discriminator>`; name the discriminator's value.
    const object = issue.input;
    present = typeof object === 'object' && object !== null && Object.hasOwn(object, issue.discriminator);
    value = present ? (object as Record<string, unknown>)[issue.discriminator] : undefined;
  }
  const path = jsonPath(issue.path);
  if (!present) return new ConfigInvalidError(`required, but missing (${issue.message})`, path);
  return new ConfigInvalidError(`${issue.message}, got ${describeValue(value, issue.path)}`, path);
}
