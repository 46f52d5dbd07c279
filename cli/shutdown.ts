/**
 * How the long-running commands (`serve`, `worker`) stop (docs/process-limits.md): the first SIGINT or
 * SIGTERM (or, with `exitWithParent`, the parent process going away) starts an orderly close; it has
 * a deadline, and a second signal cuts it short. Either way the process then exits: its spawner sees
 * its channel close and kills every task it runs (docs/spawner-protocol.md).
 */
import { ConfigInvalidError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';

/** How long an orderly shutdown may take before the process exits anyway. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;
/** How often the parent is checked with `exitWithParent`. */
const PARENT_POLL_MS = 500;
/**
 * A repeated request this soon after the first is the same request delivered twice (Ctrl-C reaches
 * both npm and the server, and npm passes it on), not a second one.
 */
const SAME_REQUEST_MS = 500;

/** The deadline from --shutdown-timeout or ASEXOR_SHUTDOWN_TIMEOUT_MS (milliseconds, a positive integer). */
export function resolveShutdownTimeoutMs(option: string | undefined, env = process.env['ASEXOR_SHUTDOWN_TIMEOUT_MS']): number {
  const raw = option ?? (env === '' ? undefined : env);
  if (raw === undefined) return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const value = Number(raw);
  if (!(Number.isSafeInteger(value) && value > 0)) {
    throw new ConfigInvalidError(`Expected a positive integer of milliseconds, got \`${raw}\` (${typeof raw})`, option === undefined ? 'ASEXOR_SHUTDOWN_TIMEOUT_MS' : '--shutdown-timeout');
  }
  return value;
}

/** Why the process stops: a signal, or 'parent-gone'. */
export type StopReason = NodeJS.Signals | 'parent-gone';

export interface StopRequests {
  /** The next stop request (the first starts the shutdown, the second cuts it short). */
  next(): Promise<StopReason>;
  /** Stops listening. */
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM, and with `exitWithParent` for the parent going away (this process
 * was reparented: `npm start` killed without passing the signal on). While this listens, the signals do
 * not end the process by themselves.
 */
export function stopRequests(options: { readonly exitWithParent?: boolean } = {}): StopRequests {
  const waiting: ((reason: StopReason) => void)[] = [];
  const pending: StopReason[] = [];
  const request = (reason: StopReason): void => {
    const resolve = waiting.shift();
    if (resolve) resolve(reason);
    else pending.push(reason);
  };
  const onSignal = (signal: NodeJS.Signals): void => { request(signal); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const parent = process.ppid;
  let parentTimer: NodeJS.Timeout | undefined;
  if (options.exitWithParent === true) {
    parentTimer = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(parentTimer);
      request('parent-gone');
    }, PARENT_POLL_MS);
    parentTimer.unref();
  }
  return {
    next: () => {
      const queued = pending.shift();
      return queued === undefined ? new Promise((resolve) => { waiting.push(resolve); }) : Promise.resolve(queued);
    },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      clearInterval(parentTimer);
    },
  };
}

/** 'closed' when `close` finished in time; 'deadline' or 'second-request' when it was cut short. */
export type ShutdownEnd = 'closed' | 'deadline' | 'second-request';

/**
 * Runs `close` with a deadline; a second stop request ends the wait early. A `close` that fails
 * counts as closed (it is logged): the process is stopping either way.
 */
export async function closeWithDeadline(close: () => Promise<void>, stops: StopRequests, timeoutMs: number, logger: Logger): Promise<ShutdownEnd> {
  let timer: NodeJS.Timeout | undefined;
  const closed = close().then((): ShutdownEnd => 'closed', (error: unknown): ShutdownEnd => {
    logger.error({ err: error }, 'error while shutting down');
    return 'closed';
  });
  const deadline = new Promise<ShutdownEnd>((resolve) => { timer = setTimeout(() => { resolve('deadline'); }, timeoutMs); });
  const startedAt = performance.now();
  const again = (async (): Promise<ShutdownEnd> => {
    for (;;) {
      const reason = await stops.next();
      if (performance.now() - startedAt < SAME_REQUEST_MS) continue;
      logger.warn({ reason }, 'stop requested again: not waiting for the shutdown');
      return 'second-request';
    }
  })();
  try {
    const end = await Promise.race([closed, deadline, again]);
    if (end === 'deadline') logger.error({ timeoutMs }, 'shutdown deadline passed: exiting without waiting for the rest');
    return end;
  } finally {
    clearTimeout(timer);
  }
}
