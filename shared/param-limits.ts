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

/** Where a value sits and which part of the params' JSON Schema describes it (undefined: none). */
interface Pending { readonly value: unknown; readonly schema: JsonSchema | undefined; readonly path: string; readonly depth: number }

export interface LimitsCheck {
  /** Issues found (at most paramsErrorLimits.maxIssues); the walk stops at the first size or depth problem. */
  readonly issues: ParamsIssue[];
  /** Problems found beyond `issues` (lists too long). */
  readonly omitted: number;
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

/** `extensions` + 3 → `extensions[3]`; `a` + `b` → `a.b`; the root's name is the key itself. */
function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** What a primitive costs (about its JSON length). */
function primitiveCost(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return 8;
}

/**
 * Walks `entries` (top-level param values with their schemas) without recursion and checks size,
 * depth and list lengths against `maxBytes`, `paramLimits` and the schemas' maxItems. Stops at the
 * first size or depth problem; long lists are reported (and not walked into) up to the issue cap.
 */
export function checkParamLimits(entries: Iterable<readonly [string, unknown, JsonSchema | undefined]>, maxBytes: number, task: string): LimitsCheck {
  const issues: ParamsIssue[] = [];
  let omitted = 0;
  let bytes = 2;
  const stack: Pending[] = [];
  for (const [key, value, schema] of entries) {
    bytes += key.length + 3;
    stack.push({ value, schema, path: key, depth: 1 });
  }
  const tooBig = (): LimitsCheck => ({
    issues: [{ field: '', message: `${task}: params too large: more than ${maxBytes} bytes (counted as JSON; the limit of this task)` }], omitted: 0,
  });
  if (bytes > maxBytes) return tooBig();
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path, depth } = item;
    if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) {
      bytes += primitiveCost(value);
      if (bytes > maxBytes) return tooBig();
      continue;
    }
    if (depth > paramLimits.maxDepth) {
      return { issues: [{ field: cutText(path, paramsErrorLimits.maxChars), message: `${cutText(path, 100)}: nested deeper than ${paramLimits.maxDepth} levels` }], omitted: 0 };
    }
    if (Array.isArray(value)) {
      const schema = branch(item.schema, true);
      const max = maxItemsOf(schema);
      if (value.length > max) {
        if (issues.length < paramsErrorLimits.maxIssues) {
          issues.push({ field: path, message: `${path}: expected a list of at most ${max} items, got ${value.length} items` });
        } else {
          omitted += 1;
        }
        continue;
      }
      bytes += 1 + value.length;
      if (bytes > maxBytes) return tooBig();
      for (let i = 0; i < value.length; i += 1) stack.push({ value: value[i], schema: itemSchema(schema, i), path: childPath(path, i), depth: depth + 1 });
      continue;
    }
    const schema = branch(item.schema, false);
    bytes += 2;
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      bytes += key.length + 3;
      if (bytes > maxBytes) return tooBig();
      stack.push({ value: (value as Record<string, unknown>)[key], schema: propertySchema(schema, key), path: childPath(path, key), depth: depth + 1 });
    }
  }
  return { issues, omitted };
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
