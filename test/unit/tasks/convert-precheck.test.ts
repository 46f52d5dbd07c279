/**
 * convert and convert_folder on input that cannot work (docs/input-limits.md): names over 255 bytes are
 * invalid params (not an ENAMETOOLONG at run time), and the `precheck` run before queueing refuses a
 * missing input, output folder or folder, naming the param. Real files in a temporary folder.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { InvalidParamsError } from '../../../shared/errors.ts';
import { MAX_NAME_BYTES, relativePathProblem } from '../../../shared/files-dir.ts';
import type { TaskContext, TaskDefinitionBase } from '../../../shared/task.ts';
import { parseTaskParams, precheckTaskParams } from '../../../shared/task-params.ts';
import convertFolder from '../../../tasks/convert-folder.ts';
import convert from '../../../tasks/convert.ts';
import { checkedFilesPath } from '../../../worker/files-path.ts';

function invalid(run: () => unknown): InvalidParamsError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidParamsError);
    return error as InvalidParamsError;
  }
  return expect.fail('expected an InvalidParamsError');
}

async function rejection(promise: Promise<unknown>): Promise<InvalidParamsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidParamsError);
    return error as InvalidParamsError;
  }
  return expect.fail('expected a rejection');
}

describe('file names over 255 bytes (shared/files-dir.ts)', () => {
  it('are a path problem, counted in UTF-8 bytes', () => {
    expect(relativePathProblem(`${'a'.repeat(MAX_NAME_BYTES)}/b`)).to.equal(undefined);
    expect(relativePathProblem(`d/${'a'.repeat(256)}`)).to.equal('has a name of 256 bytes, where at most 255 bytes are allowed');
    expect(relativePathProblem('é'.repeat(127))).to.equal(undefined);
    expect(relativePathProblem('é'.repeat(128))).to.equal('has a name of 256 bytes, where at most 255 bytes are allowed');
  });

  it('make convert\'s input an invalid param', () => {
    const error = invalid(() => parseTaskParams(convert, [`${'a'.repeat(300)}.md`, 'txt']));
    expect(error.issues).to.have.length(1);
    expect(error.issues[0]?.field).to.equal('input');
    expect(error.issues[0]?.message).to.match(/^input: expected a relative path inside the files folder \(this one has a name of 303 bytes, where at most 255 bytes are allowed\)/u);
  });

  it('make convert\'s default output an invalid param when the new extension makes the name too long', () => {
    const error = invalid(() => parseTaskParams(convert, [`${'a'.repeat(252)}.md`, 'epub']));
    expect(error.issues).to.deep.equal([{ field: 'output', message: "output: missing, expected an output path: the default one (the input's name with .epub) has a name of 257 bytes, where at most 255 bytes are allowed" }]);
    expect(parseTaskParams(convert, [`${'a'.repeat(252)}.md`, 'epub', 'short.epub'])).to.include({ output: 'short.epub' });
  });

  it('make a files procedure path an invalid param (worker/files-path.ts)', () => {
    expect(invalid(() => checkedFilesPath(`x/${'n'.repeat(300)}`)).message)
      .to.equal('path: expected a relative path inside the files folder (this one has a name of 300 bytes, where at most 255 bytes are allowed)');
  });
});

describe('precheck before queueing (convert, convert_folder)', () => {
  let filesDir: string;
  let ctx: TaskContext;
  before(async () => {
    filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-precheck-'));
    ctx = { filesDir, filesScope: 'user' };
    await mkdir(path.join(filesDir, 'docs'));
    await writeFile(path.join(filesDir, 'docs', 'a.md'), '# A\n');
  });
  after(async () => {
    await rm(filesDir, { recursive: true, force: true });
  });

  const precheck = <P>(def: TaskDefinitionBase<P>, args: unknown[]): Promise<void> => precheckTaskParams(def, parseTaskParams(def, args), ctx);

  it('accepts an existing input with an existing output folder', async () => {
    await precheck(convert, ['docs/a.md', 'html']);
    await precheck(convert, ['docs/a.md', 'txt', 'docs/out.txt']);
  });

  it('refuses a missing input with invalid_params naming `input`', async () => {
    const error = await rejection(precheck(convert, ['missing.md', 'html']));
    expect(error.uri).to.equal('asexor.error.invalid_params');
    expect(error.issues).to.deep.equal([{ field: 'input', message: 'input: "missing.md" does not exist in the files folder' }]);
  });

  it('refuses a folder given as input and an output in a missing folder', async () => {
    expect((await rejection(precheck(convert, ['docs.md', 'html']))).issues[0]?.field).to.equal('input');
    await mkdir(path.join(filesDir, 'dir.md'));
    expect((await rejection(precheck(convert, ['dir.md', 'html']))).message).to.equal('input: "dir.md" is not a file');
    expect((await rejection(precheck(convert, ['docs/a.md', 'html', 'nowhere/a.html']))).message)
      .to.equal('output: "nowhere/a.html" is in a folder that does not exist in the files folder');
  });

  it('refuses a missing folder for convert_folder and accepts an existing one', async () => {
    await precheck(convertFolder, ['docs', 'txt']);
    expect((await rejection(precheck(convertFolder, ['nope', 'txt']))).issues)
      .to.deep.equal([{ field: 'folder', message: 'folder: "nope" does not exist in the files folder' }]);
  });

  it('checks nothing in a context not made for the submitter (no filesScope: filesDir is the top folder)', async () => {
    await precheckTaskParams(convert, parseTaskParams(convert, ['missing.md', 'html']), { filesDir });
    await precheckTaskParams(convertFolder, parseTaskParams(convertFolder, ['nope', 'txt']), { filesDir });
  });

  it('resolves at once for a task without a precheck', async () => {
    await precheckTaskParams({}, {}, ctx);
  });
});
