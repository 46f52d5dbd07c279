import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FilesPathNotFoundError, InvalidParamsError, PathOutsideFilesDirError } from '../../../shared/errors.ts';
import type { TaskContext } from '../../../shared/task.ts';
import { parseTaskParams } from '../../../shared/task-params.ts';
import convertFolder, { selectInputs } from '../../../tasks/convert-folder.ts';
import convert, { GUARD_FILTER, PANDOC_MAX_HEAP } from '../../../tasks/convert.ts';

const ctx: TaskContext = { filesDir: '/srv/files' };
const params = (args: unknown[], kwargs: Record<string, unknown> = {}) => parseTaskParams(convert, args, kwargs);
const argv = (args: unknown[], kwargs: Record<string, unknown> = {}) => convert.args(params(args, kwargs), ctx);
const HEAD = ['+RTS', `-M${PANDOC_MAX_HEAP}`, '-RTS'];

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.fail('expected a rejection');
}

describe('convert (pandoc)', () => {
  describe('args / result (pure)', () => {
    it('writes to the temporary name TaskContext.outputFile gives (worker/files-outputs.ts) when there is one', () => {
      const asked: string[] = [];
      const withOutputs: TaskContext = { filesDir: '/srv/files/alice', filesScope: 'user', outputFile: (rel) => { asked.push(rel); return `/srv/files/alice/.tmp-${rel.replaceAll('/', '_')}`; } };
      const args = convert.args(params(['books/a.md', 'epub']), withOutputs);
      expect(args).to.include('--output=/srv/files/alice/.tmp-books_a.epub').and.include('--metadata=asexor-files-root=/srv/files/alice');
      expect(asked).to.deep.equal(['books/a.epub']);
    });

    it('converts Markdown to EPUB next to the input, with absolute paths after "--"', () => {
      expect(argv(['books/a.md', 'epub'])).to.deep.equal([...HEAD, '--from=markdown', '--to=epub',
        '--metadata=asexor-files-root=/srv/files', `--lua-filter=${GUARD_FILTER}`, '--output=/srv/files/books/a.epub', '--', '/srv/files/books/a.md']);
      expect(convert.result?.({ stdout: '', stderr: '', exitCode: 0 }, params(['books/a.md', 'epub']), ctx))
        .to.deep.equal({ output: 'books/a.epub' });
    });

    it('maps each input extension to its reader and each target to its writer (txt = plain)', () => {
      expect(argv(['a.HTM', 'docx'])).to.include.members(['--from=html', '--to=docx', '--output=/srv/files/a.docx']);
      expect(argv(['./a.docx', 'txt'])).to.include.members(['--from=docx', '--to=plain', '--output=/srv/files/a.txt']);
      expect(argv(['a.markdown', 'html'])).to.include.members(['--from=markdown', '--to=html', '--standalone']);
      expect(argv(['a.md', 'epub'])).to.not.include('--standalone');
    });

    it('writes to `output` when given, normalized in the result', () => {
      expect(argv(['a.md', 'html', 'out/./b.html'])).to.include('--output=/srv/files/out/b.html');
      expect(convert.result?.({ stdout: '', stderr: '', exitCode: 0 }, params(['a.md', 'html'], { output: 'out/./b.html' }), ctx))
        .to.deep.equal({ output: 'out/b.html' });
    });

    it("runs in the input's folder (relative images), with remote fetching blocked", () => {
      expect(convert.cwd instanceof Function ? convert.cwd(params(['x/y/a.md', 'epub']), ctx) : undefined).to.equal('/srv/files/x/y');
      expect(convert.env).to.include({ http_proxy: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9', no_proxy: '' });
    });

    const rejected: [string, unknown[], Record<string, unknown>, string][] = [
      ['an input escaping with ".."', ['../a.md', 'epub'], {}, 'input: expected a relative path inside the files folder (this one contains a \'..\' segment), got "../a.md" (string)'],
      ['an absolute input', ['/etc/passwd.md', 'epub'], {}, 'input: expected a relative path inside the files folder (this one is absolute)'],
      ['an unsupported input extension', ['a.pdf', 'epub'], {}, 'input: expected a file name ending in .md, .markdown, .html, .htm or .docx, got "a.pdf" (string)'],
      ['an unknown target', ['a.md', 'pdf'], {}, "to: expected one of 'epub', 'html', 'docx' or 'txt', got \"pdf\" (string)"],
      ['an output escaping the folder', ['a.md', 'epub'], { output: 'x/../../b.epub' }, 'output: expected a relative path inside the files folder'],
      ['an output with the wrong extension', ['a.md', 'epub'], { output: 'b.html' }, 'output: expected a file name ending in .epub (to is epub), got "b.html" (string)'],
      ['a same-format conversion onto the input', ['a.html', 'html'], {}, 'output: missing, expected an output path other than the input (converting html to html would overwrite it)'],
      ['an output naming the input', ['a.html', 'html'], { output: './a.html' }, 'output: expected an output path other than the input'],
    ];
    for (const [what, args, kwargs, message] of rejected) {
      it(`rejects ${what}`, () => {
        expect(() => params(args, kwargs)).to.throw(InvalidParamsError, message);
      });
    }

    it('rejects escaping paths in args too, should a caller skip validation', () => {
      expect(() => convert.args({ input: '../a.md', to: 'epub' }, ctx)).to.throw(PathOutsideFilesDirError, 'input: "../a.md" contains a \'..\' segment');
      expect(() => convert.args({ input: 'a.md', to: 'epub', output: '/tmp/x.epub' }, ctx)).to.throw(PathOutsideFilesDirError, 'output: "/tmp/x.epub" is absolute');
    });
  });

  describe('check and convert_folder (real temp folders)', () => {
    let root: string;
    let files: string;
    let real: TaskContext;

    before(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'asexor-convert-'));
      files = path.join(root, 'files');
      await mkdir(path.join(files, 'docs', 'nested'), { recursive: true });
      for (const name of ['b.html', 'a.md', 'c.docx', '.hidden.md', 'notes.txt', 'nested/d.md']) {
        await writeFile(path.join(files, 'docs', name), 'x');
      }
      await writeFile(path.join(root, 'secret.md'), '# secret');
      await symlink(path.join(root, 'secret.md'), path.join(files, 'docs', 'e.md'));
      await symlink('b.html', path.join(files, 'docs', 'same.html'));
      real = { filesDir: files };
    });

    after(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('passes for a file inside the folder', async () => {
      expect(await convert.check?.(params(['docs/a.md', 'epub']), real)).to.equal(undefined);
    });

    it('rejects an input symlinked to a file outside the folder', async () => {
      const error = await rejection(convert.check?.(params(['docs/e.md', 'epub']), real) ?? Promise.resolve());
      expect(error).to.be.instanceOf(PathOutsideFilesDirError);
      expect(error.message).to.equal('input: "docs/e.md" resolves outside the files folder (through a symlink)');
    });

    it('rejects a missing input and an output that is (a symlink to) the input', async () => {
      expect(await rejection(convert.check?.(params(['docs/none.md', 'epub']), real) ?? Promise.resolve())).to.be.instanceOf(FilesPathNotFoundError);
      const error = await rejection(convert.check?.(params(['docs/b.html', 'html', 'docs/same.html']), real) ?? Promise.resolve());
      expect(error.message).to.equal('output: resolves to the input file itself');
    });

    it('makes one convert subtask per matching file, in name order, skipping hidden and same-format files', async () => {
      const subtasks = await convertFolder.subtasks(parseTaskParams(convertFolder, ['docs', 'html']), real);
      expect(subtasks).to.deep.equal([
        { task: 'convert', params: { input: 'docs/a.md', to: 'html' } },
        { task: 'convert', params: { input: 'docs/c.docx', to: 'html' } },
        { task: 'convert', params: { input: 'docs/e.md', to: 'html' } },
      ]);
    });

    it('filters by extension, and lists the files folder itself for "."', async () => {
      const subtasks = await convertFolder.subtasks(parseTaskParams(convertFolder, ['./docs/', 'epub'], { extensions: ['html', 'docx'] }), real);
      expect(subtasks.map((s) => s.params['input'])).to.deep.equal(['docs/b.html', 'docs/c.docx', 'docs/same.html']);
      expect(await convertFolder.subtasks(parseTaskParams(convertFolder, [], { to: 'epub' }), real)).to.deep.equal([]);
    });

    it('rejects a folder outside the files folder', async () => {
      expect(() => parseTaskParams(convertFolder, ['..', 'epub'])).to.throw(InvalidParamsError, "folder: expected a relative path inside the files folder (this one contains a '..' segment)");
      await symlink(root, path.join(files, 'up'));
      expect(await rejection(convertFolder.subtasks(parseTaskParams(convertFolder, ['up', 'epub']), real))).to.be.instanceOf(PathOutsideFilesDirError);
    });

    it('selects inputs purely from names', () => {
      expect(selectInputs(['z.MD', 'a.docx', 'x.DOCX', '.a.md', 'b'], 'docx')).to.deep.equal(['z.MD']);
    });
  });
});
