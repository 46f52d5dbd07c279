/**
 * Cheap bounds on what a client sends to a task (docs/input-limits.md), checked by
 * shared/task-params.ts before the task's zod schema sees the input, so that validation, the error
 * reply and the queued task stay small whatever arrives:
 * - size: the call's params, counted about as their JSON would be (string characters + 2, 8 per
 *   number, keys included), at most the task's `maxParamsBytes` (default 64 KiB); the count stops as
 *   soon as it passes the limit, so a 3 MB call costs no more than a 64 KiB one;
 * - depth: values nested at most 32 levels (walked without recursion);
 * - lists: at most the schema's `.max()` items, or `paramLimits.maxItems` (1000) for a list whose
 *   schema sets none; a longer list is refused without looking at its items.
 */
import { cutText, paramsErrorLimits, type ParamsIssue } from './errors.ts';
import type { z } from 'zod';

type JsonSchema = z.core.JSONSchema.BaseSchema;

/** The defaults (a task may set `maxParamsBytes`; a list param sets its own cap with `.max()`). */
export const paramLimits = {
  /** Counted size of one call's params (about their JSON size). */
  maxParamsBytes: 64 * 1024,
  /** Items of a list param whose schema sets no `.max()`. */
  maxItems: 1000,
  /** Nesting levels of a param value. */
  maxDepth: 32,
} as const;

/** A value still to walk: its parent and key (its path is built only for a message), and its schema. */
interface Pending {
  readonly value: object;
  readonly schema: JsonSchema | undefined;
  readonly parent: Pending | undefined;
  readonly key: string | number;
  readonly depth: number;
}

export interface LimitsCheck {
  /** Issues found (at most paramsErrorLimits.maxIssues); the walk stops at the first size or depth problem. */
  readonly issues: ParamsIssue[];
  /** Problems found beyond `issues` (lists too long). */
  readonly omitted: number;
  /** The counted size of the params when they passed (0 otherwise). */
  readonly bytes: number;
}

const NO_ISSUES: readonly ParamsIssue[] = Object.freeze([]);
function passed(bytes: number): LimitsCheck {
  return { issues: NO_ISSUES as ParamsIssue[], omitted: 0, bytes };
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The branch of a nullable or union schema that has children of the kind wanted, else the node itself. */
function branch(node: JsonSchema | undefined, wantList: boolean): JsonSchema | undefined {
  if (node?.anyOf === undefined) return node;
  return node.anyOf.find((s) => (wantList ? s.type === 'array' : s.properties !== undefined || isSchema(s.additionalProperties))) ?? node;
}

function itemSchema(node: JsonSchema | undefined, index: number): JsonSchema | undefined {
  const next: unknown = node?.prefixItems?.[index] ?? node?.items;
  return isSchema(next) ? next : undefined;
}

function propertySchema(node: JsonSchema | undefined, key: string): JsonSchema | undefined {
  const next: unknown = node?.properties?.[key] ?? node?.additionalProperties;
  return isSchema(next) ? next : undefined;
}

/** The cap of a list described by `node`: its maxItems, else the default. */
export function maxItemsOf(node: JsonSchema | undefined): number {
  return node?.maxItems ?? paramLimits.maxItems;
}

/** `extensions[3]`, `nested.tags`: the field name of a pending value, cut to the message bound. */
function pathOf(item: Pending): string {
  const keys: (string | number)[] = [];
  for (let p: Pending | undefined = item; p !== undefined; p = p.parent) keys.push(p.key);
  let out = '';
  for (let i = keys.length - 1; i >= 0 && out.length <= paramsErrorLimits.maxChars; i -= 1) {
    const key = keys[i] ?? '';
    out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${key}`;
  }
  return cutText(out, paramsErrorLimits.maxChars - 40);
}

/** What a primitive (or binary) value costs: about its JSON length. */
function primitiveCost(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return 8;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value);
}

/**
 * Checks the params `input` (top-level name → value; `properties` are their JSON Schemas) against
 * `maxBytes`, `paramLimits` and the schemas' maxItems, without recursion. Stops at the first size or
 * depth problem; lists too long are reported (and not walked into) up to the issue cap.
 */
export function checkParamLimits(input: Readonly<Record<string, unknown>>, properties: Readonly<Record<string, unknown>>, maxBytes: number, task: string): LimitsCheck {
  const tooBig = (): LimitsCheck => ({
    issues: [{ field: '', message: `${task}: params too large: more than ${maxBytes} bytes (counted as JSON; the limit of this task)` }], omitted: 0, bytes: 0,
  });
  let bytes = 2;
  const stack: Pending[] = [];
  for (const key of Object.keys(input)) {
    const value = input[key];
    bytes += key.length + 3;
    if (isContainer(value)) {
      const schema = properties[key];
      stack.push({ value, schema: isSchema(schema) ? schema : undefined, parent: undefined, key, depth: 1 });
    } else {
      bytes += primitiveCost(value);
    }
  }
  if (bytes > maxBytes) return tooBig();
  if (stack.length === 0) return passed(bytes);
  const issues: ParamsIssue[] = [];
  let omitted = 0;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth } = item;
    if (depth > paramLimits.maxDepth) {
      const path = pathOf(item);
      return { issues: [{ field: path, message: `${path}: nested deeper than ${paramLimits.maxDepth} levels` }], omitted: 0, bytes: 0 };
    }
    const list = Array.isArray(value);
    const schema = branch(item.schema, list);
    const keys: readonly (string | number)[] = list ? [] : Object.keys(value);
    if (list) {
      const max = maxItemsOf(schema);
      if (value.length > max) {
        if (issues.length < paramsErrorLimits.maxIssues) {
          const path = pathOf(item);
          issues.push({ field: path, message: `${path}: expected a list of at most ${max} items, got ${value.length} items` });
        } else {
          omitted += 1;
        }
        continue;
      }
      bytes += 1 + value.length;
    } else {
      bytes += 2;
    }
    if (bytes > maxBytes) return tooBig();
    const count = list ? value.length : keys.length;
    for (let i = 0; i < count; i += 1) {
      const key = list ? i : (keys[i] as string);
      const child: unknown = (value as Record<string | number, unknown>)[key];
      if (!list) bytes += (key as string).length + 3;
      if (isContainer(child)) {
        stack.push({ value: child, schema: list ? itemSchema(schema, i) : propertySchema(schema, key as string), parent: item, key, depth: depth + 1 });
      } else {
        bytes += primitiveCost(child);
      }
      if (bytes > maxBytes) return tooBig();
    }
  }
  return issues.length === 0 ? passed(bytes) : { issues, omitted, bytes: 0 };
}

/**
 * A copy of a params JSON Schema in which every list without `maxItems` says the default cap, so
 * `asexor.control.list` shows the limit that is enforced. Leaves `schema` itself unchanged.
 */
export function withDefaultMaxItems(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (VALUE_KEYWORDS.has(key)) out[key] = value;
    else if (Array.isArray(value)) out[key] = value.map((v: unknown) => (isSchema(v) ? withDefaultMaxItems(v) : v));
    else if (isSchema(value)) out[key] = SCHEMA_MAPS.has(key) ? mapValues(value) : withDefaultMaxItems(value);
    else out[key] = value;
  }
  if (schema.type === 'array' && schema.maxItems === undefined) out.maxItems = paramLimits.maxItems;
  return out;
}

/** Keywords whose value is data, not a schema. */
const VALUE_KEYWORDS = new Set(['default', 'const', 'enum', 'examples', 'required']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

function mapValues(schemas: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schemas)) out[key] = isSchema(value) ? withDefaultMaxItems(value) : value;
  return out;
}
