/**
 * User-supplied paths inside the configured files folder. Two layers:
 * - lexical, pure (`relativePathProblem`, `resolveInFilesDir`, `filesPathSchema`): a path must be relative,
 *   '/'-separated, without '..' segments, NUL bytes or control characters, each name at most 255 bytes;
 *   used by params schemas and
 *   by tasks' `args`;
 * - on disk (`realPathInFilesDir`): the real path (symlinks resolved) must stay inside the folder's real
 *   path; used by tasks' `check` right before the process starts.
 * A path that passes both cannot name anything outside the folder, short of a symlink swapped in
 * between the check and the program's open (only someone with shell access to the folder can do that).
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FilesPathNotFoundError, InvalidParamsError, PathOutsideFilesDirError } from './errors.ts';

export const MAX_RELATIVE_PATH_CHARS = 1024;
/** The longest file or folder name, in UTF-8 bytes: what Linux file systems allow (longer ones fail with ENAMETOOLONG). */
export const MAX_NAME_BYTES = 255;
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const CONTROL = /[\u0000-\u001f\u007f]/u;

/** Why `rel` is not a safe relative path (a phrase: "is absolute"), or undefined when it is one. Pure. */
export function relativePathProblem(rel: string): string | undefined {
  if (rel.length === 0) return 'is empty';
  if (rel.length > MAX_RELATIVE_PATH_CHARS) return `is longer than ${MAX_RELATIVE_PATH_CHARS} characters`;
  if (rel.includes('\0')) return 'contains a NUL byte';
  if (CONTROL.test(rel)) return 'contains a control character';
  if (rel.includes('\\')) return "contains a backslash (separate folders with '/')";
  if (rel.startsWith('/')) return 'is absolute';
  const names = rel.split('/');
  if (names.includes('..')) return "contains a '..' segment";
  for (const name of names) {
    const problem = nameBytesProblem(name);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Whether one file or folder name has more than MAX_NAME_BYTES of UTF-8, as a phrase ("has a name of 300 bytes, where at most 255 bytes are allowed"). */
export function nameBytesProblem(name: string): string | undefined {
  if (name.length * 3 <= MAX_NAME_BYTES) return undefined; // at most 3 UTF-8 bytes per UTF-16 unit
  const bytes = Buffer.byteLength(name, 'utf8');
  return bytes > MAX_NAME_BYTES ? `has a name of ${bytes} bytes, where at most ${MAX_NAME_BYTES} bytes are allowed` : undefined;
}

/** `a/./b//c.md` → `a/b/c.md`; `.` and `./` → `.`. Assumes `relativePathProblem(rel)` is undefined. */
export function normalizeRelativePath(rel: string): string {
  const normal = path.posix.normalize(rel);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);
}

/**
 * The absolute path of `rel` inside `filesDir` (absolute), checked lexically. Pure: no file-system
 * access, so symlinks are not looked at (that is `realPathInFilesDir`'s job).
 * Throws PathOutsideFilesDirError naming `field` when given.
 */
export function resolveInFilesDir(filesDir: string, rel: string, field?: string): string {
  if (!path.isAbsolute(filesDir)) throw new RangeError(`the files folder must be an absolute path, got ${JSON.stringify(filesDir)}`);
  const problem = relativePathProblem(rel);
  if (problem !== undefined) throw new PathOutsideFilesDirError(rel, `${problem}; expected a relative path inside the files folder`, field);
  const root = path.resolve(filesDir);
  const absolute = path.resolve(root, rel);
  if (!isInside(root, absolute)) throw new PathOutsideFilesDirError(rel, 'is outside the files folder', field);
  return absolute;
}

/** What `realPathInFilesDir` expects at the path. */
export type FilesPathKind = 'file' | 'folder' | 'new-file';

async function realOrMissing(p: string): Promise<string | undefined> {
  try {
    return await realpath(p);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
    throw error;
  }
}

/**
 * The real path of `rel` inside `filesDir` after resolving every symlink, checked to stay inside the
 * folder's real path. `file` / `folder`: it must exist and be one. `new-file` (an output): its folder
 * must exist inside; the file itself may exist (and is then followed: a symlink out is rejected), but
 * must not be a folder. Throws PathOutsideFilesDirError or FilesPathNotFoundError naming `field`.
 */
export async function realPathInFilesDir(filesDir: string, rel: string, kind: FilesPathKind, field?: string): Promise<string> {
  const lexical = resolveInFilesDir(filesDir, rel, field);
  const root = await realpath(filesDir);
  const outside = (): PathOutsideFilesDirError => new PathOutsideFilesDirError(rel, 'resolves outside the files folder (through a symlink)', field);
  const real = await realOrMissing(lexical);
  if (kind === 'new-file' && real === undefined) {
    const parent = await realOrMissing(path.dirname(lexical));
    if (parent === undefined) throw new FilesPathNotFoundError(rel, 'is in a folder that does not exist in the files folder', field);
    if (!isInside(root, parent)) throw outside();
    // A dangling symlink in place of the file would be followed by the writer, wherever it points.
    if (await isSymlink(lexical)) {
      throw new PathOutsideFilesDirError(rel, 'is a symlink to nowhere (it could point outside the files folder)', field);
    }
    return path.join(parent, path.basename(lexical));
  }
  if (real === undefined) throw new FilesPathNotFoundError(rel, 'does not exist in the files folder', field);
  if (!isInside(root, real)) throw outside();
  const stats = await stat(real);
  if (kind === 'folder' ? !stats.isDirectory() : !stats.isFile()) {
    throw new FilesPathNotFoundError(rel, kind === 'folder' ? 'is not a folder' : 'is not a file', field);
  }
  return real;
}

/**
 * The files folder's path errors (PathOutsideFilesDirError, FilesPathNotFoundError) as an
 * InvalidParamsError issue of `field`, so a client learns which param was wrong; anything else unchanged.
 */
export function asParamsError(error: unknown, field = 'path'): unknown {
  if (error instanceof PathOutsideFilesDirError || error instanceof FilesPathNotFoundError) {
    return new InvalidParamsError([{ field, message: error.message.startsWith(`${field}: `) ? error.message : `${field}: ${error.message}` }]);
  }
  return error;
}

async function isSymlink(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The JSON Schema `format` of a files-folder path in `asexor.control.list` (the web app offers a file picker for it). */
export const FILES_PATH_FORMAT = 'asexor-files-path';

/**
 * A params field holding a relative path inside the files folder (lexical checks; pair it with
 * `realPathInFilesDir` in the task's `check`). `extensions` limits the file name's extension (any case).
 * Its JSON Schema says `"format": "asexor-files-path"`.
 */
export function filesPathSchema(options: { readonly extensions?: readonly string[] } = {}) {
  const extensions = options.extensions?.map((ext) => ext.toLowerCase());
  return z.string({ error: 'expected a relative path (a string) inside the files folder' }).meta({ format: FILES_PATH_FORMAT }).superRefine((value, ctx) => {
    const problem = relativePathProblem(value);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a relative path inside the files folder (this one ${problem})` });
      return;
    }
    const ext = path.posix.extname(value).slice(1).toLowerCase();
    if (extensions !== undefined && !extensions.includes(ext)) {
      ctx.addIssue({ code: 'custom', message: `expected a file name ending in ${extensionList(extensions)}` });
    }
  });
}

/** `['md', 'html']` → `.md or .html` */
export function extensionList(extensions: readonly string[]): string {
  const dotted = extensions.map((ext) => `.${ext}`);
  return dotted.length <= 1 ? (dotted[0] ?? '') : `${dotted.slice(0, -1).join(', ')} or ${dotted.at(-1) ?? ''}`;
}
