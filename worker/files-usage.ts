/**
 * How many bytes a user's folder holds, for the optional quota (`asexor.files.quotaBytes`, docs/files.md):
 * the apparent sizes (`st_size`) of every regular file under it, hidden ones (temporary outputs and
 * uploads) included, found with lstat (symlinks are not followed and count 0). A measurement is
 * cached per folder for `ttlMs` (default USAGE_TTL_MS) and adjusted by what the worker itself writes
 * (`add`), so a burst of uploads does not walk the tree each time; files changed by other means show
 * up at the next measurement. The cached figure leaves out the temporary files of the outputs this
 * process is writing (worker/files-inflight.ts, which every quota check adds live), and a commit of
 * outputs into the folder makes it stale.
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { currentStamp, inFlightTemporaries, lastCommitStamp } from './files-inflight.ts';
import type { FilesSettings } from './files-user.ts';

export const USAGE_TTL_MS = 10_000;
/** Cached folders kept; past this the oldest entries go. */
const MAX_CACHED = 10_000;

/** Bytes of the regular files under `dir` (0 when it is missing). */
export async function measureFolder(dir: string): Promise<number> {
  return (await measureParts(dir, new Set())).total;
}

/** Bytes of the regular files under `dir`, and how many of them are in `temporaries` (absolute paths). */
async function measureParts(dir: string, temporaries: ReadonlySet<string>): Promise<{ total: number; temporary: number }> {
  let bytes = 0;
  let temporary = 0;
  const stack = [dir];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    let entries;
    try {
      entries = await readdir(next, { withFileTypes: true });
    } catch {
      continue; // removed or unreadable meanwhile
    }
    for (const entry of entries) {
      const absolute = path.join(next, entry.name);
      if (entry.isDirectory()) stack.push(absolute);
      else if (entry.isFile()) {
        const size = (await lstat(absolute).catch(() => undefined))?.size ?? 0;
        bytes += size;
        if (temporaries.has(absolute)) temporary += size;
      }
    }
  }
  return { total: bytes, temporary };
}

export interface FilesUsageOptions {
  /** How long a measurement is used, ms. @default USAGE_TTL_MS */
  readonly ttlMs?: number;
  /** Clock, ms. @default performance.now */
  readonly now?: () => number;
}

/** Measurements in a row when outputs keep being committed meanwhile; the last one is used as it is. */
const MAX_REMEASURES = 3;

export class FilesUsage {
  /** `bytes`: without the in-flight temporaries; `stamp`: files-inflight.ts's stamp when the measurement started. */
  readonly #cache = new Map<string, { bytes: number; readonly at: number; readonly stamp: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: FilesUsageOptions = {}) {
    this.#ttlMs = options.ttlMs ?? USAGE_TTL_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * The folder's bytes without the temporary files of the outputs in flight in this process: the cached
   * figure when fresh and no output was committed since, else a new measurement.
   */
  async bytes(dir: string): Promise<number> {
    let cached = this.#cache.get(dir);
    for (let i = 0; i < MAX_REMEASURES && !this.#fresh(dir, cached); i++) {
      await this.measure(dir);
      cached = this.#cache.get(dir);
    }
    return cached?.bytes ?? 0;
  }

  #fresh(dir: string, cached: { readonly at: number; readonly stamp: number } | undefined): boolean {
    return cached !== undefined && this.#now() - cached.at < this.#ttlMs && cached.stamp >= lastCommitStamp(dir);
  }

  /** Measures now, caches the figure without the in-flight temporaries, and returns everything on disk. */
  async measure(dir: string): Promise<number> {
    const stamp = currentStamp();
    const { total, temporary } = await measureParts(dir, inFlightTemporaries(dir));
    this.#cache.delete(dir);
    if (this.#cache.size >= MAX_CACHED) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    this.#cache.set(dir, { bytes: total - temporary, at: this.#now(), stamp });
    return total;
  }

  /** The worker changed the folder by `delta` bytes (a write, a replace). */
  add(dir: string, delta: number): void {
    const cached = this.#cache.get(dir);
    if (cached !== undefined) cached.bytes = Math.max(0, cached.bytes + delta);
  }
}

const shared = new WeakMap<FilesSettings, FilesUsage>();

/**
 * The usage cache of one `files` settings object: the files procedures and the task runs of a worker
 * get the same settings object (worker/worker-settings.ts), so they share one cache without another option.
 */
export function usageFor(settings: FilesSettings): FilesUsage {
  let usage = shared.get(settings);
  if (usage === undefined) shared.set(settings, usage = new FilesUsage());
  return usage;
}
