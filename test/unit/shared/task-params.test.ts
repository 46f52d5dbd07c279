import { expect } from 'chai';
import { z } from 'zod';
import { InvalidParamsError } from '../../../shared/errors.ts';
import { defineTask } from '../../../shared/task.ts';
import { describeSchema, paramsJsonSchema, parseTaskParams } from '../../../shared/task-params.ts';

const demo = defineTask({
  name: 'demo',
  description: 'a task with one param of each kind',
  params: z.object({
    seconds: z.number().min(0).max(3600),
    count: z.int().gt(0).optional(),
    label: z.string().regex(/^[a-z]+$/).max(10).default('x'),
    to: z.enum(['epub', 'html']),
    tags: z.array(z.enum(['md', 'html'])).min(1).optional(),
    utc: z.boolean().default(false),
    path: z.string().refine((v) => !v.startsWith('/'), { error: 'expected a relative path' }).optional(),
  }),
  positional: ['seconds', 'to'],
  command: 'true',
  args: () => [],
});

/** The InvalidParamsError that parsing throws (fails the test when it does not). */
function invalid(args: unknown[], kwargs: Record<string, unknown> = {}): InvalidParamsError {
  try {
    parseTaskParams(demo, args, kwargs);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidParamsError);
    return error as InvalidParamsError;
  }
  return expect.fail('expected an InvalidParamsError');
}

