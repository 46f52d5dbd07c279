/**
 * CPU time and RSS of benchmark processes from Linux /proc, read by the orchestrator from outside.
 * On a shared or small machine wall-clock rates move with whatever else runs; CPU time spent per task
 * by each process does not, so it explains a ratio. Everything returns undefined where /proc is missing.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on every mainstream Linux). */
const USER_HZ = 100;

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // no /proc, or the process is gone
  }
}

/** Two adjacent fields of /proc/PID/stat (1-based numbers as in proc(5)), summed, in ms. */
function statMs(pid: number, field: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after the command name "(...)" start with the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[field - 3]) + Number(fields[field - 2]);
  return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : undefined;
}

/** utime + stime of `pid` (fields 14-15), in ms (10 ms resolution). */
export function cpuMs(pid: number): number | undefined {
  return statMs(pid, 14);
}

/** cutime + cstime of `pid` (fields 16-17): CPU of the children it has reaped, in ms. */
export function reapedChildrenCpuMs(pid: number): number | undefined {
  return statMs(pid, 16);
}

/** Base name of the executable of `pid` (/proc/PID/exe), e.g. 'node' or 'asexor-spawn'. */
export function exeName(pid: number): string | undefined {
  try {
    return path.basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return undefined;
  }
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

/** CPU ms of several processes at once, then of the children reaped by `reaper` (last entry). */
export function cpuSnapshot(pids: readonly number[], reaper?: number): (number | undefined)[] {
  return [...pids.map(cpuMs), ...(reaper === undefined ? [] : [reapedChildrenCpuMs(reaper)])];
}

/** Per-item CPU (ms) of each process between two snapshots. */
export function cpuPerItem(before: readonly (number | undefined)[], after: readonly (number | undefined)[], items: number): (number | undefined)[] {
  return before.map((b, i) => {
    const a = after[i];
    return a === undefined || b === undefined || items <= 0 ? undefined : (a - b) / items;
  });
}
