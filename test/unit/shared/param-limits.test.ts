/**
 * Bounds on what a client sends to a task (docs/input-limits.md): InvalidParamsError's issue cap and
 * cut texts (shared/errors.ts), the size, depth and list caps checked before zod (shared/param-limits.ts)
 * and how parseTaskParams (shared/task-params.ts) stops collecting issues.
 */
import { expect } from 'chai';
import { z } from 'zod';
import { InvalidParamsError, paramsErrorLimits } from '../../../shared/errors.ts';
import { paramLimits } from '../../../shared/param-limits.ts';
import { defineTask, type TaskDefinitionBase } from '../../../shared/task.ts';
import { paramsJsonSchema, parseTaskParams } from '../../../shared/task-params.ts';
import convertFolder from '../../../tasks/convert-folder.ts';
import date from '../../../tasks/date.ts';
import { TaskRegistry } from '../../../worker/task-registry.ts';

const lists = defineTask({
  name: 'lists',
  description: 'lists with and without their own cap, a free text and a nested object',
  params: z.object({
    free: z.array(z.number()).optional(),
    capped: z.array(z.string()).max(3).optional(),
    big: z.array(z.int()).max(5000).optional(),
    text: z.string().optional(),
    nested: z.strictObject({ tags: z.array(z.string()).optional(), deep: z.unknown().optional() }).optional(),
  }),
  command: 'true',
  args: () => [],
});

/** The InvalidParamsError that parsing throws (fails the test when it does not). */
function invalid<P>(def: TaskDefinitionBase<P>, args: unknown[], kwargs: Record<string, unknown> = {}): InvalidParamsError {
  try {
    parseTaskParams(def, args, kwargs);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidParamsError);
    return error as InvalidParamsError;
  }
  return expect.fail('expected an InvalidParamsError');
}

function replyBytes(error: InvalidParamsError): number {
  return JSON.stringify({ message: error.message, issues: error.issues }).length;
}

