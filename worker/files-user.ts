/**
 * Whose folder a call works in (docs/files.md). Every user gets `<filesDir>/<folder name of the authid>/`,
 * created on first use; a role listed in `files.sharedRoles` works in the top folder itself (the folder
 * every user's folder lives in). The task context (TaskContext.filesDir), `asexor.files.*` and the
 * download route all resolve paths inside that folder only.
 *
 * Folder names (`userFolderName`): the authid's UTF-8 bytes, `A-Z a-z 0-9 _ -` and `.` (not first) kept,
 * every other byte as `%XX` (upper-case hex). Reversible (`authidOfFolderName`), never `.`, `..`, hidden
 * or containing `/`, and two authids never share a name. A name that would be longer than
 * MAX_PLAIN_FOLDER_CHARS keeps its first part and ends in `~` + the SHA-256 of the authid (hex): `~`
 * is always escaped in plain names, so the two forms cannot meet.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PathOutsideFilesDirError } from '../shared/errors.ts';

/** The `asexor.files` settings (worker/worker-settings.ts). */
export interface FilesSettings {
  /** Roles that work in the shared top folder instead of a folder of their own. @default [] */
  readonly sharedRoles: readonly string[];
  /** Most bytes one user's folder may hold (docs/files.md "Quota"); null = no quota. @default null */
  readonly quotaBytes: number | null;
}

export const filesSettingsDefaults: FilesSettings = Object.freeze({ sharedRoles: Object.freeze<string[]>([]), quotaBytes: null });

/** Longest plain (escaped) folder name; longer ones are cut and hashed (a name may have 255 bytes). */
export const MAX_PLAIN_FOLDER_CHARS = 180;

/** How much of a long name a hashed one keeps (then `~` and 64 hex digits). */
const HASHED_PREFIX_CHARS = 100;
const KEEP = /^[A-Za-z0-9_-]$/u;

/** The folder name of `authid` inside the top files folder. Pure. */
export function userFolderName(authid: string): string {
  if (authid.length === 0) throw new RangeError('an empty authid has no files folder');
  let name = '';
  let cut = ''; // the first HASHED_PREFIX_CHARS of it at most, whole characters only
  for (const char of authid) {
    const piece = KEEP.test(char) || (char === '.' && name !== '') ? char
      : [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    name += piece;
    if (name.length <= HASHED_PREFIX_CHARS) cut = name;
  }
  if (name.length <= MAX_PLAIN_FOLDER_CHARS) return name;
  return `${cut}~${createHash('sha256').update(authid, 'utf8').digest('hex')}`;
}

/** The authid a plain folder name stands for; undefined for a hashed (long) name or anything else. */
export function authidOfFolderName(name: string): string | undefined {
  if (name.includes('~') || name.length === 0) return undefined;
  try {
    const authid = decodeURIComponent(name);
    return userFolderName(authid) === name ? authid : undefined;
  } catch {
    return undefined;
  }
}

/** Who calls: what decides the folder. */
export interface FilesCaller {
  readonly authid: string;
  readonly authrole: string;
}

/** The folder a caller works in. */
export interface UserFiles {
  /** Absolute. */
  readonly dir: string;
  /** `user`: a folder of the caller's own; `shared`: the top folder (a role of `sharedRoles`). */
  readonly scope: 'user' | 'shared';
  /** `dir` relative to the top folder: the folder name, '' for the top folder. */
  readonly name: string;
}

/** Which folder `caller` works in (no I/O). `top` is the configured files folder, absolute. */
export function userFilesOf(top: string, caller: FilesCaller, settings: FilesSettings = filesSettingsDefaults): UserFiles {
  if (settings.sharedRoles.includes(caller.authrole)) return { dir: top, scope: 'shared', name: '' };
  const name = userFolderName(caller.authid);
  return { dir: path.join(top, name), scope: 'user', name };
}

/**
 * Folders made and checked in the last RECHECK_MS: every task of a user opens their folder, and two
 * file system calls per task (a mkdir and an lstat through the thread pool) were a measurable part of
 * a `date` task's server CPU. A folder replaced meanwhile is still caught by the path checks of the
 * tasks that use files (shared/files-dir.ts), and here again once the entry is older.
 */
const RECHECK_MS = 10_000;
const MAX_OPENED = 10_000;
const opened = new Map<string, number>();

/**
 * The folder of a caller, created when missing (the top folder too). A user's folder must be a real
 * folder: a symlink (or anything else) in its place is refused, so its real path is always
 * `<real top>/<name>`. `recheck: false` takes a check made in the last RECHECK_MS as good (the task
 * path); the files API checks every time.
 */
export async function openUserFiles(top: string, caller: FilesCaller, settings: FilesSettings = filesSettingsDefaults, recheck = true): Promise<UserFiles> {
  const files = userFilesOf(top, caller, settings);
  const now = performance.now();
  if (!recheck && now - (opened.get(files.dir) ?? -Infinity) < RECHECK_MS) return files;
  await mkdir(files.dir, { recursive: true });
  if (files.scope === 'user' && !(await lstat(files.dir)).isDirectory()) {
    opened.delete(files.dir);
    throw new PathOutsideFilesDirError(files.name, 'is not a folder of the files folder (a symlink or a file is in its place); ask the operator');
  }
  if (opened.size >= MAX_OPENED) opened.clear();
  opened.set(files.dir, now);
  return files;
}

/** The folder `name` (a user's folder name, or '' for the top folder) of the top folder, checked to be one level down at most. */
export function folderOf(top: string, name: string): string | undefined {
  if (name === '') return top;
  if (name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.includes('\0')) return undefined;
  return path.join(top, name);
}
