/**
 * A CALL's args/kwargs → a task's validated params. `args[i]` goes to `positional[i]` (docs/task-semantics.md:
 * the original maps positional call args the same way); unknown keys, a param given both ways and too
 * many positional args are errors; then the task's zod schema validates and fills in defaults.
 * Every message names the field and what was expected, e.g.
 * `seconds: expected a number between 0 and 3600, got "abc" (string)`. The expectation comes from the
 * schema's own error message when the task sets one, otherwise from the field's JSON Schema.
 * Bounded work and reply on hostile input (docs/input-limits.md): unknown keys are reported up to the
 * issue cap and counted beyond it, shared/param-limits.ts refuses oversized params and lists before
 * zod runs, and at most the issue cap of zod's issues are described.
 */
import { z } from 'zod';
import { describeValue, listOf } from './config/issues.ts';
import { InvalidParamsError, paramsErrorLimits } from './errors.ts';
import { checkParamLimits, paramLimits, withDefaultMaxItems } from './param-limits.ts';
import type { TaskContext, TaskDefinitionBase } from './task.ts';

type JsonSchema = z.core.JSONSchema.BaseSchema;
type Path = readonly PropertyKey[];
export interface ParamIssue { readonly field: string; readonly message: string }

/** Marks issues that carry zod's default message (the schema set none of its own). */
const DEFAULT_MESSAGE = '\u0000asexor-default';
const PARSE_OPTIONS = { error: () => DEFAULT_MESSAGE };
const jsonSchemas = new WeakMap<object, JsonSchema>();
const paramNameSets = new WeakMap<object, ReadonlySet<string>>();

/** The params' JSON Schema as clients send them (defaults shown, optional = not required), for control.list. */
export function paramsJsonSchema(def: Pick<TaskDefinitionBase<unknown>, 'params'>): JsonSchema {
  let schema = jsonSchemas.get(def.params);
  if (schema === undefined) {
    schema = { ...withDefaultMaxItems(z.toJSONSchema(def.params, { io: 'input', unrepresentable: 'any' })), additionalProperties: false };
    jsonSchemas.set(def.params, schema);
  }
  return schema;
}

/** The keys a params schema accepts (its z.object shape). */
export function paramNames(def: Pick<TaskDefinitionBase<unknown>, 'params'>): ReadonlySet<string> {
  let names = paramNameSets.get(def.params);
  if (names === undefined) {
    names = new Set(def.params instanceof z.ZodObject ? Object.keys(def.params.shape) : []);
    paramNameSets.set(def.params, names);
  }
  return names;
}

/**
 * Validates a CALL's `args`/`kwargs` against `def`; throws InvalidParamsError listing every problem.
 * `measured.bytes` receives the params' counted size (shared/param-limits.ts), e.g. for a queue's byte limits.
 */
export function parseTaskParams<P>(
  def: TaskDefinitionBase<P>,
  args: readonly unknown[] = [],
  kwargs: Readonly<Record<string, unknown>> = {},
  measured?: { bytes: number },
): P {
  const positional: readonly string[] = def.positional ?? [];
  if (args.length > positional.length) {
    const takes = positional.length === 0 ? 'no positional args' : `at most ${positional.length} (${positional.join(', ')})`;
    throw new InvalidParamsError([{ field: '', message: `too many positional args: ${def.name} takes ${takes}, got ${args.length}` }]);
  }
  const names = paramNames(def);
  const issues: ParamIssue[] = [];
  let omitted = 0;
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(kwargs)) {
    if (names.has(key)) input[key] = kwargs[key];
    else if (issues.length < paramsErrorLimits.maxIssues) issues.push({ field: key, message: `${key}: unknown param (${def.name} takes ${names.size === 0 ? 'none' : listOf([...names])})` });
    else omitted += 1;
  }
  args.forEach((value, i) => {
    const key = positional[i] ?? '';
    if (Object.hasOwn(input, key)) issues.push({ field: key, message: `${key}: given both as positional arg ${i + 1} and as a keyword` });
    else input[key] = value;
  });
  const limits = checkParamLimits(input, paramsJsonSchema(def).properties ?? {}, def.maxParamsBytes ?? paramLimits.maxParamsBytes, def.name);
  if (limits.issues.length > 0) throw new InvalidParamsError([...issues, ...limits.issues], omitted + limits.omitted);
  if (measured !== undefined) measured.bytes = limits.bytes;
  const result = def.params.safeParse(input, PARSE_OPTIONS);
  if (result.success && issues.length === 0 && omitted === 0) return result.data;
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issues.length >= paramsErrorLimits.maxIssues) {
        omitted += issue.code === 'unrecognized_keys' ? issue.keys.length : 1;
        continue;
      }
      const described = describeIssue({ name: def.name, params: def.params }, issue, input, paramsErrorLimits.maxIssues - issues.length);
      issues.push(...described);
      omitted += (issue.code === 'unrecognized_keys' ? issue.keys.length : 1) - described.length;
    }
  }
  throw new InvalidParamsError(issues, omitted);
}

/**
 * Runs the definition's `precheck` (shared/task.ts) on params that parseTaskParams returned, before
 * the task is queued; rejects with its error (an AppError: the call is refused), resolves when the
 * task has none.
 */