describe('input limits (docs/input-limits.md)', () => {
  describe('InvalidParamsError', () => {
    it('keeps at most 20 issues and ends the list with "…and K more"', () => {
      const error = new InvalidParamsError(Array.from({ length: 50 }, (_, i) => ({ field: `f${i}`, message: `f${i}: bad` })));
      expect(error.issues).to.have.length(paramsErrorLimits.maxIssues + 1);
      expect(error.issues.at(-1)).to.deep.equal({ field: '', message: '…and 30 more' });
      expect(error.issues[19]).to.deep.equal({ field: 'f19', message: 'f19: bad' });
      expect(error.message.endsWith('f19: bad; …and 30 more')).to.equal(true);
    });

    it('counts issues the producer stopped collecting', () => {
      const error = new InvalidParamsError([{ field: 'a', message: 'a: bad' }], 7);
      expect(error.issues).to.deep.equal([{ field: 'a', message: 'a: bad' }, { field: '', message: '…and 7 more' }]);
    });

    it('cuts every field and message to 200 characters', () => {
      const error = new InvalidParamsError([{ field: 'k'.repeat(10_000), message: 'm'.repeat(1_000_000) }]);
      expect(error.issues[0]?.field).to.have.length(200).and.match(/…$/u);
      expect(error.issues[0]?.message).to.have.length(200);
      expect(error.message).to.have.length(200);
    });

    it('keeps a string message as one issue', () => {
      expect(new InvalidParamsError('nope').issues).to.deep.equal([{ field: '', message: 'nope' }]);
    });
  });

  describe('parseTaskParams on hostile input', () => {
    it('refuses a list of 500,000 items at once with one issue naming the cap (once a 172 MB reply)', () => {
      const started = performance.now();
      const error = invalid(convertFolder, ['.', 'txt'], { extensions: Array<string>(500_000).fill('exe') });
      // Bounded, not fast: about 10 ms here, 5 s before the cap; loaded CI machines stretch wall time.
      expect(performance.now() - started).to.be.below(1000);
      expect(error.issues).to.deep.equal([{ field: 'extensions', message: 'extensions: expected a list of at most 5 items, got 500000 items' }]);
    });

    it('reports 100,000 unknown kwargs as 20 issues and "…and 99980 more"', () => {
      const kwargs: Record<string, unknown> = {};
      for (let i = 0; i < 100_000; i += 1) kwargs[`k${i}`] = i;
      const started = performance.now();
      const error = invalid(date, [], kwargs);
      expect(performance.now() - started).to.be.below(1000);
      expect(error.issues).to.have.length(21);
      expect(error.issues[0]?.field).to.equal('k0');
      expect(error.issues.at(-1)?.message).to.equal('…and 99980 more');
      expect(replyBytes(error)).to.be.below(8 * 1024);
    });

    it('caps a list whose schema sets no .max() at 1000 items, and shows the cap in the JSON Schema', () => {
      expect(parseTaskParams(lists, [], { free: Array<number>(paramLimits.maxItems).fill(1) })).to.have.property('free').with.length(1000);
      expect(invalid(lists, [], { free: Array<number>(1001).fill(1) }).message).to.equal('free: expected a list of at most 1000 items, got 1001 items');
      const schema = paramsJsonSchema(lists);
      expect(schema.properties?.['free']).to.include({ maxItems: 1000 });
      expect(schema.properties?.['capped']).to.include({ maxItems: 3 });
      const nested = schema.properties?.['nested'] as { properties: Record<string, object> };
      expect(nested.properties['tags']).to.include({ maxItems: 1000 });
    });

    it('takes a list\'s own .max() (smaller or larger than the default) instead of the default', () => {
      expect(invalid(lists, [], { capped: ['a', 'b', 'c', 'd'] }).message).to.equal('capped: expected a list of at most 3 items, got 4 items');
      expect(parseTaskParams(lists, [], { big: Array<number>(5000).fill(1) })).to.have.property('big').with.length(5000);
    });

    it('caps nested lists too, naming their path', () => {
      expect(invalid(lists, [], { nested: { tags: Array<string>(2000).fill('x') } }).issues)
        .to.deep.equal([{ field: 'nested.tags', message: 'nested.tags: expected a list of at most 1000 items, got 2000 items' }]);
    });

    it('refuses params larger than 64 KiB (counted as JSON) before validating them', () => {
      expect(parseTaskParams(lists, [], { text: 'x'.repeat(60_000) })).to.have.property('text');
      const error = invalid(lists, [], { text: 'x'.repeat(70_000) });
      expect(error.issues).to.deep.equal([{ field: '', message: 'lists: params too large: more than 65536 bytes (counted as JSON; the limit of this task)' }]);
      expect(invalid(lists, [], { capped: ['x'.repeat(40_000), 'y'.repeat(40_000)] }).message).to.match(/params too large/u);
    });

    it('counts binary values (MessagePack, CBOR) by their bytes', () => {
      const bytes = invalid(lists, [], { nested: { deep: new Uint8Array(70_000) } });
      expect(bytes.message).to.match(/params too large/u);
    });

    it('lets a task raise its own size limit with maxParamsBytes', () => {
      const roomy = { ...lists, name: 'roomy', maxParamsBytes: 1024 * 1024 };
      expect(parseTaskParams(roomy, [], { text: 'x'.repeat(500_000) })).to.have.property('text');
    });

    it('refuses values nested deeper than 32 levels without recursing', () => {
      let deep: unknown = 'bottom';
      for (let i = 0; i < 100_000; i += 1) deep = [deep];
      const error = invalid(lists, [], { nested: { deep } });
      expect(error.message).to.match(/^nested\.deep(\[0\]){31}: nested deeper than 32 levels$/u);
    });

    it('describes at most 20 of zod\'s issues', () => {
      const error = invalid(lists, [], { free: Array<string>(1000).fill('x') });
      expect(error.issues).to.have.length(21);
      expect(error.issues[0]?.message).to.equal('free[0]: expected a number, got "x" (string)');
      expect(error.issues.at(-1)?.message).to.equal('…and 980 more');
    });

    it('caps the unknown keys of a nested strict object', () => {
      const extra: Record<string, number> = {};
      for (let i = 0; i < 500; i += 1) extra[`x${i}`] = i;
      const error = invalid(lists, [], { nested: extra });
      expect(error.issues).to.have.length(21);
      expect(error.issues[0]).to.deep.equal({ field: 'nested.x0', message: 'nested.x0: unknown key' });
      expect(error.issues.at(-1)?.message).to.equal('…and 480 more');
    });

    it('shows at most 60 characters of a long offending value', () => {
      const error = invalid(date, ['%Y'.repeat(20_000)]);
      expect(error.issues).to.have.length(1);
      expect(error.message.length).to.be.below(400);
    });
  });

  describe('task definitions', () => {
    it('refuses a maxParamsBytes that is not a positive integer and a precheck that is not a function', () => {
      expect(() => TaskRegistry.create([{ ...lists, maxParamsBytes: 0 }])).to.throw(/maxParamsBytes: expected/u);
      expect(() => TaskRegistry.create([{ ...lists, precheck: 'yes' }])).to.throw(/precheck: expected a function/u);
      expect(TaskRegistry.create([{ ...lists, maxParamsBytes: 1 << 20, precheck: () => Promise.resolve() }]).size).to.equal(1);
    });
  });
});
