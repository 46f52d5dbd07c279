/**
 * Task forms from the JSON Schema of `asexor.control.list` (zod's `toJSONSchema`, see
 * shared/task-params.ts): which fields, which widget, and the client-side checks that mirror the
 * server's (docs/tasks.md, "Tasks": types, enums, ranges, lengths, patterns, required, defaults). Pure: no
 * DOM, so test/unit/web/app-schema.test.ts runs it in Node.
 */

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'enum-list' | 'string-list' | 'json';

/** How a path field of the files folder is picked: an existing file, a folder, or a new file. */
export type FileRole = 'input' | 'output' | 'folder';

export interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  readonly required: boolean;
  readonly description?: string;
  /** The schema's default, shown pre-filled. */
  readonly default?: unknown;
  readonly options?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  /** Set for a path relative to the files folder (the description says "files folder"). */
  readonly file?: FileRole;
  /** Extensions (with dot) the description names ("ending in .md, .html or .docx"), for the upload picker. */
  readonly accept?: readonly string[];
}

/** What a widget holds: text (inputs, selects, textareas), a checkbox, or the ticked options of a list. */
export type RawValue = string | boolean | readonly string[];

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

/** Numbers beyond this are zod's "no limit" (Number.MAX_SAFE_INTEGER): not worth showing. */
const NO_LIMIT = 2 ** 53 - 1;

function kindOf(prop: Json): FieldKind {
  const type = prop['type'];
  if (stringList(prop['enum']) !== undefined) return 'enum';
  if (type === 'boolean') return 'boolean';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (type === 'string') return 'string';
  if (type === 'array' && isObject(prop['items'])) {
    const items = prop['items'];
    if (stringList(items['enum']) !== undefined) return 'enum-list';
    if (items['type'] === 'string') return 'string-list';
  }
  return 'json';
}

/** The `format` of a files-folder path (shared/files-dir.ts `FILES_PATH_FORMAT`). */
const FILES_PATH_FORMAT = 'asexor-files-path';

/** A files-folder path is marked by its `format`; a schema from an older server by its description. */
function fileRoleOf(name: string, kind: FieldKind, description: string | undefined, format: unknown): FileRole | undefined {
  if (kind !== 'string') return undefined;
  if (format !== FILES_PATH_FORMAT && (description === undefined || !/files folder/i.test(description))) return undefined;
  description ??= '';
  if (/folder/i.test(name) || /^folder\b/i.test(description)) return 'folder';
  if (/output|target|destination/i.test(name) || /^where to write/i.test(description)) return 'output';
  return 'input';
}

function acceptOf(description: string | undefined): string[] | undefined {
  const match = description === undefined ? null : /ending in ((?:\.[\w]+(?:, | or |,)?)+)/i.exec(description);
  if (match === null) return undefined;
  return (match[1] ?? '').match(/\.\w+/g) ?? undefined;
}

/** One FieldSpec per property of a task's params schema, in the schema's order. */
export function fieldsOf(schema: unknown): FieldSpec[] {
  if (!isObject(schema) || !isObject(schema['properties'])) return [];
  const required = new Set(stringList(schema['required']) ?? []);
  return Object.entries(schema['properties']).map(([name, raw]) => {
    const prop: Json = isObject(raw) ? raw : {};
    const kind = kindOf(prop);
    const description = typeof prop['description'] === 'string' ? prop['description'] : undefined;
    const items: Json = isObject(prop['items']) ? prop['items'] : {};
    const options = kind === 'enum' ? stringList(prop['enum']) : kind === 'enum-list' ? stringList(items['enum']) : undefined;
    const file = fileRoleOf(name, kind, description, prop['format']);
    const accept = file === 'input' ? acceptOf(description) : undefined;
    const maximum = num(prop['maximum']);
    const spec: Record<string, unknown> = {
      name, kind, required: required.has(name),
      description, default: prop['default'], options,
      minimum: num(prop['minimum']), maximum: maximum !== undefined && maximum >= NO_LIMIT ? undefined : maximum,
      exclusiveMinimum: num(prop['exclusiveMinimum']), exclusiveMaximum: num(prop['exclusiveMaximum']),
      minLength: num(prop['minLength']), maxLength: num(prop['maxLength']),
      pattern: typeof prop['pattern'] === 'string' ? prop['pattern'] : undefined,
      minItems: num(prop['minItems']), maxItems: num(prop['maxItems']),
      file, accept,
    };
    for (const key of Object.keys(spec)) if (spec[key] === undefined) Reflect.deleteProperty(spec, key);
    return spec as unknown as FieldSpec;
  });
}

