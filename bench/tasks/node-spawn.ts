/**
 * Bare Node spawning, figure (b) of `npm run bench:tasks`: a fresh Node process (node: built-ins only,
 * nothing of asexor, no execa) starting ARGV with `child_process.spawn`, `--concurrency` at a time,
 * as a task runner would: stdin ignored, stdout and stderr piped and read until 'close' (the bytes are
 * counted, not kept), each child in a process group of its own (`detached`). After `--warmup`
 * unmeasured spawns it times `--n` spawns (bounded by `--max-ms`) and reports
 * `{evt: 'result', count, elapsedMs, selfCpuMs, childCpuMs}` over the IPC channel, then exits.
 * selfCpuMs: this process's user + system CPU (process.cpuUsage); childCpuMs: its reaped children's,
 * from /proc/self/stat cutime + cstime (10 ms resolution; NaN without /proc). A child that does not
 * exit 0 fails the run.
 * Usage (forked by index.ts): node-spawn.ts --n N --concurrency C [--warmup W] [--max-ms MS] -- ARGV...
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Report } from '../router/protocol.ts';

const { values, positionals } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '50' },
    'max-ms': { type: 'string', default: '60000' },
  },
  allowPositionals: true,
  strict: true,
});
const [file = 'date', ...args] = positionals;

/** Resolves once the report was written to the channel (or stdout when not forked). */
function send(report: Report): Promise<void> {
  const parent = process.send?.bind(process);
  if (parent === undefined) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return Promise.resolve();
  }
  return new Promise((resolve) => { parent(report, undefined, undefined, () => { resolve(); }); });
}

/** cutime + cstime of this process in ms (fields 16 and 17 of /proc/self/stat, USER_HZ = 100). */
function childCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** One run of ARGV: resolves at 'close' (exited and both pipes at EOF) with the stdout byte count. */
function spawnOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => { bytes += chunk.length; });
    child.stderr.on('data', () => { /* read and dropped, like the C ceiling */ });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(bytes);
      else reject(new Error(`${file} ended with ${String(code ?? signal)}`));
    });
  });
}

/** Spawns `total` times, `concurrency` at a time, until done or `maxMs` passed. */
async function pump(total: number, concurrency: number, maxMs: number): Promise<{ count: number; elapsedMs: number }> {
  const start = performance.now();
  let started = 0;
  let count = 0;
  const lane = async (): Promise<void> => {
    while (started < total && performance.now() - start < maxMs) {
      started += 1;
      await spawnOnce();
      count += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { count, elapsedMs: performance.now() - start };
}

// The orchestrator went away: stop at once (the children in flight end by themselves).
const orphaned = (): never => process.exit(2);
process.on('disconnect', orphaned);
try {
  const concurrency = Number(values.concurrency);
  const maxMs = Number(values['max-ms']);
  await pump(Number(values.warmup), concurrency, maxMs);
  const cpuBefore = process.cpuUsage();
  const childBefore = childCpuMs();
  const measured = await pump(Number(values.n), concurrency, maxMs);
  const cpu = process.cpuUsage(cpuBefore);
  await send({ evt: 'result', ...measured, selfCpuMs: (cpu.user + cpu.system) / 1000, childCpuMs: childCpuMs() - childBefore });
} catch (error) {
  await send({ evt: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
}
process.off('disconnect', orphaned);
process.disconnect?.();
