/**
 * What TaskRunner needs from a spawner process, whichever runs: the native helper
 * (native-client.ts, the default when native/build/asexor-spawn was built) or the Node spawner
 * (node-client.ts, the fallback). Both carry the messages of protocol.ts.
 */
import type { Logger } from '../../shared/logger.ts';
import type { ParentMessage, SpawnerMessage } from './protocol.ts';

export type SpawnerKind = 'native' | 'node';
/** `auto`: native when it was built and starts, else node (with one log line saying why). */
export type SpawnerChoice = SpawnerKind | 'auto';

export interface SpawnerBackend {
  readonly kind: SpawnerKind;
  /** The spawner process's pid. */
  readonly pid: number;
  /** False once the process is gone. */
  readonly alive: boolean;
  send(message: ParentMessage): void;
  /** Ask it to cancel everything and exit; SIGKILL it if it has not closed by `deadlineMs`. */
  shutdown(deadlineMs: number): Promise<void>;
}

export interface SpawnerStartOptions {
  readonly logger: Logger;
  /** V8 old-space limit of the Node spawner, in MB (the native helper has no heap to limit). */
  readonly maxOldSpaceMb: number;
  readonly onMessage: (message: Exclude<SpawnerMessage, { t: 'ready' }>) => void;
  /** The process is gone (after every message it sent was delivered). */
  readonly onClose: (backend: SpawnerBackend, reason: string) => void;
}

/** Waits for `closed`; if it has not come by `deadlineMs`, calls `kill` and waits on. */
export async function closedOrKilled(closed: Promise<void>, kill: () => void, deadlineMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      kill();
      resolve();
    }, deadlineMs);
  });
  await Promise.race([closed, late]);
  clearTimeout(timer);
  await closed;
}
