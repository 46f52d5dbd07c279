/**
 * Spawn ceiling: how many `true` processes per second can we start and collect (output captured)?
 *   bare_execa           execa directly from this process while it is small (the raw ceiling)
 *   runner               the same through TaskRunner (spawns happen in the small spawner process)
 *   runner_big_heap      TaskRunner while this process holds ~512 MB of live JS heap
 *   bare_execa_big_heap  execa directly from this big process: the cost the spawner avoids
 * Each scenario runs N spawns (after a warm-up) at concurrency C, bounded by --max-seconds.
 * Usage: node bench/tasks/spawn-ceiling.ts [--n 2000] [--concurrency C] [--heap-mb 512] [--max-seconds 20] [--quick]
 * Output: a table, then one `BENCH {...}` line per scenario on stdout; progress on stderr.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { silentLogger } from '../../shared/logger.ts';
import { TaskRunner } from '../../worker/task-runner.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: String(availableParallelism()) },
    'heap-mb': { type: 'string', default: '512' },
    'max-seconds': { type: 'string', default: '20' },
    quick: { type: 'boolean', default: false },
  },
});
const N = values.quick ? 100 : Number(values.n);
const CONCURRENCY = Number(values.concurrency);
const HEAP_MB = values.quick ? 64 : Number(values['heap-mb']);
const MAX_MS = (values.quick ? 5 : Number(values['max-seconds'])) * 1000;
const WARMUP = Math.min(50, N);

interface Row { readonly name: string; readonly rate: number; readonly done: number; readonly seconds: number; readonly mainRssMb: number }

function progress(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

/** Runs `spawn` n times, `CONCURRENCY` at a time, until done or the deadline; returns completions and seconds. */
async function pump(n: number, deadlineMs: number, spawn: () => Promise<boolean>): Promise<{ done: number; seconds: number }> {
  const start = performance.now();
  let started = 0;
  let done = 0;
  let failed = 0;
  const lane = async (): Promise<void> => {
    while (started < n && performance.now() - start < deadlineMs) {
      started++;
      if (await spawn()) done++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  if (failed > 0) throw new Error(`${failed} spawns failed`);
  return { done, seconds: (performance.now() - start) / 1000 };
}

async function scenario(name: string, spawn: () => Promise<boolean>): Promise<Row> {
  await pump(WARMUP, MAX_MS, spawn);
  const { done, seconds } = await pump(N, MAX_MS, spawn);
  const row = { name, rate: done / seconds, done, seconds, mainRssMb: process.memoryUsage().rss / 2 ** 20 };
  progress(`${name}: ${done} spawns in ${seconds.toFixed(2)} s`);
  return row;
}

const bareExeca = async (): Promise<boolean> => {
  const result = await execa('true', [], { reject: false });
  return result.exitCode === 0;
};

/** ~heapMb of live JS heap: arrays of doubles (8 bytes each), kept referenced until the end. */
function allocateHeap(heapMb: number): number[][] {
  const arrays: number[][] = [];
  for (let i = 0; i < heapMb / 8; i++) arrays.push(Array.from({ length: 1 << 20 }, (_, j) => j + 0.5));
  return arrays;
}

const rows: Row[] = [];
rows.push(await scenario('bare_execa', bareExeca));
const runner = await TaskRunner.start({ logger: silentLogger() });
try {
  const viaRunner = async (): Promise<boolean> => {
    const outcome = await runner.run({ file: 'true', args: [], timeoutMs: 10_000, maxOutputBytes: 1 << 20 });
    return outcome.kind === 'exited' && outcome.exitCode === 0;
  };
  rows.push(await scenario('runner', viaRunner));
  const heap = allocateHeap(HEAP_MB);
  progress(`holding ${heap.length * 8} MB of arrays; heapUsed ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MB`);
  rows.push(await scenario('runner_big_heap', viaRunner));
  rows.push(await scenario('bare_execa_big_heap', bareExeca));
  heap.length = 0;
} finally {
  await runner.close();
}

const ceiling = rows[0]?.rate ?? 1;
const header = ['scenario', 'spawns/s', 'vs bare_execa', 'spawns', 'seconds', 'main RSS MB'];
const cells = rows.map((r) => [r.name, r.rate.toFixed(0), (r.rate / ceiling).toFixed(2), String(r.done), r.seconds.toFixed(2), r.mainRssMb.toFixed(0)]);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
const line = (r: readonly string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
process.stdout.write(`${[line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')}\n`);
for (const r of rows) {
  const bench = { name: `spawn_rate_${r.name}`, value: Math.round(r.rate), unit: 'spawns/s', ratio: Math.round((r.rate / ceiling) * 100) / 100,
    spawns: r.done, concurrency: CONCURRENCY, mainRssMb: Math.round(r.mainRssMb) };
  process.stdout.write(`BENCH ${JSON.stringify(bench)}\n`);
}
