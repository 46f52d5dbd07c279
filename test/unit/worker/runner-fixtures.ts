/** Helpers for the TaskRunner tests: fixture scripts run via this Node, process liveness, memory. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nativeHelperMissing } from '../../../worker/spawner/native-client.ts';
import type { RunOutcome, RunRequest, SpawnerKind } from '../../../worker/task-runner.ts';

const BIN = fileURLToPath(new URL('../../fixtures/bin/', import.meta.url));

/** A request running test/fixtures/bin/<script> with this Node binary (no PATH or shebang needed). */
export function fixture(script: string, args: readonly string[] = [], extra: Partial<RunRequest> = {}): RunRequest {
  return { file: process.execPath, args: [`${BIN}${script}`, ...args], timeoutMs: 10_000, maxOutputBytes: 1 << 20, ...extra };
}

/** True while the pid exists (a zombie counts: it is gone once reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Waits until the pid no longer exists (kill(pid, 0) fails with ESRCH). Killed grandchildren are
 * reparented to init, which may reap them with some delay, hence the generous default.
 */
export async function waitGone(pid: number, timeoutMs = 6000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (alive(pid)) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/** A number printed on a line "<PREFIX> <n>" (e.g. "GRANDCHILD 1234"). */
export function pidAfter(prefix: string, lines: readonly string[]): number | undefined {
  const line = lines.find((l) => l.startsWith(`${prefix} `));
  return line === undefined ? undefined : Number(line.slice(prefix.length + 1));
}

/** Resolves with the first line for which `match` holds, collecting lines in `into`. */
export function lineWaiter(into: string[], match: (line: string) => boolean): { onLine: (line: string) => void; seen: Promise<string> } {
  let resolve: (line: string) => void = () => undefined;
  const seen = new Promise<string>((r) => { resolve = r; });
  return {
    seen,
    onLine: (line) => {
      into.push(line);
      if (match(line)) resolve(line);
    },
  };
}

/**
 * The spawner these tests run on: ASEXOR_SPAWNER when set (CI runs the suite once per path), else
 * native where it was built. Tests that check backend-specific facts branch on it.
 */
export function expectedBackend(): SpawnerKind {
  const forced = process.env['ASEXOR_SPAWNER'];
  if (forced === 'native' || forced === 'node') return forced;
  return nativeHelperMissing() === undefined ? 'native' : 'node';
}

/** Resident set size of a process now, in bytes (Linux /proc VmRSS). */
export function rss(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Peak resident set size of a process so far, in bytes (Linux /proc VmHWM). */
export function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Narrows an outcome to the captured-output kinds, failing the test otherwise. */
export function captured(outcome: RunOutcome): Extract<RunOutcome, { stdout: string }> {
  if (!('stdout' in outcome)) throw new Error(`expected captured output, got ${JSON.stringify(outcome)}`);
  return outcome;
}
