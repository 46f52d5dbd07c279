/**
 * `files.list` (docs/web-api.md): the regular files under the files folder, as relative POSIX paths
 * sorted by code unit, at most MAX_FILES_LISTED. Hidden names (starting with '.') are skipped, files and
 * folders alike. Symlinks: one to a regular file is listed when its real path is inside the folder
 * (size and mtime of the target); symlinked folders are never entered (no loops, no escape). The
 * walk visits at most MAX_ENTRIES_VISITED entries and MAX_DEPTH levels, so a huge tree costs bounded time.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export const MAX_FILES_LISTED = 1000;
export const MAX_ENTRIES_VISITED = 50_000;
export const MAX_DEPTH = 32;

/** One file of the listing. */
export interface FileEntry {
  /** Relative to the files folder, '/'-separated. */
  readonly path: string;
  /** Bytes. */
  readonly size: number;
  /** Last modification, ISO 8601 UTC. */
  readonly mtime: string;
}

function isInside(root: string, candidate: string): boolean {
  return candidate.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);
}

async function entriesOf(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // removed or unreadable meanwhile: nothing to list there
  }
}

/** A listed file, or undefined (gone, not a regular file, a symlink leading out). */
async function fileEntry(root: string, absolute: string, rel: string, symlink: boolean): Promise<FileEntry | undefined> {
  try {
    if (symlink && !isInside(root, await realpath(absolute))) return undefined;
    const stats = symlink ? await stat(absolute) : await lstat(absolute);
    return stats.isFile() ? { path: rel, size: stats.size, mtime: stats.mtime.toISOString() } : undefined;
  } catch {
    return undefined;
  }
}

export async function listFiles(filesDir: string, max = MAX_FILES_LISTED): Promise<FileEntry[]> {
  const root = await realpath(filesDir);
  const found: FileEntry[] = [];
  let visited = 0;
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    for (const entry of await entriesOf(dir)) {
      if (++visited > MAX_ENTRIES_VISITED) return;
      if (entry.name.startsWith('.')) continue;
      const absolute = path.join(dir, entry.name);
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(absolute, rel, depth + 1);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        const file = await fileEntry(root, absolute, rel, entry.isSymbolicLink());
        if (file !== undefined) found.push(file);
      }
    }
  };
  await walk(root, '', 1);
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return found.slice(0, Math.max(0, max));
}
