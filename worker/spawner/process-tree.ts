/**
 * Finding every process of a task, also those that left its process group (`setsid`, `setpgid`):
 * one pass over /proc (Linux; elsewhere only the group is found). A process belongs to the task when
 * - it is in the task's process group, or
 * - it was found before (same pid and same start time, so a reused pid is not taken for it), or
 * - its environment carries the task's cookie (TASK_COOKIE_ENV, inherited by whatever the task starts), or
 * - its parent belongs to the task (descendants of any of the above).
 * native/asexor-spawn.c does the same in C; docs/process-limits.md says why and what escapes it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { TASK_COOKIE_ENV } from './protocol.ts';

export interface TaskIdentity {
  /** The task's process group id (its first process's pid). */
  readonly pgid: number;
  /** The value of TASK_COOKIE_ENV in the task's environment; undefined = not marked. */
  readonly cookie: string | undefined;
}

/** Processes by pid, each with its start time (clock ticks after boot, /proc/PID/stat field 22). */
export type ProcessSet = ReadonlyMap<number, string>;

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly start: string;
}

/** /proc/PID/stat of one process, or undefined when it is gone (or there is no /proc). */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, pgrp field 5, starttime field 22.
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), start: fields[19] ?? '' };
}

function hasCookie(pid: number, needle: Buffer): boolean {
  let environ: Buffer;
  try {
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return false; // gone, or not ours to read
  }
  // Entries are NUL-separated `NAME=value`: match a whole entry.
  const at = environ.indexOf(needle);
  return at !== -1 && (at === 0 || environ[at - 1] === 0) && (at + needle.length === environ.length || environ[at + needle.length] === 0);
}

function listProcesses(): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: ProcStat[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid < 2 || pid === process.pid) continue;
    const stat = readStat(pid);
    if (stat !== undefined) found.push(stat);
  }
  return found;
}

/** The task's live processes outside its group now (see the file comment); never this process or init. */
export function findTaskProcesses(task: TaskIdentity, known: ProcessSet = new Map()): Map<number, string> {
  const all = listProcesses();
  const members = new Map<number, string>();
  const needle = task.cookie === undefined ? undefined : Buffer.from(`${TASK_COOKIE_ENV}=${task.cookie}`);
  for (const p of all) {
    if (p.pgid === task.pgid || known.get(p.pid) === p.start || (needle !== undefined && hasCookie(p.pid, needle))) members.set(p.pid, p.start);
  }
  // Descendants: repeat until no process is added (a chain is found in as many passes as it is deep).
  for (let added = true; added;) {
    added = false;
    for (const p of all) {
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.set(p.pid, p.start);
        added = true;
      }
    }
  }
  // The group is signalled as a whole (kill(-pgid)): only the members outside it are returned.
  for (const p of all) if (p.pgid === task.pgid) members.delete(p.pid);
  return members;
}

/** Sends `signal` to each process of the set that is still the same process; returns how many got it. */
export function signalProcesses(processes: ProcessSet, signal: NodeJS.Signals): number {
  let sent = 0;
  for (const [pid, start] of processes) {
    if (readStat(pid)?.start !== start) continue;
    try {
      process.kill(pid, signal);
      sent++;
    } catch {
      // gone meanwhile
    }
  }
  return sent;
}

/** Whether any process of the set is still alive (and still the same process). */
export function anyAlive(processes: ProcessSet): boolean {
  for (const [pid, start] of processes) if (readStat(pid)?.start === start) return true;
  return false;
}
