/**
 * The output files of one task run (TaskContext.outputFile, docs/files.md "Outputs"): the program
 * writes each to a hidden temporary name in the output's own folder (`.asexor-partial-<random>[.ext]`:
 * hidden, so `files.list` skips it and the files procedures refuse it); `commit` renames them to
 * their names when the task succeeded (rename(2): atomic, replaces a symlink in the way rather than
 * following it), `discard` removes them otherwise. A file the user had under that name stays as it
 * was until the task succeeded. A worker killed mid-run leaves its temporary files behind (hidden,
 * counted by the quota).
 */
import { randomBytes } from 'node:crypto';
import { lstat, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { resolveInFilesDir } from '../shared/files-dir.ts';

/** Longest extension kept on a temporary name (`.epub`, `.docx`, …). */
const MAX_KEPT_EXTENSION = 16;

async function sizeOf(file: string): Promise<number> {
  const stats = await lstat(file).catch(() => undefined);
  return stats?.isFile() === true ? stats.size : 0;
}

export class TaskOutputs {
  readonly #dir: string;
  /** Final absolute path → temporary absolute path. */
  readonly #files = new Map<string, string>();

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
      temporary = path.join(path.dirname(final), `.asexor-partial-${randomBytes(8).toString('hex')}${suffix}`);
      this.#files.set(final, temporary);
    }
    return temporary;
  };

  get size(): number {
    return this.#files.size;
  }

  /** Bytes written so far, over every temporary file. */
  async writtenBytes(): Promise<number> {
    let bytes = 0;
    for (const temporary of this.#files.values()) bytes += await sizeOf(temporary);
    return bytes;
  }

  /** Bytes of the files the outputs will replace (the user's old versions). */
  async replacedBytes(): Promise<number> {
    let bytes = 0;
    for (const final of this.#files.keys()) bytes += await sizeOf(final);
    return bytes;
  }

  /** Renames every written temporary file to its name; one the program did not write is skipped. */
  async commit(): Promise<void> {
    for (const [final, temporary] of this.#files) {
      try {
        await rename(temporary, final);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    this.#files.clear();
  }

  /** Removes every temporary file (a failed, timed-out or cancelled run, or one over quota). */
  async discard(): Promise<void> {
    await Promise.all([...this.#files.values()].map((temporary) => rm(temporary, { force: true })));
    this.#files.clear();
  }
}
