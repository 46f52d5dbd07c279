/**
 * The spawner process: a small, long-lived Node process forked by TaskRunner. Forking copies the
 * forking process's memory map, so spawning from a worker holding hundreds of MB is slow; this
 * process stays small and does every spawn. It runs requests from the IPC channel and reports
 * back; when the main process goes away (IPC disconnect) it kills every running task group and exits.
 */
import { TaskProcess } from './task-process.ts';
import { parseParentMessage, type SpawnerMessage, type WireRunRequest } from './protocol.ts';

/** Line messages handed to the channel but not yet written, above which task stdout is paused. */
const HIGH_WATER = 64;

/**
 * Every pipe read allocates a fresh 64 KiB buffer; V8 only collects dropped ones once ~64 MB of
 * them accumulated, so a flooding task would balloon our RSS (and make every fork slower). A minor
 * GC (about a millisecond, needs --expose-gc) every GC_EVERY_BYTES read keeps the growth near 16 MB.
 */
const GC_EVERY_BYTES = 8 * 1024 * 1024;
let readSinceGc = 0;

function onRead(bytes: number): void {
  readSinceGc += bytes;
  if (readSinceGc < GC_EVERY_BYTES) return;
  readSinceGc = 0;
  globalThis.gc?.({ type: 'minor' });
}

/** Runs whose outcome has not been sent yet, by request id. */
const runs = new Map<number, TaskProcess>();
/** Runs whose outcome or group termination is still pending: shutdown waits for them. */
const pending = new Set<Promise<void>>();
let unflushed = 0;
let unflushedLines = 0;
let onAllFlushed: (() => void) | undefined;
let shuttingDown = false;

function send(message: SpawnerMessage, isLine = false): void {
  if (!process.connected || process.send === undefined) return;
  unflushed++;
  if (isLine) unflushedLines++;
  process.send(message, undefined, undefined, () => {
    unflushed--;
    if (isLine && --unflushedLines === HIGH_WATER >> 1) for (const run of runs.values()) run.resume();
    if (unflushed === 0) onAllFlushed?.();
  });
}

function startRun(id: number, req: WireRunRequest): void {
  if (shuttingDown || runs.has(id)) {
    send({ t: 'done', id, outcome: { kind: 'runner_failed', message: 'the spawner is shutting down', durationMs: 0 } });
    return;
  }
  const run = new TaskProcess(req, {
    spawned: (pid) => { send({ t: 'spawned', id, pid }); },
    read: onRead,
    lines: (lines) => {
      send({ t: 'lines', id, lines }, true);
      return unflushedLines < HIGH_WATER;
    },
    done: (outcome) => {
      runs.delete(id);
      send({ t: 'done', id, outcome });
    },
  });
  runs.set(id, run);
  const finished = run.run().finally(() => pending.delete(finished));
  pending.add(finished);
}

async function shutdown(): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const run of runs.values()) run.cancel();
  await Promise.all(pending);
  if (process.connected) {
    // Let the last 'done' messages reach the pipe before closing the channel.
    if (unflushed > 0) await new Promise<void>((resolve) => { onAllFlushed = resolve; });
    process.disconnect();
  }
  // Nothing should keep the loop alive now; if something does, do not linger as an orphan.
  setTimeout(() => { process.exit(0); }, 1000).unref();
}

process.on('message', (raw) => {
  const msg = parseParentMessage(raw);
  if (msg === undefined) return;
  switch (msg.t) {
    case 'run':
      startRun(msg.id, msg.req);
      break;
    case 'invalid':
      send({ t: 'done', id: msg.id, outcome: { kind: 'spawn_failed', code: 'EINVAL', message: msg.reason, durationMs: 0 } });
      break;
    case 'cancel':
      runs.get(msg.id)?.cancel();
      break;
    case 'shutdown':
      void shutdown();
      break;
  }
});
// The main process exited or crashed: kill every task group, leave no orphans (docs/spawner-protocol.md, "Behaviour the helper guarantees").
process.on('disconnect', () => { void shutdown(); });
// Terminal signals reach the whole foreground group, but the main process decides (drain or
// cancel) and tells us; a SIGTERM sent to us directly means stop now.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('SIGTERM', () => { void shutdown(); });
// The main process may be gone: writing diagnostics must not crash us.
process.stderr.on('error', () => undefined);

send({ t: 'ready', pid: process.pid });