/** The widget's initial value: the default, else empty. */
export function initialRaw(spec: FieldSpec): RawValue {
  const value = spec.default;
  switch (spec.kind) {
    case 'boolean': return value === true;
    case 'enum-list': return stringList(value) ?? [];
    case 'string-list': return (stringList(value) ?? []).join('\n');
    case 'json': return value === undefined ? '' : JSON.stringify(value, null, 2);
    default: return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  }
}

function rangeText(spec: FieldSpec): string | undefined {
  const low = spec.minimum ?? spec.exclusiveMinimum;
  const high = spec.maximum ?? spec.exclusiveMaximum;
  if (low !== undefined && high !== undefined) return `between ${low} and ${high}`;
  if (low !== undefined) return spec.exclusiveMinimum !== undefined ? `greater than ${low}` : `of at least ${low}`;
  if (high !== undefined) return spec.exclusiveMaximum !== undefined ? `less than ${high}` : `of at most ${high}`;
  return undefined;
}

/** A short human hint of the constraints ("a number between 0 and 3600"), shown under the field. */
export function constraintText(spec: FieldSpec): string | undefined {
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      const range = rangeText(spec);
      const noun = spec.kind === 'integer' ? 'a whole number' : 'a number';
      return range === undefined ? noun : `${noun} ${range}`;
    }
    case 'string':
      if (spec.maxLength !== undefined) return `at most ${spec.maxLength} characters`;
      return undefined;
    case 'string-list': return 'one value per line';
    case 'json': return 'JSON';
    default: return undefined;
  }
}

function checkNumber(spec: FieldSpec, text: string): { value?: number; error?: string } {
  const value = Number(text);
  const noun = spec.kind === 'integer' ? 'an integer' : 'a number';
  const range = rangeText(spec);
  const expected = `expected ${noun}${range === undefined ? '' : ` ${range}`}`;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || !Number.isFinite(value)) return { error: expected };
  if (spec.kind === 'integer' && !Number.isInteger(value)) return { error: expected };
  if (spec.minimum !== undefined && value < spec.minimum) return { error: expected };
  if (spec.maximum !== undefined && value > spec.maximum) return { error: expected };
  if (spec.exclusiveMinimum !== undefined && value <= spec.exclusiveMinimum) return { error: expected };
  if (spec.exclusiveMaximum !== undefined && value >= spec.exclusiveMaximum) return { error: expected };
  return { value };
}

function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true; // a pattern the browser cannot compile: the server still checks it
  }
}

function checkString(spec: FieldSpec, value: string): string | undefined {
  if (spec.minLength !== undefined && value.length < spec.minLength) return `expected at least ${spec.minLength} characters`;
  if (spec.maxLength !== undefined && value.length > spec.maxLength) return `expected at most ${spec.maxLength} characters`;
  if (spec.pattern !== undefined && !matches(spec.pattern, value)) {
    // eslint-disable-next-line no-control-regex -- the schema's pattern for "no control characters"
    return /[\u0000-\u001f\u007f]/u.test(value) ? 'must not contain control characters' : 'has an invalid format';
  }
  if (spec.file !== undefined) {
    if (value.startsWith('/')) return 'expected a path relative to the files folder, not an absolute one';
    if (value.split('/').includes('..')) return "expected a path inside the files folder (no '..')";
    if (value.includes('\\')) return "separate folders with '/'";
  }
  if (spec.accept !== undefined && spec.accept.length > 0 && !spec.accept.some((ext) => value.toLowerCase().endsWith(ext))) {
    return `expected a file name ending in ${spec.accept.join(', ')}`;
  }
  return undefined;
}

