/**
 * Removes, when a worker starts, the temporary outputs (`.asexor-partial-<16 hex>[.ext]`,
 * worker/files-outputs.ts) that a worker killed mid-run left in the files folder (docs/files.md
 * "Outputs"). Only regular files whose name matches that pattern exactly are removed, found with
 * readdir and lstat: symlinks (to files or folders) are neither followed nor removed, and a folder
 * whose real path is not the path walked (a symlink swapped in) is skipped.
 *
 * Several workers may share the files folder (docs/many-workers.md), and a starting worker cannot tell
 * whether another live worker is writing a given temporary file. So only files last modified longer
 * ago than `olderThanMs` go: with the longest task timeout of the registry plus a margin
 * (`partialOutputAgeMs`), any run that could still be writing such a file has been stopped by then.
 * Younger leftovers stay (hidden, counted by the quota) until a later start.
 */
import { lstat, readdir, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../shared/logger.ts';
import { taskDefaults, type TaskDefinition } from '../shared/task.ts';
import { PARTIAL_PREFIX } from './files-outputs.ts';

/** `.asexor-partial-` + 16 lowercase hex digits + an optional extension of 1 to 15 characters (no dot, no slash). */
const PARTIAL_NAME = new RegExp(`^${PARTIAL_PREFIX.replaceAll('.', '\\.')}[0-9a-f]{16}(?:\\.[^./]{1,15})?$`);

/**
 * Added to the longest task timeout: the kill grace of the runner (2 s by default), the grace of a custom
 * task after its signal (5 s, worker/task-execute.ts) and the time to discard the outputs, with room to spare.
 */
export const PARTIAL_AGE_MARGIN_MS = 5 * 60_000;

/** Whether `name` is a temporary output's name. */
export function isPartialOutputName(name: string): boolean {
  return PARTIAL_NAME.test(name);
}

/** The age past which no run can still write a temporary output: the longest task timeout plus the margin. */
export function partialOutputAgeMs(definitions: Iterable<TaskDefinition>): number {
  let longest: number = taskDefaults.timeoutMs;
  for (const def of definitions) longest = Math.max(longest, def.timeoutMs ?? taskDefaults.timeoutMs);
  return longest + PARTIAL_AGE_MARGIN_MS;
}

export interface SweepOptions {
  /** The files folder, absolute. */
  readonly filesDir: string;
  /** Files modified less than this long ago stay, ms. */
  readonly olderThanMs: number;
  readonly logger: Logger;
  /** Milliseconds now. @default Date.now */
  readonly now?: () => number;
}

export interface SweepResult {
  readonly removed: number;
  /** Temporary outputs younger than `olderThanMs`, left in place. */
  readonly kept: number;
  readonly failed: number;
}

/** Walks the files folder and removes the old temporary outputs; logs what it did. Never rejects. */
export async function sweepPartialOutputs(options: SweepOptions): Promise<SweepResult> {
  const log = options.logger.child({ component: 'files-sweep' });
  const cutoff = (options.now ?? Date.now)() - options.olderThanMs;
  const result = { removed: 0, kept: 0, failed: 0 };
  let top: string;
  try {
    top = await realpath(options.filesDir);
  } catch {
    return result; // no files folder yet: nothing left behind
  }
  const stack = [top];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    // A folder replaced by a symlink since it was listed resolves elsewhere: not walked.
    if (await realpath(dir).catch(() => undefined) !== dir) continue;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(absolute);
      else if (entry.isFile() && isPartialOutputName(entry.name)) await sweepOne(absolute, cutoff, result);
    }
  }
  const fields = { filesDir: top, removed: result.removed, kept: result.kept, failed: result.failed, olderThanMs: options.olderThanMs };
  if (result.failed > 0) log.warn(fields, 'could not remove some temporary outputs left by a stopped worker');
  else if (result.removed + result.kept > 0) log.info(fields, 'removed temporary outputs left by a stopped worker');
  else log.debug(fields, 'no temporary outputs left by a stopped worker');
  return result;
}

async function sweepOne(file: string, cutoff: number, result: { removed: number; kept: number; failed: number }): Promise<void> {
  const stats = await lstat(file).catch(() => undefined);
  if (stats?.isFile() !== true) return; // gone, or no longer a regular file
  if (stats.mtimeMs > cutoff) {
    result.kept++;
    return;
  }
  try {
    await unlink(file); // never follows a symlink: at worst removes a link put there meanwhile
    result.removed++;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') result.failed++;
  }
}
