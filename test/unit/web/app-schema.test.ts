/**
 * web/src/schema.ts: forms from the JSON Schema of `asexor.control.list` (shared/task-params.ts
 * `paramsJsonSchema`, docs/tasks.md "Tasks") and client-side checks that agree with the server's
 * (`parseTaskParams`) on the shipped tasks and the test fixtures.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { parseTaskParams, paramsJsonSchema } from '../../../shared/task-params.ts';
import type { TaskDefinition } from '../../../shared/task.ts';
import { tasks as shipped } from '../../../tasks/index.ts';
import { exitWith, multi, progress } from '../../fixtures/tasks/index.ts';
import { constraintText, fieldsOf, initialRaw, issuesByField, parseField, validateForm, type FieldSpec, type RawValue } from '../../../web/src/schema.ts';

function task(name: string): TaskDefinition {
  const def = [...shipped, exitWith, multi, progress].find((t) => t.name === name);
  if (def === undefined) throw new Error(`no task ${name}`);
  return def;
}

function specs(name: string): FieldSpec[] {
  return fieldsOf(paramsJsonSchema(task(name)));
}

function serverAccepts(name: string, params: Record<string, unknown>): boolean {
  try {
    parseTaskParams(task(name), [], params);
    return true;
  } catch {
    return false;
  }
}

describe('web app: forms from task schemas (web/src/schema.ts)', () => {
  it('derives fields, widgets, defaults, required and help from the shipped tasks\' schemas', () => {
    expect(specs('date')).to.deep.equal([
      { name: 'format', kind: 'string', required: false, description: 'strftime format, without the "+" prefix', default: '%Y-%m-%d %H:%M:%S %Z', maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]*$' },
      { name: 'utc', kind: 'boolean', required: false, description: 'print UTC instead of local time', default: false },
    ]);
    expect(specs('sleep')).to.deep.equal([{ name: 'seconds', kind: 'number', required: true, description: 'how long to wait, in seconds', minimum: 0, maximum: 3600 }]);
    const [input, to, output] = specs('convert');
    expect(input).to.include({ name: 'input', kind: 'string', required: true, file: 'input' });
    expect(input?.accept).to.deep.equal(['.md', '.markdown', '.html', '.htm', '.docx']);
    expect(to).to.deep.include({ kind: 'enum', required: true, options: ['epub', 'html', 'docx', 'txt'] });
    expect(output).to.include({ kind: 'string', required: false, file: 'output' });
    const [folder, , extensions] = specs('convert_folder');
    expect(folder).to.include({ file: 'folder', default: '.' });
    expect(extensions).to.deep.include({ kind: 'enum-list', minItems: 1, options: ['md', 'markdown', 'html', 'htm', 'docx'] });
    expect(specs('multi')[0]).to.include({ name: 'subtasks', kind: 'json', required: true });
    // zod's "no limit" maximum (MAX_SAFE_INTEGER) is not shown
    expect(specs('progress')[1]).to.include({ name: 'delay', kind: 'integer', minimum: 1 }).and.not.have.property('maximum');
  });

  it('pre-fills defaults and describes constraints', () => {
    const [format, utc] = specs('date');
    expect(initialRaw(format!)).to.equal('%Y-%m-%d %H:%M:%S %Z');
    expect(initialRaw(utc!)).to.equal(false);
    expect(constraintText(specs('sleep')[0]!)).to.equal('a number between 0 and 3600');
    expect(constraintText(specs('exit_with')[0]!)).to.equal('a whole number between 0 and 255');
    expect(initialRaw(specs('convert_folder')[2]!)).to.deep.equal([]);
  });

  it('turns widget values into typed params and leaves out empty optional fields', () => {
    expect(validateForm(specs('date'), { format: '%Y', utc: true })).to.deep.equal({ params: { format: '%Y', utc: true }, issues: [] });
    expect(validateForm(specs('sleep'), { seconds: ' 1.5 ' })).to.deep.equal({ params: { seconds: 1.5 }, issues: [] });
    expect(validateForm(specs('convert'), { input: 'a.md', to: 'epub', output: '' })).to.deep.equal({ params: { input: 'a.md', to: 'epub' }, issues: [] });
    expect(validateForm(specs('convert_folder'), { folder: '.', to: 'txt', extensions: ['md'] }).params).to.deep.equal({ folder: '.', to: 'txt', extensions: ['md'] });
    expect(validateForm(specs('multi'), { subtasks: '[{"task":"date"}]' }).params).to.deep.equal({ subtasks: [{ task: 'date' }] });
  });

  it('reports one issue per bad field, in the words of the server where it can', () => {
    expect(validateForm(specs('sleep'), { seconds: '' }).issues).to.deep.equal([{ field: 'seconds', message: 'required' }]);
    expect(validateForm(specs('sleep'), { seconds: 'abc' }).issues).to.deep.equal([{ field: 'seconds', message: 'expected a number between 0 and 3600' }]);
    expect(validateForm(specs('exit_with'), { code: '1.5' }).issues).to.deep.equal([{ field: 'code', message: 'expected an integer between 0 and 255' }]);
    expect(validateForm(specs('convert'), { input: 'a.pdf', to: '' }).issues).to.deep.equal([
      { field: 'input', message: 'expected a file name ending in .md, .markdown, .html, .htm, .docx' },
      { field: 'to', message: 'required' },
    ]);
    expect(parseField(specs('convert')[0]!, '../a.md').error).to.equal("expected a path inside the files folder (no '..')");
    expect(parseField(specs('convert')[0]!, '/etc/a.md').error).to.match(/not an absolute one/);
    expect(parseField(specs('date')[0]!, 'a\u0001b').error).to.equal('must not contain control characters');
    expect(parseField(specs('date')[0]!, 'x'.repeat(201)).error).to.equal('expected at most 200 characters');
    expect(parseField(specs('multi')[0]!, '[').error).to.equal('expected valid JSON');
    expect(validateForm(specs('convert_folder'), { to: 'txt', extensions: [] }).issues).to.deep.equal([]);
  });

  it('agrees with the server on numbers (sleep, exit_with, progress): accepted by one iff by the other', () => {
    const text = fc.oneof(
      fc.double({ min: -10, max: 5000, noNaN: true }).map(String),
      fc.integer({ min: -5, max: 300 }).map(String),
      fc.constantFrom('', ' ', 'abc', '1e3', '.5', '5.', '-0', '3600', '3600.0001', 'Infinity'),
    );
    fc.assert(fc.property(fc.constantFrom('sleep', 'exit_with', 'progress'), text, (name, value) => {
      const fields = specs(name);
      const raws: Record<string, RawValue> = { [fields[0]!.name]: value };
      const client = validateForm(fields, raws);
      if (client.issues.length === 0) return serverAccepts(name, client.params);
      // rejected by the client: the server rejects the number too (sent as a number when it parses)
      const asNumber = Number(value);
      return value.trim() === '' ? fields[0]!.required ? !serverAccepts(name, {}) : true : !serverAccepts(name, { [fields[0]!.name]: Number.isNaN(asNumber) ? value : asNumber });
    }), { numRuns: 300 });
  });

  it('agrees with the server on the date format (length and control characters)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 260, unit: fc.constantFrom('a', '%', 'Y', ' ', '\u0007', '\n', 'é') }), (format) => {
      const client = validateForm(specs('date'), { format, utc: false });
      return (client.issues.length === 0) === serverAccepts('date', { format, utc: false });
    }), { numRuns: 200 });
  });

  it('maps the server\'s invalid_params issues to fields, without the "field: " prefix', () => {
    const kwargs = {
      code: 'ERR_INVALID_PARAMS', message: '…',
      issues: [
        { field: 'output', message: 'output: expected a file name ending in .epub (to is epub)' },
        { field: 'subtasks[0].task', message: 'subtasks[0].task: expected a string' },
        { field: 'nope', message: 'unknown parameter "nope"' },
      ],
    };
    const byField = issuesByField(kwargs, ['input', 'to', 'output', 'subtasks']);
    expect(Object.fromEntries(byField)).to.deep.equal({
      output: ['expected a file name ending in .epub (to is epub)'],
      subtasks: ['subtasks[0].task: expected a string'],
      '': ['unknown parameter "nope"'],
    });
    expect(issuesByField(undefined, []).size).to.equal(0);
  });
});
