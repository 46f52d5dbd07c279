/**
 * Signalling a task's process group. Every task heads its own process group (spawned with
 * `detached: true`), so its pid is the group id and `kill(-pgid)` reaches its grandchildren too.
 * Used by the spawner (timeout, cancel, shutdown) and by the main process (spawner died).
 */

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
 * SIGTERM the group; if any member is still there after `graceMs`, SIGKILL the group. Resolves
 * 'gone' as soon as the group has disappeared, or 'killed' once SIGKILL was sent.
 */
export function terminateGroup(pgid: number, graceMs: number): Promise<'gone' | 'killed'> {
  if (!signalGroup(pgid, 'SIGTERM')) return Promise.resolve('gone');
  const deadline = performance.now() + graceMs;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (!groupExists(pgid)) {
        clearInterval(timer);
        resolve('gone');
      } else if (performance.now() >= deadline) {
        clearInterval(timer);
        resolve(signalGroup(pgid, 'SIGKILL') ? 'killed' : 'gone');
      }
    }, Math.max(1, Math.min(POLL_MS, graceMs)));
  });
}