function checkCount(spec: FieldSpec, count: number): string | undefined {
  if (spec.minItems !== undefined && count < spec.minItems) return `choose at least ${spec.minItems}`;
  if (spec.maxItems !== undefined && count > spec.maxItems) return `choose at most ${spec.maxItems}`;
  return undefined;
}

/**
 * A widget's value as the param it sends: `{}` when it is left out (empty and optional, so the
 * server applies its default), `{value}`, or `{error}` (a message without the field name).
 */
export function parseField(spec: FieldSpec, raw: RawValue): { value?: unknown; error?: string } {
  if (spec.kind === 'boolean') return { value: raw === true };
  if (spec.kind === 'enum-list') {
    const chosen = Array.isArray(raw) ? [...raw as readonly string[]] : [];
    if (chosen.length === 0 && !spec.required) return {};
    const error = chosen.length === 0 ? 'choose at least one' : checkCount(spec, chosen.length);
    return error === undefined ? { value: chosen } : { error };
  }
  const text = typeof raw === 'string' ? raw : '';
  const trimmed = spec.kind === 'string' ? text : text.trim();
  if (trimmed === '') {
    if (spec.required) return { error: 'required' };
    return {};
  }
  switch (spec.kind) {
    case 'number':
    case 'integer':
      return checkNumber(spec, trimmed);
    case 'enum':
      return spec.options?.includes(trimmed) === true ? { value: trimmed } : { error: `expected one of ${(spec.options ?? []).join(', ')}` };
    case 'string': {
      const error = checkString(spec, text);
      return error === undefined ? { value: text } : { error };
    }
    case 'string-list': {
      const items = trimmed.split('\n').map((line) => line.trim()).filter((line) => line !== '');
      const error = checkCount(spec, items.length);
      return error === undefined ? { value: items } : { error };
    }
    case 'json':
      try {
        return { value: JSON.parse(trimmed) as unknown };
      } catch {
        return { error: 'expected valid JSON' };
      }
  }
}

/** All fields at once: the params to send (keyword args) and the issues, one per bad field. */
export function validateForm(specs: readonly FieldSpec[], raws: Readonly<Record<string, RawValue>>): { params: Record<string, unknown>; issues: FieldIssue[] } {
  const params: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  for (const spec of specs) {
    const parsed = parseField(spec, raws[spec.name] ?? initialRaw(spec));
    if (parsed.error !== undefined) issues.push({ field: spec.name, message: parsed.error });
    else if ('value' in parsed) params[spec.name] = parsed.value;
  }
  return { params, issues };
}

/**
 * The server's `invalid_params` issues by field (docs/worker.md, "The worker: serve, CLI, WAMP API": kwargs
 * `issues: [{field, message}]`). Its messages start with "field: "; that prefix is dropped because
 * the message is shown next to the field. Issues of no known field go under ''.
 */
export function issuesByField(kwargs: unknown, fields: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const issues = isObject(kwargs) && Array.isArray(kwargs['issues']) ? kwargs['issues'] : [];
  for (const issue of issues) {
    if (!isObject(issue) || typeof issue['message'] !== 'string') continue;
    const raw = typeof issue['field'] === 'string' ? issue['field'] : '';
    const top = raw.split(/[.[]/)[0] ?? '';
    const field = fields.includes(top) ? top : '';
    // A nested path ("subtasks[0].task: …") keeps its prefix: it says where inside the field.
    const message = field !== '' && raw === field && issue['message'].startsWith(`${raw}: `) ? issue['message'].slice(raw.length + 2) : issue['message'];
    out.set(field, [...(out.get(field) ?? []), message]);
  }
  return out;
}
