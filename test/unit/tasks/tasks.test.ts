import { expect } from 'chai';
import { InvalidParamsError } from '../../../shared/errors.ts';
import type { TaskContext } from '../../../shared/task.ts';
import { parseTaskParams } from '../../../shared/task-params.ts';
import date from '../../../tasks/date.ts';
import { tasks } from '../../../tasks/index.ts';
import sleep, { formatSeconds } from '../../../tasks/sleep.ts';

const ctx: TaskContext = { filesDir: '/srv/files' };
const out = (stdout: string) => ({ stdout, stderr: '', exitCode: 0 });

describe('shipped tasks (tasks/)', () => {
  it('lists date, sleep, convert and convert_folder in tasks/index.ts', () => {
    expect(tasks.map((t) => t.name)).to.deep.equal(['date', 'sleep', 'convert', 'convert_folder']);
  });

  describe('date (docs/task-semantics.md)', () => {
    const argv = (args: unknown[], kwargs: Record<string, unknown> = {}) => date.args(parseTaskParams(date, args, kwargs), ctx);

    it('prefixes the format with "+" and adds -u for utc, like the original', () => {
      expect(argv(['%Y'], { utc: true })).to.deep.equal(['-u', '+%Y']);
      expect(argv(['%d-%m-%Y %H:%M %Z'])).to.deep.equal(['+%d-%m-%Y %H:%M %Z']);
      expect(argv([], { format: '%s', utc: false })).to.deep.equal(['+%s']);
    });

    it('has a default format', () => {
      expect(argv([])).to.deep.equal(['+%Y-%m-%d %H:%M:%S %Z']);
    });

    it('can never pass an option to date: every format becomes one "+..." argument', () => {
      expect(argv(['--version'])).to.deep.equal(['+--version']);
      expect(argv(['-s 2020-01-01'])).to.deep.equal(['+-s 2020-01-01']);
    });

    it('rejects control characters and over-long formats', () => {
      expect(() => argv(['%Y\0'])).to.throw(InvalidParamsError, 'format: expected a date format');
      expect(() => argv(['%Y\n-s'])).to.throw(InvalidParamsError, 'format: expected a date format');
      expect(() => argv(['x'.repeat(201)])).to.throw(InvalidParamsError, 'format: expected a date format');
      expect(() => argv([5])).to.throw(InvalidParamsError, 'format: expected a date format (a string of at most 200 characters');
    });

    it('returns the trimmed stdout', () => {
      expect(date.result?.(out('28-11-2026 16:57 UTC\n'), { format: '%Y', utc: true }, ctx)).to.equal('28-11-2026 16:57 UTC');
    });
  });

  describe('sleep', () => {
    const argv = (args: unknown[], kwargs: Record<string, unknown> = {}) => sleep.args(parseTaskParams(sleep, args, kwargs), ctx);

    it('passes 0 on (the original dropped it, docs/task-semantics.md)', () => {
      expect(argv([0])).to.deep.equal(['0']);
    });

    it('passes integers and fractions without exponent notation', () => {
      expect(argv([5])).to.deep.equal(['5']);
      expect(argv([], { seconds: 0.25 })).to.deep.equal(['0.25']);
      expect(argv([3600])).to.deep.equal(['3600']);
      expect(formatSeconds(1e-7)).to.equal('0');
      expect(formatSeconds(100.0004)).to.equal('100');
      expect(formatSeconds(10.5)).to.equal('10.5');
    });

    it('rejects negatives, more than an hour and non-numbers, naming the field', () => {
      expect(() => argv([-1])).to.throw(InvalidParamsError, 'seconds: expected a number between 0 and 3600, got -1 (number)');
      expect(() => argv([3601])).to.throw(InvalidParamsError, 'seconds: expected a number between 0 and 3600, got 3601 (number)');
      expect(() => argv(['abc'])).to.throw(InvalidParamsError, 'seconds: expected a number between 0 and 3600, got "abc" (string)');
      expect(() => argv(['1'])).to.throw(InvalidParamsError, 'seconds: expected a number between 0 and 3600, got "1" (string)');
    });

    it('allows a full hour within its timeout and returns null', () => {
      expect(sleep.timeoutMs).to.be.greaterThan(3600 * 1000);
      expect(sleep.result?.(out(''), { seconds: 1 }, ctx)).to.equal(null);
    });
  });
});
