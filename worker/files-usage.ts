/**
 * How many bytes a user's folder holds, for the optional quota (`asexor.files.quotaBytes`, docs/files.md):
 * the apparent sizes (`st_size`) of every regular file under it, hidden ones (temporary outputs and
 * uploads) included, found with lstat (symlinks are not followed and count 0). A measurement is
 * cached per folder for `ttlMs` (default USAGE_TTL_MS) and adjusted by what the worker itself writes
 * (`add`), so a burst of uploads does not walk the tree each time; files changed by other means show
 * up at the next measurement.
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FilesSettings } from './files-user.ts';

export const USAGE_TTL_MS = 10_000;
/** Cached folders kept; past this the oldest entries go. */
const MAX_CACHED = 10_000;

/** Bytes of the regular files under `dir` (0 when it is missing). */
export async function measureFolder(dir: string): Promise<number> {
  let bytes = 0;
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
      else if (entry.isFile()) bytes += (await lstat(absolute).catch(() => undefined))?.size ?? 0;
    }
  }
  return bytes;
}

export interface FilesUsageOptions {
  /** How long a measurement is used, ms. @default USAGE_TTL_MS */
  readonly ttlMs?: number;
  /** Clock, ms. @default performance.now */
  readonly now?: () => number;
}

export class FilesUsage {
  readonly #cache = new Map<string, { bytes: number; readonly at: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: FilesUsageOptions = {}) {
    this.#ttlMs = options.ttlMs ?? USAGE_TTL_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The folder's bytes: the cached figure when fresh, else a new measurement. */
  async bytes(dir: string): Promise<number> {
    const cached = this.#cache.get(dir);
    if (cached !== undefined && this.#now() - cached.at < this.#ttlMs) return cached.bytes;
    return this.measure(dir);
  }

  /** Measures now and caches the figure. */
  async measure(dir: string): Promise<number> {
    const bytes = await measureFolder(dir);
    this.#cache.delete(dir);
    if (this.#cache.size >= MAX_CACHED) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    this.#cache.set(dir, { bytes, at: this.#now() });
    return bytes;
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