describe('task-params', () => {
  describe('mapping args and kwargs', () => {
    it('maps positional args to params in order and fills in defaults', () => {
      expect(parseTaskParams(demo, [1.5, 'epub'])).to.deep.equal({ seconds: 1.5, to: 'epub', label: 'x', utc: false });
    });

    it('takes keyword params, and positional and keyword params together', () => {
      expect(parseTaskParams(demo, [], { seconds: 0, to: 'html', utc: true })).to.deep.equal({ seconds: 0, to: 'html', label: 'x', utc: true });
      expect(parseTaskParams(demo, [2], { to: 'html', tags: ['md'], path: 'a/b.md' }))
        .to.deep.equal({ seconds: 2, to: 'html', tags: ['md'], path: 'a/b.md', label: 'x', utc: false });
    });

    it('keeps 0, false and "" as given (unlike the original, docs/task-semantics.md)', () => {
      expect(parseTaskParams(demo, [0, 'epub'], { utc: false, path: '' })).to.include({ seconds: 0, utc: false, path: '' });
    });

    it('rejects too many positional args, saying how many the task takes', () => {
      const error = invalid([1, 'epub', 3]);
      expect(error.message).to.equal('too many positional args: demo takes at most 2 (seconds, to), got 3');
      expect(error.code).to.equal('ERR_INVALID_PARAMS');
      expect(error.uri).to.equal('asexor.error.invalid_params');
    });

    it('rejects a param given both positionally and as a keyword', () => {
      expect(invalid([1, 'epub'], { seconds: 2 }).message).to.equal('seconds: given both as positional arg 1 and as a keyword');
    });

    it('rejects unknown keys, listing the known params', () => {
      const error = invalid([1, 'epub'], { colour: 'red' });
      expect(error.issues).to.deep.equal([{
        field: 'colour', message: "colour: unknown param (demo takes 'seconds', 'count', 'label', 'to', 'tags', 'utc' or 'path')",
      }]);
    });

    it('rejects "__proto__" as an unknown key instead of touching the prototype', () => {
      const kwargs = JSON.parse('{"to": "epub", "seconds": 1, "__proto__": {"polluted": true}}') as Record<string, unknown>;
      expect(invalid([], kwargs).issues.map((i) => i.field)).to.deep.equal(['__proto__']);
      expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    });
  });

  describe('error messages name the field and the expectation', () => {
    const cases: [string, unknown[], Record<string, unknown>, string][] = [
      ['a wrong type against a range', ['abc', 'epub'], {}, 'seconds: expected a number between 0 and 3600, got "abc" (string)'],
      ['a number out of range', [3601, 'epub'], {}, 'seconds: expected a number between 0 and 3600, got 3601 (number)'],
      ['a value outside an enum', [1, 'pdf'], {}, "to: expected one of 'epub' or 'html', got \"pdf\" (string)"],
      ['a non-integer', [1, 'epub'], { count: 1.5 }, 'count: expected an integer > 0, got 1.5 (number)'],
      ['a pattern mismatch', [1, 'epub'], { label: 'ABC' }, 'label: expected a string of at most 10 characters matching /^[a-z]+$/, got "ABC" (string)'],
      ['a wrong array item', [1, 'epub'], { tags: ['md', 'pdf'] }, "tags[1]: expected one of 'md' or 'html', got \"pdf\" (string)"],
      ['a string for a boolean', [1, 'epub'], { utc: 'yes' }, 'utc: expected a boolean (true or false), got "yes" (string)'],
      ['null for an optional param', [1, 'epub'], { count: null }, 'count: expected an integer > 0, got null (null)'],
      ["the schema's own message", [1, 'epub'], { path: '/etc' }, 'path: expected a relative path, got "/etc" (string)'],
    ];
    for (const [what, args, kwargs, message] of cases) {
      it(`reports ${what}`, () => {
        const error = invalid(args, kwargs);
        expect(error.message).to.equal(message);
        expect(error.issues).to.have.length(1);
      });
    }

    it('reports a missing required param', () => {
      expect(invalid([1]).message).to.equal("to: missing, expected one of 'epub' or 'html'");
    });

    it('reports every problem at once', () => {
      const error = invalid([], { colour: 'red', utc: 1 });
      expect(error.issues.map((i) => i.field)).to.deep.equal(['colour', 'seconds', 'to', 'utc']);
      expect(error.message).to.equal([
        "colour: unknown param (demo takes 'seconds', 'count', 'label', 'to', 'tags', 'utc' or 'path')",
        'seconds: missing, expected a number between 0 and 3600',
        "to: missing, expected one of 'epub' or 'html'",
        'utc: expected a boolean (true or false), got 1 (number)',
      ].join('; '));
    });

    it('names the task for object-level problems without a path', () => {
      const pair = defineTask({
        name: 'pair', description: 'two equal numbers', command: 'true', args: () => [],
        params: z.object({ a: z.number(), b: z.number() }).refine((p) => p.a === p.b, { error: 'expected a equal to b' }),
      });
      expect(() => parseTaskParams(pair, [], { a: 1, b: 2 })).to.throw(InvalidParamsError, 'pair: expected a equal to b');
    });
  });

  describe('paramsJsonSchema (asexor.control.list)', () => {
    it('describes the params as clients send them, with defaults and no extra keys', () => {
      const schema = paramsJsonSchema(demo);
      expect(schema).to.include({ type: 'object', additionalProperties: false });
      expect(schema.required).to.deep.equal(['seconds', 'to']);
      expect(schema.properties?.['seconds']).to.deep.equal({ type: 'number', minimum: 0, maximum: 3600 });
      expect(schema.properties?.['label']).to.include({ default: 'x', type: 'string' });
    });

    it('returns the same object on each call (computed once per schema)', () => {
      expect(paramsJsonSchema(demo)).to.equal(paramsJsonSchema(demo));
    });
  });

  describe('describeSchema', () => {
    it('phrases bounds, lengths and alternatives', () => {
      expect(describeSchema({ type: 'integer', minimum: 1 })).to.equal('an integer >= 1');
      expect(describeSchema({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 })).to.equal('a number > 0 and < 1');
      expect(describeSchema({ type: 'string', minLength: 1 })).to.equal('a non-empty string');
      expect(describeSchema({ type: 'string', minLength: 2, maxLength: 5 })).to.equal('a string of 2 to 5 characters');
      expect(describeSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] })).to.equal('a string or null');
      expect(describeSchema({ type: 'array', maxItems: 3, items: { type: 'boolean' } })).to.equal('a list of at most 3 items, each a boolean (true or false)');
      expect(describeSchema({ const: 'x' })).to.equal("'x'");
    });
  });
});
