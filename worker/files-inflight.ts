/**
 * What this worker process is adding to each user's files folder right now (docs/files.md "Quota"):
 * the task outputs being written (their temporary files, worker/files-outputs.ts) and the bytes the
 * folder grew by since (task outputs renamed into place, uploads). Every quota check consults it, so
 * that two tasks of one user running at the same time, or a task and an upload, count each other's
 * bytes and cannot together take the folder over its quota. One ledger per folder, per process: other
 * workers sharing the files folder (docs/many-workers.md) are seen only through the disk, at the next
 * measurement (worker/files-usage.ts).
 */
import { lstat } from 'node:fs/promises';

/** A run whose outputs are in flight: its temporary files, absolute. */
export interface InFlightRun {
  temporaries(): Iterable<string>;
}

interface Ledger {
  readonly runs: Set<InFlightRun>;
  /** Bytes the folder grew by through this process (outputs committed net of what they replaced, uploads), ever. */
  grown: number;
  /** The stamp of the latest output commit: a usage figure measured before it is stale. */
  lastCommit: number;
}

/** Ledgers kept without runs (for their stamps); past this the oldest idle ones go. */
const MAX_IDLE_LEDGERS = 10_000;

const ledgers = new Map<string, Ledger>();
let stamps = 0;
/** The latest commit stamp of a ledger that was dropped: what an unknown folder reports. */
let droppedStamp = 0;

function ledgerOf(dir: string): Ledger {
  let ledger = ledgers.get(dir);
  if (ledger === undefined) {
    if (ledgers.size >= MAX_IDLE_LEDGERS) dropIdle();
    ledger = { runs: new Set(), grown: 0, lastCommit: droppedStamp };
    ledgers.set(dir, ledger);
  }
  return ledger;
}

function dropIdle(): void {
  for (const [dir, ledger] of ledgers) {
    if (ledgers.size < MAX_IDLE_LEDGERS * 0.9) return;
    if (ledger.runs.size > 0) continue;
    droppedStamp = Math.max(droppedStamp, ledger.lastCommit);
    ledgers.delete(dir);
  }
}

/** `run` writes outputs under `dir` from now on. */
export function enterRun(dir: string, run: InFlightRun): void {
  ledgerOf(dir).runs.add(run);
}

/** `run` committed or discarded its outputs. */
export function leaveRun(dir: string, run: InFlightRun): void {
  ledgers.get(dir)?.runs.delete(run);
}

/** The folder grew by `bytes` (negative: shrank); `commit`: outputs were renamed into place, so earlier measurements are stale. */
export function folderGrew(dir: string, bytes: number, commit: boolean): void {
  const ledger = ledgerOf(dir);
  ledger.grown += bytes;
  if (commit) ledger.lastCommit = ++stamps;
}

/** The growth counter of `dir`: a run takes it with its base, and counts what was added after. */
export function grownBytes(dir: string): number {
  return ledgers.get(dir)?.grown ?? 0;
}

/** The current stamp, taken when a measurement starts. */
export function currentStamp(): number {
  return stamps;
}

/** The stamp of the latest commit into `dir` (or of a dropped ledger). */
export function lastCommitStamp(dir: string): number {
  return ledgers.get(dir)?.lastCommit ?? droppedStamp;
}

/** The temporary files of every run in flight under `dir`. */
export function inFlightTemporaries(dir: string): Set<string> {
  const out = new Set<string>();
  for (const run of ledgers.get(dir)?.runs ?? []) for (const temporary of run.temporaries()) out.add(temporary);
  return out;
}

/** Bytes written so far by the runs in flight under `dir`, `except` one. */
export async function inFlightBytes(dir: string, except?: InFlightRun): Promise<number> {
  let bytes = 0;
  for (const run of ledgers.get(dir)?.runs ?? []) {
    if (run === except) continue;
    for (const temporary of run.temporaries()) {
      const stats = await lstat(temporary).catch(() => undefined);
      if (stats?.isFile() === true) bytes += stats.size;
    }
  }
  return bytes;
}