export async function precheckTaskParams<P>(def: Pick<TaskDefinitionBase<P>, 'precheck'>, params: P, ctx: TaskContext): Promise<void> {
  if (def.precheck !== undefined) await def.precheck(params, ctx);
}

/** At most `room` issues (an unrecognized_keys issue names several keys). */
function describeIssue(def: Pick<TaskDefinitionBase<unknown>, 'name' | 'params'>, issue: z.core.$ZodIssue, input: unknown, room: number): ParamIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.slice(0, room).map((key) => {
      const field = fieldName([...issue.path, key], def.name);
      return { field, message: `${field}: unknown key` };
    });
  }
  const field = fieldName(issue.path, def.name);
  const expectation = issue.message === DEFAULT_MESSAGE
    ? `expected ${describeSchema(schemaAt(paramsJsonSchema(def), issue.path))}`
    : issue.message;
  const found = valueAt(input, issue.path);
  const message = found.present
    ? `${field}: ${expectation}, got ${describeValue(shortened(found.value), issue.path)}`
    : `${field}: missing, ${expectation}`;
  return [{ field, message }];
}

/** Enough of a value for describeValue, which shows at most 60 characters of its JSON. */
function shortened(value: unknown): unknown {
  if (typeof value === 'string') return value.slice(0, 61);
  if (Array.isArray(value)) return value.slice(0, 30);
  return value;
}

/** `['extensions', 1]` → `extensions[1]`; the root is named after the task. */
function fieldName(path: Path, task: string): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`;
  return out === '' ? task : out;
}

function valueAt(input: unknown, path: Path): { present: boolean; value: unknown } {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return { present: false, value: undefined };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { present: value !== undefined, value };
}

function schemaAt(root: JsonSchema, path: Path): JsonSchema | undefined {
  let node: JsonSchema | undefined = root;
  for (const key of path) {
    if (node === undefined) return undefined;
    node = childSchema(node, key);
  }
  return node;
}

function childSchema(node: JsonSchema, key: PropertyKey): JsonSchema | undefined {
  // A nullable object or list is `anyOf: [<it>, {type: 'null'}]`: walk into the branch that has children.
  const branch: JsonSchema | undefined = node.anyOf?.find((s) => s.properties !== undefined || s.items !== undefined);
  const parent: JsonSchema = branch ?? node;
  const next: unknown = typeof key === 'number' ? (parent.prefixItems?.[key] ?? parent.items) : parent.properties?.[String(key)];
  return isSchemaObject(next) ? next : undefined;
}

function isSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SAFE = Number.MAX_SAFE_INTEGER;

function rangeText(s: JsonSchema): string {
  const min = s.minimum !== undefined && s.minimum > -SAFE ? s.minimum : undefined;
  const max = s.maximum !== undefined && s.maximum < SAFE ? s.maximum : undefined;
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  const parts: string[] = [];
  if (min !== undefined) parts.push(`>= ${min}`);
  if (typeof s.exclusiveMinimum === 'number') parts.push(`> ${s.exclusiveMinimum}`);
  if (max !== undefined) parts.push(`<= ${max}`);
  if (typeof s.exclusiveMaximum === 'number') parts.push(`< ${s.exclusiveMaximum}`);
  return parts.length === 0 ? '' : ` ${parts.join(' and ')}`;
}

function stringText(s: JsonSchema): string {
  const { minLength: min, maxLength: max } = s;
  let text = min === 1 && max === undefined ? 'a non-empty string' : 'a string';
  if (min !== undefined && max !== undefined) text += min === max ? ` of exactly ${min} characters` : ` of ${min} to ${max} characters`;
  else if (min !== undefined && min > 1) text += ` of at least ${min} characters`;
  else if (max !== undefined) text += ` of at most ${max} characters`;
  if (s.pattern !== undefined) text += ` matching /${s.pattern}/`;
  if (s.format !== undefined) text += ` in ${s.format} format`;
  return text;
}

function itemsText(s: JsonSchema): string {
  const { minItems: min, maxItems: max } = s;
  let text = 'a list';
  if (min !== undefined && max !== undefined) text += ` of ${min} to ${max} items`;
  else if (min !== undefined && min > 0) text += ` of at least ${min} item${min === 1 ? '' : 's'}`;
  else if (max !== undefined) text += ` of at most ${max} items`;
  return isSchemaObject(s.items) ? `${text}, each ${describeSchema(s.items)}` : text;
}

/** "a number between 0 and 3600", "one of 'epub' or 'html'", … (JSON Schema → English). */
export function describeSchema(s: JsonSchema | undefined): string {
  if (s === undefined) return 'a valid value';
  if (s.enum !== undefined) return s.enum.length === 1 ? listOf(s.enum) : `one of ${listOf(s.enum)}`;
  if (s.const !== undefined) return listOf([s.const]);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives !== undefined) return alternatives.map((alt) => describeSchema(alt)).join(' or ');
  switch (s.type) {
    case 'integer': return `an integer${rangeText(s)}`;
    case 'number': return `a number${rangeText(s)}`;
    case 'string': return stringText(s);
    case 'boolean': return 'a boolean (true or false)';
    case 'array': return itemsText(s);
    case 'object': return 'an object';
    case 'null': return 'null';
    default: return 'a valid value';
  }
}
