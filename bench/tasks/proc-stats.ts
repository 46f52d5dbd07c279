/**
 * CPU time and RSS of benchmark processes from Linux /proc, read by the orchestrator from outside.
 * On a shared or small machine wall-clock rates move with whatever else runs; CPU time spent per task
 * by each process does not, so it explains a ratio. Everything returns undefined where /proc is missing.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on every mainstream Linux). */
const USER_HZ = 100;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // no /proc, or the process is gone
  }
}

/** utime + stime of `pid`, in ms (10 ms resolution). */
export function cpuMs(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after the command name "(...)": state is field 3, utime 14, stime 15 (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : undefined;
}

/** Pids of the processes whose parent is `pid`. */
export function childPids(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const status = read(`/proc/${entry}/status`);
    if (status !== undefined && Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === pid) out.push(Number(entry));
  }
  return out;
}

/** VmRSS of `pid` in bytes. */
export function rssBytes(pid: number): number | undefined {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`) ?? '')?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** CPU ms of several processes at once; undefined entries where unreadable. */
export function cpuSnapshot(pids: readonly number[]): (number | undefined)[] {
  return pids.map(cpuMs);
}

/** Per-item CPU (ms) of each process between two snapshots. */
export function cpuPerItem(before: readonly (number | undefined)[], after: readonly (number | undefined)[], items: number): (number | undefined)[] {
  return before.map((b, i) => {
    const a = after[i];
    return a === undefined || b === undefined || items <= 0 ? undefined : (a - b) / items;
  });
}
