import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { z } from 'zod';
import { FilesPathNotFoundError, PathOutsideFilesDirError } from '../../../shared/errors.ts';
import {
  FILES_PATH_FORMAT, filesPathSchema, normalizeRelativePath, realPathInFilesDir, relativePathProblem, resolveInFilesDir,
} from '../../../shared/files-dir.ts';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.fail('expected a rejection');
}

describe('files-dir', () => {
  describe('relativePathProblem / resolveInFilesDir (lexical)', () => {
    it('accepts relative paths and resolves them inside the folder', () => {
      for (const rel of ['a.md', 'sub/a.md', './a.md', 'a/./b/c', 'dir/', '.', '-rf.md', 'x..y.md']) {
        expect(relativePathProblem(rel), rel).to.equal(undefined);
      }
      expect(resolveInFilesDir('/srv/files', 'sub/a.md')).to.equal('/srv/files/sub/a.md');
      expect(resolveInFilesDir('/srv/files', '.')).to.equal('/srv/files');
      expect(resolveInFilesDir('/srv/files', '-rf.md')).to.equal('/srv/files/-rf.md');
    });

    const bad: [string, string][] = [
      ['/etc/passwd', 'is absolute'],
      ['../secret.md', "contains a '..' segment"],
      ['sub/../../secret.md', "contains a '..' segment"],
      ['sub/..', "contains a '..' segment"],
      ['a\0.md', 'contains a NUL byte'],
      ['a\n.md', 'contains a control character'],
      ['sub\\..\\x.md', "contains a backslash (separate folders with '/')"],
      ['', 'is empty'],
      ['a'.repeat(1025), 'is longer than 1024 characters'],
    ];
    for (const [rel, problem] of bad) {
      it(`rejects ${JSON.stringify(rel.slice(0, 20))}: ${problem}`, () => {
        expect(relativePathProblem(rel)).to.equal(problem);
        expect(() => resolveInFilesDir('/srv/files', rel, 'input'))
          .to.throw(PathOutsideFilesDirError, `input: ${JSON.stringify(rel)} ${problem}; expected a relative path inside the files folder`);
      });
    }

    it('requires an absolute files folder', () => {
      expect(() => resolveInFilesDir('files', 'a.md')).to.throw(RangeError, 'the files folder must be an absolute path');
    });

    it('normalizes redundant segments', () => {
      expect(normalizeRelativePath('./a//b/./c.md')).to.equal('a/b/c.md');
      expect(normalizeRelativePath('dir/')).to.equal('dir');
      expect(normalizeRelativePath('./')).to.equal('.');
    });
  });

  describe('filesPathSchema', () => {
    it('is marked in JSON Schema with format asexor-files-path (what the web app offers a file picker for)', () => {
      const schema = z.toJSONSchema(z.object({ input: filesPathSchema({ extensions: ['md'] }).describe('doc') }), { io: 'input' });
      expect(schema.properties?.['input']).to.deep.include({ type: 'string', format: FILES_PATH_FORMAT, description: 'doc' });
    });

    it('accepts a relative path with an allowed extension, in any case', () => {
      expect(filesPathSchema({ extensions: ['md'] }).parse('sub/Read.MD')).to.equal('sub/Read.MD');
    });

    it('rejects escapes and other extensions with an "expected ..." message', () => {
      const schema = filesPathSchema({ extensions: ['md', 'html'] });
      expect(schema.safeParse('../a.md').error?.issues[0]?.message)
        .to.equal("expected a relative path inside the files folder (this one contains a '..' segment)");
      expect(schema.safeParse('a.pdf').error?.issues[0]?.message).to.equal('expected a file name ending in .md or .html');
      expect(schema.safeParse(5).error?.issues[0]?.message).to.equal('expected a relative path (a string) inside the files folder');
    });
  });

  describe('realPathInFilesDir (real temp folders)', () => {
    let root: string;
    let files: string;
    let outside: string;

    beforeEach(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'asexor-files-'));
      files = path.join(root, 'files');
      outside = path.join(root, 'outside');
      await mkdir(path.join(files, 'sub'), { recursive: true });
      await mkdir(outside);
      await writeFile(path.join(files, 'sub', 'doc.md'), '# doc\n');
      await writeFile(path.join(outside, 'secret.md'), '# secret\n');
      await symlink(path.join(outside, 'secret.md'), path.join(files, 'escape.md'));
      await symlink(outside, path.join(files, 'out'));
      await symlink('sub/doc.md', path.join(files, 'alias.md'));
      await symlink(path.join(outside, 'missing.md'), path.join(files, 'dangling.md'));
    });

    afterEach(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('returns the real path of a file inside the folder, following symlinks that stay inside', async () => {
      expect(await realPathInFilesDir(files, 'sub/doc.md', 'file')).to.match(/files\/sub\/doc\.md$/);
      expect(await realPathInFilesDir(files, 'alias.md', 'file')).to.match(/files\/sub\/doc\.md$/);
      expect(await realPathInFilesDir(files, 'sub', 'folder')).to.match(/files\/sub$/);
      expect(await realPathInFilesDir(files, '.', 'folder')).to.match(/files$/);
    });

    it('rejects a symlinked file that points outside the folder', async () => {
      const error = await rejection(realPathInFilesDir(files, 'escape.md', 'file', 'input'));
      expect(error).to.be.instanceOf(PathOutsideFilesDirError);
      expect(error.message).to.equal('input: "escape.md" resolves outside the files folder (through a symlink)');
    });

    it('rejects a path through a symlinked folder that points outside', async () => {
      expect(await rejection(realPathInFilesDir(files, 'out/secret.md', 'file'))).to.be.instanceOf(PathOutsideFilesDirError);
      expect(await rejection(realPathInFilesDir(files, 'out', 'folder'))).to.be.instanceOf(PathOutsideFilesDirError);
      expect(await rejection(realPathInFilesDir(files, 'out/new.epub', 'new-file'))).to.be.instanceOf(PathOutsideFilesDirError);
    });

    it('rejects a dangling symlink as a new file (the writer would follow it)', async () => {
      const error = await rejection(realPathInFilesDir(files, 'dangling.md', 'new-file', 'output'));
      expect(error).to.be.instanceOf(PathOutsideFilesDirError);
      expect(error.message).to.equal('output: "dangling.md" is a symlink to nowhere (it could point outside the files folder)');
    });

    it('accepts a new file in an existing folder, and an existing file to overwrite', async () => {
      expect(await realPathInFilesDir(files, 'sub/new.epub', 'new-file')).to.match(/files\/sub\/new\.epub$/);
      expect(await realPathInFilesDir(files, 'sub/doc.md', 'new-file')).to.match(/files\/sub\/doc\.md$/);
    });

    it('reports missing files, missing folders and the wrong kind clearly', async () => {
      const missing = await rejection(realPathInFilesDir(files, 'nope.md', 'file', 'input'));
      expect(missing).to.be.instanceOf(FilesPathNotFoundError);
      expect(missing.message).to.equal('input: "nope.md" does not exist in the files folder');
      expect((await rejection(realPathInFilesDir(files, 'no/dir/x.epub', 'new-file'))).message)
        .to.equal('"no/dir/x.epub" is in a folder that does not exist in the files folder');
      expect((await rejection(realPathInFilesDir(files, 'sub', 'file'))).message).to.equal('"sub" is not a file');
      expect((await rejection(realPathInFilesDir(files, 'sub/doc.md', 'folder'))).message).to.equal('"sub/doc.md" is not a folder');
      expect((await rejection(realPathInFilesDir(files, 'sub', 'new-file'))).message).to.equal('"sub" is not a file');
    });

    it('still rejects lexical escapes before touching the disk', async () => {
      expect(await rejection(realPathInFilesDir(files, '../outside/secret.md', 'file'))).to.be.instanceOf(PathOutsideFilesDirError);
      expect(await rejection(realPathInFilesDir(files, path.join(outside, 'secret.md'), 'file'))).to.be.instanceOf(PathOutsideFilesDirError);
    });

    it('works when the files folder itself is reached through a symlink', async () => {
      const link = path.join(root, 'files-link');
      await symlink(files, link);
      expect(await realPathInFilesDir(link, 'sub/doc.md', 'file')).to.match(/files\/sub\/doc\.md$/);
      expect(await rejection(realPathInFilesDir(link, 'escape.md', 'file'))).to.be.instanceOf(PathOutsideFilesDirError);
    });
  });
});
