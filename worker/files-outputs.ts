/**
 * The output files of one task run (TaskContext.outputFile, docs/files.md "Outputs"): the program
 * writes each to a hidden temporary name in the output's own folder (`.asexor-partial-<random>[.ext]`:
 * hidden, so `files.list` skips it and the files procedures refuse it); `commit` renames them to
 * their names when the task succeeded (rename(2): atomic, replaces a symlink in the way rather than
 * following it), `discard` removes them otherwise. A file the user had under that name stays as it
 * was until the task succeeded. A worker killed mid-run leaves its temporary files behind (hidden,
 * counted by the quota); a later start removes them once no run can still write them (worker/files-sweep.ts).
 *
 * For the quota (docs/files.md "Quota") a run is in the folder's in-flight ledger (worker/files-inflight.ts)
 * from its first output to its commit or discard: `writtenBytes` is what the run's outputs count against
 * the folder, its own temporaries plus those of the same user's other runs in this process plus what
 * the folder grew by since the run's base was taken (`replacedBytes`, called right after the base), so
 * concurrent runs and uploads of one user count each other and cannot together go over the quota.
 */
import { randomBytes } from 'node:crypto';
import { lstat, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { resolveInFilesDir } from '../shared/files-dir.ts';
import { enterRun, folderGrew, grownBytes, inFlightBytes, leaveRun, type InFlightRun } from './files-inflight.ts';

/** Longest extension kept on a temporary name (`.epub`, `.docx`, …). */
const MAX_KEPT_EXTENSION = 16;

async function sizeOf(file: string): Promise<number> {
  const stats = await lstat(file).catch(() => undefined);
  return stats?.isFile() === true ? stats.size : 0;
}

/** The hidden temporary name of an output: `.asexor-partial-<16 hex>` plus the output's extension (worker/files-sweep.ts matches it). */
export const PARTIAL_PREFIX = '.asexor-partial-';

export class TaskOutputs implements InFlightRun {
  readonly #dir: string;
  /** Final absolute path → temporary absolute path. */
  readonly #files = new Map<string, string>();
  /** The folder's growth counter when the run's base was taken (first `replacedBytes`). */
  #grownAtBase: number | undefined;

  /** `dir`: the user's files folder, absolute. */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /** TaskContext.outputFile: the temporary name the program writes `rel` to. */
  readonly path = (rel: string): string => {
    const final = resolveInFilesDir(this.#dir, rel, 'output');
    let temporary = this.#files.get(final);
    if (temporary === undefined) {
      const ext = path.extname(final);
      const suffix = ext.length > 1 && ext.length <= MAX_KEPT_EXTENSION ? ext : '';
      temporary = path.join(path.dirname(final), `${PARTIAL_PREFIX}${randomBytes(8).toString('hex')}${suffix}`);
      if (this.#files.size === 0) enterRun(this.#dir, this);
      this.#files.set(final, temporary);
    }
    return temporary;
  };

  get size(): number {
    return this.#files.size;
  }

  /** InFlightRun: the temporary files, absolute. */
  temporaries(): Iterable<string> {
    return this.#files.values();
  }

  /**
   * Bytes the outputs count against the folder: this run's temporary files, the other runs' of the
   * folder in flight in this process, and what the folder grew by since this run's base was taken.
   */
  async writtenBytes(): Promise<number> {
    const others = this.#files.size === 0 ? 0 : await inFlightBytes(this.#dir, this);
    const grown = this.#grownAtBase === undefined ? 0 : grownBytes(this.#dir) - this.#grownAtBase;
    return await this.#ownBytes() + others + Math.max(0, grown);
  }

  /** Bytes of the files the outputs will replace (the user's old versions); the first call marks the run's base. */
  async replacedBytes(): Promise<number> {
    this.#grownAtBase ??= grownBytes(this.#dir);
    let bytes = 0;
    for (const final of this.#files.keys()) bytes += await sizeOf(final);
    return bytes;
  }

  async #ownBytes(): Promise<number> {
    let bytes = 0;
    for (const temporary of this.#files.values()) bytes += await sizeOf(temporary);
    return bytes;
  }

  /** Renames every written temporary file to its name; one the program did not write is skipped. */
  async commit(): Promise<void> {
    let grown = 0;
    try {
      for (const [final, temporary] of this.#files) {
        const size = await sizeOf(temporary);
        const replaced = await sizeOf(final);
        try {
          await rename(temporary, final);
          grown += size - replaced;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
    } finally {
      if (this.#files.size > 0) {
        folderGrew(this.#dir, grown, true);
        leaveRun(this.#dir, this);
      }
    }
    this.#files.clear();
  }

  /** Removes every temporary file (a failed, timed-out or cancelled run, or one over quota). */
  async discard(): Promise<void> {
    await Promise.all([...this.#files.values()].map((temporary) => rm(temporary, { force: true })));
    leaveRun(this.#dir, this);
    this.#files.clear();
  }
}
