/**
 * Gives memory back to the OS once a long-running command (serve, router, worker) goes quiet.
 * V8 only shrinks its heap after garbage collections it has a reason to run, and an idle server
 * runs none: the young generation keeps the 8-16 MB it grew to while starting or during the last
 * burst of tasks, and the old one its fragmented pages. So every `checkMs` this looks at the event
 * loop: when it was idle (utilization below `busyBelow`) after start-up, after a busy period or
 * after the heap grew by `growthBytes`, it runs one memory-reducing full GC (V8's "last resort"
 * flavour: compacts, shrinks the young generation to its minimum; it regrows under load). That is
 * one pause of a few tens of ms, only while idle, and at most one per busy period; nothing runs
 * while the server works. Measured on `npm start`: idle RSS 89 -> 79 MB; 15 s after a burst of
 * 4000 tasks 84 MB instead of 117 (docs/worker.md, "Memory"). ASEXOR_IDLE_GC=0 turns it off.
 * After the GC it asks malloc to return its free memory (cli/malloc-trim.ts) where the addon was
 * built: what V8's GC threads and the sockets freed stays in glibc's arenas otherwise
 * (docs/router-memory.md, "malloc_trim").
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '../shared/logger.ts';
import { trimMalloc } from './malloc-trim.ts';

type GcFunction = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export interface IdleGcOptions {
  readonly logger: Logger;
  /** @default 5_000 (the first check comes after `firstCheckMs`) */
  readonly checkMs?: number;
  /** @default 2_000 */
  readonly firstCheckMs?: number;
  /** Event-loop utilization under which an interval counts as idle. @default 0.01 */
  readonly busyBelow?: number;
  /** Heap growth since the last collection that calls for another one. @default 8 MiB */
  readonly growthBytes?: number;
  /** @default process.env.ASEXOR_IDLE_GC !== '0' */
  readonly enabled?: boolean;
  /**
   * Returns free malloc memory to the OS after each collection; `null`: never.
   * @default trimMalloc of cli/malloc-trim.ts (undefined without the addon: never)
   */
  readonly trimMalloc?: (() => boolean) | null;
}

export interface IdleGc {
  stop(): void;
}

/** V8's `gc` without starting node with --expose-gc: a context made while the flag is on has it. */
function exposeGc(): GcFunction | undefined {
  const existing: unknown = Reflect.get(globalThis, 'gc');
  if (typeof existing === 'function') return existing as GcFunction;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? gc as GcFunction : undefined;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

const MB = 1024 * 1024;

export function startIdleGc(options: IdleGcOptions): IdleGc {
  const { logger } = options;
  const gc = (options.enabled ?? process.env['ASEXOR_IDLE_GC'] !== '0') ? exposeGc() : undefined;
  if (gc === undefined) return { stop: () => undefined };
  const checkMs = options.checkMs ?? 5_000;
  const busyBelow = options.busyBelow ?? 0.01;
  const growthBytes = options.growthBytes ?? 8 * MB;
  const trim = options.trimMalloc === undefined ? trimMalloc : (options.trimMalloc ?? undefined);
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let dirty = true; // start-up garbage
  let heapAfterGc = getHeapStatistics().used_heap_size;
  let timer: NodeJS.Timeout;

  const check = (): void => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization >= busyBelow;
    last = now;
    if (busy || getHeapStatistics().used_heap_size > heapAfterGc + growthBytes) dirty = true;
    if (dirty && !busy) {
      const rss = process.memoryUsage.rss();
      const started = performance.now();
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      const trimmed = trim?.();
      heapAfterGc = getHeapStatistics().used_heap_size;
      dirty = false;
      logger.debug({ ms: Math.round(performance.now() - started), rssMB: Math.round(rss / MB), afterMB: Math.round(process.memoryUsage.rss() / MB), trimmed }, 'idle gc');
      last = performance.eventLoopUtilization(); // the GC itself is not activity
    }
    timer = setTimeout(check, checkMs).unref();
  };
  timer = setTimeout(check, options.firstCheckMs ?? 2_000).unref();
  return { stop: () => { clearTimeout(timer); } };
}
