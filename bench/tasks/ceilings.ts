/**
 * The two spawn ceilings of `npm run bench:tasks`, each one fresh process per run, spawning the exact
 * argv of a default `date` task (DATE_ARGV) `--n` times, `--concurrency` at a time, output captured:
 * (a) native/build/spawn-ceiling (C, posix_spawn + poll + waitpid), started through runProgram;
 * (b) bench/tasks/node-spawn.ts (bare Node, child_process.spawn), forked through startChild.
 * Both are killed by bench/router/children.ts's killAll if the orchestrator stops early.
 */
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runProgram, startChild } from '../router/children.ts';
import { DATE_ARGV } from './bench-tasks.ts';
import type { TaskBenchOptions } from './options.ts';

/** Slack on top of a run's own bound before a child is declared stuck. */
export const SLACK_MS = 30_000;

export const C_CEILING = fileURLToPath(new URL('../../native/build/spawn-ceiling', import.meta.url));

/** One ceiling run: spawns/s, and CPU ms per spawn of the spawning process and of its children. */
export interface SpawnRun {
  readonly rate: number;
  readonly selfCpuMs: number;
  readonly childCpuMs: number;
}

/** True when the C ceiling was built (`node native/build.ts`; needs a C compiler). */
export function haveCCeiling(): boolean {
  try {
    accessSync(C_CEILING, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function field(report: Record<string, unknown>, key: string): number {
  const value = report[key];
  if (typeof value !== 'number') throw new Error(`spawn-ceiling: no numeric "${key}" in its report`);
  return value;
}

/** (a): the C posix_spawn ceiling, in a fresh process. */
export async function cCeiling(o: TaskBenchOptions): Promise<SpawnRun> {
  const args = ['-n', String(o.n), '-c', String(o.concurrency), '-w', String(o.spawnWarmup), '--', ...DATE_ARGV];
  const out = await runProgram(C_CEILING, args, o.maxMs + SLACK_MS);
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(out) as Record<string, unknown>;
  } catch {
    throw new Error(`${C_CEILING} printed no JSON report (${JSON.stringify(out.slice(0, 200))}): rebuild it with \`npx node native/build.ts\``);
  }
  const count = field(report, 'count');
  if (field(report, 'failed') > 0) throw new Error(`spawn-ceiling: ${field(report, 'failed')} of ${count} children did not exit 0`);
  return {
    rate: (count * 1000) / field(report, 'elapsed_ms'),
    selfCpuMs: field(report, 'self_cpu_ms') / count,
    childCpuMs: field(report, 'children_cpu_ms') / count,
  };
}

/** (b): bare Node with child_process.spawn, in a fresh process. */
export async function nodeCeiling(o: TaskBenchOptions): Promise<SpawnRun> {
  const args = ['--n', String(o.n), '--concurrency', String(o.concurrency), '--warmup', String(o.spawnWarmup),
    '--max-ms', String(o.maxMs), '--', ...DATE_ARGV];
  const { report } = await startChild('../tasks/node-spawn.ts', args, 'result', { timeoutMs: 2 * o.maxMs + SLACK_MS });
  if (report.count < o.n) throw new Error(`bare Node: only ${report.count} of ${o.n} spawns within ${o.maxMs} ms`);
  return {
    rate: (report.count * 1000) / report.elapsedMs,
    selfCpuMs: (report.selfCpuMs ?? Number.NaN) / report.count,
    childCpuMs: (report.childCpuMs ?? Number.NaN) / report.count,
  };
}
