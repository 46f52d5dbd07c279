/**
 * Signalling a task's process group. Every task heads its own process group (spawned with
 * `detached: true`), so its pid is the group id and `kill(-pgid)` reaches its grandchildren too.
 * terminateTask also reaches the processes that left the group (process-tree.ts).
 * Used by the spawner (timeout, cancel, shutdown) and by the main process (spawner died).
 */
import { anyAlive, findTaskProcesses, signalProcesses, type TaskIdentity } from './process-tree.ts';

/** Poll interval while waiting for a terminated group to disappear. */
const POLL_MS = 20;

/**
 * Sends `signal` (0 = only test) to the group; false when the group does not exist. A pgid below 2
 * is refused: kill(-1) would signal every process we may signal, kill(-0) our own group.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!Number.isSafeInteger(pgid) || pgid < 2) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: the group exists but is not ours to signal (cannot happen for our own children).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function groupExists(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

/**
 * Ends a task: SIGTERM to its group and to every process of it found outside
 * the group (process-tree.ts); after `graceMs`, SIGKILL to whatever of it is left, found again
 * (a process started during the grace period is found too). Resolves 'gone' as soon as nothing of
 * it is left, or 'killed' once SIGKILL was sent.
 */
export function terminateTask(task: TaskIdentity, graceMs: number): Promise<'gone' | 'killed'> {
  signalGroup(task.pgid, 'SIGTERM');
  const found = findTaskProcesses(task);
  signalProcesses(found, 'SIGTERM');
  const deadline = performance.now() + graceMs;
  const left = (): boolean => groupExists(task.pgid) || anyAlive(found);
  if (!left()) return Promise.resolve('gone');
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (!left()) {
        clearInterval(timer);
        resolve('gone');
      } else if (performance.now() >= deadline) {
        clearInterval(timer);
        signalGroup(task.pgid, 'SIGKILL');
        signalProcesses(findTaskProcesses(task, found), 'SIGKILL');
        resolve('killed');
      }
    }, Math.max(1, Math.min(POLL_MS, graceMs)));
  });
}
