/**
 * Writing an uploaded file into the files folder (`files.upload`, docs/web-api.md). `rel` was checked
 * by worker/files-path.ts. Folders on the way are created; the deepest one that exists must resolve
 * (symlinks followed) inside the folder, so nothing is ever created outside it.
 * - without overwrite: created with O_EXCL (`wx`), which also refuses a symlink in place of the file;
 *   an existing path is an InvalidParamsError telling to pass `overwrite: true`;
 * - with overwrite: written to a hidden temporary file next to it, then renamed over it (readers see
 *   the old or the new content, never a mix; a symlink in its place is replaced, not followed);
 *   a folder in its place is an InvalidParamsError.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidParamsError, PathOutsideFilesDirError } from '../shared/errors.ts';
import { resolveInFilesDir } from '../shared/files-dir.ts';

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function pathIssue(rel: string, message: string): InvalidParamsError {
  return new InvalidParamsError([{ field: 'path', message: `path: ${JSON.stringify(rel)} ${message}` }]);
}

/** Creates the missing folders of `absoluteDir` after checking that its deepest existing one is inside `root`. */
async function ensureFolder(root: string, absoluteDir: string, rel: string): Promise<void> {
  let existing = absoluteDir;
  for (;;) {
    try {
      const real = await realpath(existing);
      if (!isInside(root, real)) throw new PathOutsideFilesDirError(rel, 'resolves outside the files folder (through a symlink)', 'path');
      break;
    } catch (error) {
      if (error instanceof PathOutsideFilesDirError) throw error;
      const code = errnoOf(error);
      if (code === 'ENOTDIR') throw pathIssue(rel, 'is inside something that is not a folder');
      if (code !== 'ENOENT' || existing === root) throw error;
      existing = path.dirname(existing);
    }
  }
  try {
    await mkdir(absoluteDir, { recursive: true });
  } catch (error) {
    if (errnoOf(error) === 'EEXIST' || errnoOf(error) === 'ENOTDIR') throw pathIssue(rel, 'is inside something that is not a folder');
    throw error;
  }
}

export async function writeUpload(filesDir: string, rel: string, data: Uint8Array, overwrite: boolean): Promise<void> {
  const root = await realpath(filesDir);
  const target = resolveInFilesDir(root, rel, 'path');
  await ensureFolder(root, path.dirname(target), rel);
  if (!overwrite) {
    try {
      await writeFile(target, data, { flag: 'wx' });
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') throw pathIssue(rel, 'already exists; pass overwrite: true to replace it');
      if (errnoOf(error) === 'EISDIR') throw pathIssue(rel, 'is a folder');
      throw error;
    }
    return;
  }
  const existing = await lstat(target).catch(() => undefined);
  if (existing?.isDirectory() === true) throw pathIssue(rel, 'is a folder; it cannot be overwritten by a file');
  const temporary = path.join(path.dirname(target), `.upload-${randomBytes(8).toString('hex')}`);
  try {
    await writeFile(temporary, data, { flag: 'wx' });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    if (errnoOf(error) === 'EISDIR' || errnoOf(error) === 'ENOTEMPTY') throw pathIssue(rel, 'is a folder; it cannot be overwritten by a file');
    throw error;
  }
}
