/**
 * `asexor run TASK` arguments → CALL args/kwargs, typed by the task's JSON Schema (from
 * `asexor.control.list`): `--name value`, `--name=value`, a bare `--flag` for a boolean (true),
 * `--` ending the options, and positional values (sent as CALL args, which the worker maps to the
 * task's positional params). Strings that look like the param's type become that type (numbers,
 * booleans, JSON or comma-separated arrays, JSON objects); anything else is sent as given, so the
 * worker's validation names the field. `--some-name` is the param `some_name`.
 */
import type { Dict } from '../shared/autobahn.ts';

export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
}

/** What `asexor.control.list` says about one task. */
export interface TaskInfo {
  readonly name: string;
  readonly description: string;
  readonly positional: readonly string[];
  readonly params: JsonSchema;
}

export interface TaskCall {
  readonly args: unknown[];
  readonly kwargs: Dict;
}

function typesOf(schema: JsonSchema | undefined): string[] {
  if (schema === undefined) return [];
  const own = schema.type === undefined ? [] : typeof schema.type === 'string' ? [schema.type] : [...schema.type];
  return [...own, ...[...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].flatMap(typesOf)];
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A command-line string as the value a param of `schema` expects, when it can be read so. */
export function coerce(text: string, schema: JsonSchema | undefined): unknown {
  const types = typesOf(schema);
  for (const type of types) {
    switch (type) {
      case 'number':
      case 'integer': {
        const n = Number(text);
        if (text.trim() !== '' && Number.isFinite(n)) return n;
        break;
      }
      case 'boolean':
        if (TRUE.has(text.toLowerCase())) return true;
        if (FALSE.has(text.toLowerCase())) return false;
        break;
      case 'array': {
        if (text.trimStart().startsWith('[')) return tryJson(text);
        return text === '' ? [] : text.split(',').map((item) => coerce(item.trim(), schema?.items));
      }
      case 'object':
        if (text.trimStart().startsWith('{')) return tryJson(text);
        break;
      case 'null':
        if (text === 'null') return null;
        break;
      default:
        break;
    }
  }
  return text;
}

/** Parses the words after the task name; throws an Error with a usage message for `--` without a name. */
export function parseTaskArgs(words: readonly string[], task: TaskInfo | undefined): TaskCall {
  const properties = task?.params.properties ?? {};
  const positionalNames = task?.positional ?? [];
  const args: unknown[] = [];
  const kwargs: Dict = {};
  let optionsEnded = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (optionsEnded || !word.startsWith('--')) {
      args.push(coerce(word, properties[positionalNames[args.length] ?? '']));
      continue;
    }
    if (word === '--') {
      optionsEnded = true;
      continue;
    }
    const eq = word.indexOf('=');
    const name = (eq === -1 ? word.slice(2) : word.slice(2, eq)).replaceAll('-', '_');
    if (name === '') throw new Error(`"${word}" is not a param: write --name value`);
    const schema = properties[name];
    let text: string;
    if (eq !== -1) {
      text = word.slice(eq + 1);
    } else {
      const next = words[i + 1];
      const isFlag = typesOf(schema).includes('boolean') && (next === undefined || next.startsWith('--') || coerce(next, { type: 'boolean' }) === next);
      if (isFlag) {
        kwargs[name] = true;
        continue;
      }
      if (next === undefined) throw new Error(`--${name} needs a value`);
      text = next;
      i += 1;
    }
    kwargs[name] = coerce(text, schema);
  }
  return { args, kwargs };
}
