/**
 * Returns free malloc memory to the OS: glibc's malloc_trim(0) through the small Node-API addon
 * native/asexor-memtrim.c, built by `npm ci` (native/build.ts). Without the addon (not built, no
 * glibc, ASEXOR_SKIP_NATIVE=1) `trimMalloc` is undefined and the idle GC (cli/idle-gc.ts) skips
 * this step: the pure-Node path, which keeps that memory in RSS (docs/router-memory.md,
 * "malloc_trim"). ASEXOR_MALLOC_TRIM=0 turns it off with the addon built.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface MemtrimAddon {
  trim(): boolean;
}

/** Where the addon is built. */
export const MEMTRIM_ADDON = fileURLToPath(new URL('../native/build/asexor-memtrim.node', import.meta.url));

function isAddon(value: unknown): value is MemtrimAddon {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'trim') === 'function';
}

/** The addon's `trim` (true: memory was released), or undefined when it cannot be loaded. */
export function loadMallocTrim(file: string = MEMTRIM_ADDON): (() => boolean) | undefined {
  try {
    const addon: unknown = createRequire(import.meta.url)(file);
    return isAddon(addon) ? () => addon.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** malloc_trim(0) of this process, or undefined on the pure-Node path. */
export const trimMalloc: (() => boolean) | undefined = process.env['ASEXOR_MALLOC_TRIM'] === '0' ? undefined : loadMallocTrim();
