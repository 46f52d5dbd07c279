import { expect } from 'chai';
import { coerce, parseTaskArgs, type TaskInfo } from '../../../cli/task-args.ts';

const date: TaskInfo = {
  name: 'date', description: 'd', positional: ['format', 'utc'],
  params: { properties: { format: { type: 'string' }, utc: { type: 'boolean' } } },
};
const folder: TaskInfo = {
  name: 'convert_folder', description: 'c', positional: ['folder', 'to'],
  params: { properties: { folder: { type: 'string' }, to: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } }, n: { anyOf: [{ type: 'integer' }, { type: 'null' }] } } },
};

describe('asexor run argument parsing (cli/task-args.ts)', () => {
  it('types values from the task\'s JSON Schema and keeps what does not fit as text', () => {
    expect(coerce('2.5', { type: 'number' })).to.equal(2.5);
    expect(coerce('abc', { type: 'number' })).to.equal('abc');
    expect(coerce('', { type: 'number' })).to.equal('');
    expect(coerce('yes', { type: 'boolean' })).to.equal(true);
    expect(coerce('0', { type: 'boolean' })).to.equal(false);
    expect(coerce('md,html', { type: 'array', items: { type: 'string' } })).to.deep.equal(['md', 'html']);
    expect(coerce('[1,2]', { type: 'array' })).to.deep.equal([1, 2]);
    expect(coerce('{"a":1}', { type: 'object' })).to.deep.equal({ a: 1 });
    expect(coerce('42', { type: 'string' })).to.equal('42');
    expect(coerce('7', undefined)).to.equal('7');
  });

  it('reads --name value, --name=value, bare boolean flags and --some-name as some_name', () => {
    expect(parseTaskArgs(['--format', '%Y', '--utc'], date)).to.deep.equal({ args: [], kwargs: { format: '%Y', utc: true } });
    expect(parseTaskArgs(['--utc=false', '--format=%H'], date)).to.deep.equal({ args: [], kwargs: { utc: false, format: '%H' } });
    expect(parseTaskArgs(['--utc', 'no'], date).kwargs).to.deep.equal({ utc: false });
    expect(parseTaskArgs(['--file-name', 'x'], undefined).kwargs).to.deep.equal({ file_name: 'x' });
  });

  it('types positional values by the task\'s positional params, also after --', () => {
    expect(parseTaskArgs(['%Y', 'true'], date)).to.deep.equal({ args: ['%Y', true], kwargs: {} });
    expect(parseTaskArgs(['--', '--odd-name.md', 'txt'], folder)).to.deep.equal({ args: ['--odd-name.md', 'txt'], kwargs: {} });
    expect(parseTaskArgs(['docs', 'epub', '--extensions', 'md,docx', '--n', '3'], folder).kwargs).to.deep.equal({ extensions: ['md', 'docx'], n: 3 });
  });

  it('fails on an option without a value', () => {
    expect(() => parseTaskArgs(['--format'], date)).to.throw('--format needs a value');
    expect(() => parseTaskArgs(['--=x'], date)).to.throw(/not a param/);
  });
});
