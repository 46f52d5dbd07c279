/**
 * The IPC messages between the orchestrator (index.ts) and its child processes, and the child side
 * of the channel. Every child is started with `fork` and talks only through these messages.
 */
import type { SerializerId } from '../../shared/serializers/serializer.ts';

export type Command =
  /** caller (throughput), subscriber, publisher: warm up, then measure for durationMs. */
  | { readonly cmd: 'run'; readonly warmupMs: number; readonly durationMs: number }
  /** caller (latency): `calls` sequential calls after `warmupCalls`, bounded by maxMs. */
  | { readonly cmd: 'latency'; readonly calls: number; readonly warmupCalls: number; readonly maxMs: number }
  /** idle: open `count` more sessions to `url`. */
  | {
    readonly cmd: 'open'; readonly count: number;
    readonly url: string; readonly realm: string; readonly serializer: SerializerId;
  }
  /** idle: close every open session. */
  | { readonly cmd: 'closeAll' }
  /** router: report memory; `gc` (default true) forces full GCs first (needs --expose-gc). */
  | { readonly cmd: 'memory'; readonly gc?: boolean }
  | { readonly cmd: 'stop' };

export type Report =
  | { readonly evt: 'ready'; readonly sessions: number }
  | {
    readonly evt: 'listening'; readonly url: string; readonly longpollUrl?: string;
    /** RawSocket listeners of the embedded router: rs://127.0.0.1:PORT and rs://unix:/path. */
    readonly rawsocketUrls?: { readonly tcp: string; readonly unix: string };
  }
  | {
    readonly evt: 'result'; readonly count: number; readonly elapsedMs: number;
    /** bench:tasks spawn loops: CPU ms of the reporting process and of its reaped children, during the count. */
    readonly selfCpuMs?: number; readonly childCpuMs?: number;
  }
  | { readonly evt: 'latency'; readonly calls: number; readonly p50Us: number; readonly p99Us: number }
  | { readonly evt: 'opened'; readonly sessions: number }
  | { readonly evt: 'closed' }
  | {
    readonly evt: 'memory'; readonly rss: number; readonly heapUsed: number; readonly sessions: number;
    /** process.memoryUsage() and V8's committed young generation, for the breakdown (bytes). */
    readonly heapTotal: number; readonly external: number; readonly arrayBuffers: number; readonly newSpace: number;
  }
  | { readonly evt: 'error'; readonly message: string };

export type ReportOf<E extends Report['evt']> = Extract<Report, { evt: E }>;

/** Send a report to the parent (no-op when not forked). */
export function report(message: Report): void {
  process.send?.(message);
}

function fail(err: unknown): never {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  report({ evt: 'error', message });
  process.stderr.write(`bench child ${process.pid}: ${message}\n`);
  process.exit(1);
}

/**
 * Child side: run `setup`, then answer each parent command with `handle`'s report. `stop` runs
 * `cleanup` and exits. The child also exits when the parent goes away (IPC channel closed), so an
 * orchestrator crash never leaves load generators behind.
 */
export function serveParent(
  setup: () => Promise<Report>,
  handle: (command: Command) => Promise<Report>,
  cleanup: () => Promise<void>,
): void {
  if (!process.send) fail(new Error('this script is started by bench/router/index.ts (needs an IPC channel)'));
  process.on('disconnect', () => process.exit(2));
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  let queue = setup().then(report);
  process.on('message', (raw: unknown) => {
    const command = raw as Command;
    queue = queue.then(async () => {
      if (command.cmd === 'stop') {
        await cleanup();
        process.exit(0);
      }
      report(await handle(command));
    });
    queue.catch(fail);
  });
  queue.catch(fail);
}

/** `p`-quantile (0..1) of ascending `sorted` by the nearest-rank method. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
