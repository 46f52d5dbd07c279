/**
 * Spawn ceiling: how many `true` processes per second can be started and collected (output captured)?
 *   bare_execa        execa directly from a bare Node script (fresh child process, plain JS): the raw ceiling
 *   runner            the same through TaskRunner from this process (spawns happen in its small spawner)
 *   runner_big_heap   TaskRunner while this process holds ~512 MB of live JS heap
 *   execa_big_heap    execa directly from a bare script that holds ~512 MB of live JS heap: what the
 *                     spawner avoids (forking copies the forking process's memory map)
 * Scenarios alternate in rounds so that load drift hits all alike (the big heap of this process is
 * allocated for runner_big_heap and dropped after it); each rate is spawns / seconds over its rounds,
 * at concurrency C, after a warm-up, bounded by --max-seconds per scenario. The event-loop delay
 * p99 (worst round) of the process that calls execa or TaskRunner is reported too (a fork blocks its loop).
 * Usage: node bench/tasks/spawn-ceiling.ts [--n 2000] [--concurrency C] [--heap-mb 512] [--rounds 3] [--max-seconds 20] [--quick]
 * Output: a table, then one `BENCH {...}` line per scenario on stdout; progress on stderr.
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { silentLogger } from '../../shared/logger.ts';
import { TaskRunner } from '../../worker/task-runner.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: String(availableParallelism()) },
    'heap-mb': { type: 'string', default: '512' },
    rounds: { type: 'string', default: '3' },
    'max-seconds': { type: 'string', default: '20' },
    quick: { type: 'boolean', default: false },
  },
});
const ROUNDS = values.quick ? 1 : Number(values.rounds);
const N_PER_ROUND = Math.ceil((values.quick ? 100 : Number(values.n)) / ROUNDS);
const CONCURRENCY = Number(values.concurrency);
const HEAP_MB = values.quick ? 64 : Number(values['heap-mb']);
const MS_PER_ROUND = ((values.quick ? 5 : Number(values['max-seconds'])) * 1000) / ROUNDS;
const WARMUP = 20;
// The big heap of this process is dropped after each runner_big_heap: a forced GC gives the memory back.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Round { readonly done: number; readonly seconds: number; readonly loopP99Ms: number; readonly rssMb: number }
type Spawn = () => Promise<boolean>;

function progress(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

/** Runs `spawn` up to n times, CONCURRENCY at a time, until done or the deadline. */
async function pump(n: number, deadlineMs: number, spawn: Spawn): Promise<{ done: number; seconds: number }> {
  const start = performance.now();
  let started = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (started < n && performance.now() - start < deadlineMs) {
      started++;
      if (!(await spawn())) throw new Error('a spawn of `true` failed');
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return { done, seconds: (performance.now() - start) / 1000 };
}

async function inProcess(spawn: Spawn): Promise<Round> {
  await pump(WARMUP, MS_PER_ROUND, spawn);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const { done, seconds } = await pump(N_PER_ROUND, MS_PER_ROUND, spawn);
  delay.disable();
  return { done, seconds, loopP99Ms: delay.percentile(99) / 1e6, rssMb: process.memoryUsage().rss / 2 ** 20 };
}

/** The same measurement in a fresh, bare Node process (plain JS, only execa loaded), holding heapMb of ballast. */
async function bareScript(heapMb: number): Promise<Round> {
  const code = `
    import { monitorEventLoopDelay } from 'node:perf_hooks';
    import { execa } from ${JSON.stringify(import.meta.resolve('execa'))};
    const ballast = [];
    for (let i = 0; i < ${heapMb} / 8; i++) ballast.push(Array.from({ length: 1 << 20 }, (_, j) => j + 0.5));
    const spawn = async () => (await execa('true', [], { reject: false })).exitCode === 0;
    async function pump(n, deadlineMs) {
      const start = performance.now();
      let started = 0, done = 0;
      const lane = async () => {
        while (started < n && performance.now() - start < deadlineMs) {
          started++;
          if (!(await spawn())) throw new Error('a spawn of true failed');
          done++;
        }
      };
      await Promise.all(Array.from({ length: ${CONCURRENCY} }, lane));
      return { done, seconds: (performance.now() - start) / 1000 };
    }
    await pump(${WARMUP}, ${MS_PER_ROUND});
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const r = await pump(${N_PER_ROUND}, ${MS_PER_ROUND});
    delay.disable();
    console.log(JSON.stringify({ ...r, loopP99Ms: delay.percentile(99) / 1e6, rssMb: process.memoryUsage().rss / 2 ** 20, kept: ballast.length }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code]);
  return JSON.parse(stdout) as Round;
}

const rounds = new Map<string, Round[]>();
async function measure(name: string, run: () => Promise<Round>): Promise<void> {
  const round = await run();
  rounds.set(name, [...(rounds.get(name) ?? []), round]);
  progress(`${name}: ${round.done} spawns in ${round.seconds.toFixed(2)} s`);
}

const runner = await TaskRunner.start({ logger: silentLogger() });
try {
  const viaRunner: Spawn = async () => {
    const outcome = await runner.run({ file: 'true', args: [], timeoutMs: 10_000, maxOutputBytes: 1 << 20 });
    return outcome.kind === 'exited' && outcome.exitCode === 0;
  };
  for (let r = 0; r < ROUNDS; r++) {
    await measure('bare_execa', () => bareScript(0));
    await measure('runner', () => inProcess(viaRunner));
    let heap: number[][] | undefined = [];
    for (let i = 0; i < HEAP_MB / 8; i++) heap.push(Array.from({ length: 1 << 20 }, (_, j) => j + 0.5));
    progress(`holding ${heap.length * 8} MB of arrays; heapUsed ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MB`);
    await measure('runner_big_heap', () => inProcess(viaRunner));
    heap = undefined;
    gc();
    await measure('execa_big_heap', () => bareScript(HEAP_MB));
  }
} finally {
  await runner.close();
}

const rows = [...rounds].map(([name, rs]) => {
  const done = rs.reduce((s, r) => s + r.done, 0);
  const seconds = rs.reduce((s, r) => s + r.seconds, 0);
  const p99 = Math.max(...rs.map((r) => r.loopP99Ms));
  return { name, rate: done / seconds, done, seconds, loopP99Ms: p99, rssMb: Math.max(...rs.map((r) => r.rssMb)) };
});
const ceiling = rows[0]?.rate ?? 1;
const header = ['scenario', 'spawns/s', 'vs bare_execa', 'spawns', 'seconds', 'loop p99 ms', 'spawning process RSS MB'];
const cells = rows.map((r) => [r.name, r.rate.toFixed(0), (r.rate / ceiling).toFixed(2), String(r.done), r.seconds.toFixed(1),
  r.loopP99Ms.toFixed(1), r.name.startsWith('runner') ? `(main ${r.rssMb.toFixed(0)})` : r.rssMb.toFixed(0)]);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
const line = (r: readonly string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
process.stdout.write(`${[line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')}\n`);
for (const r of rows) {
  const bench = { name: `spawn_rate_${r.name}`, value: Math.round(r.rate), unit: 'spawns/s', ratio: Math.round((r.rate / ceiling) * 100) / 100,
    spawns: r.done, concurrency: CONCURRENCY, loopP99Ms: Math.round(r.loopP99Ms * 10) / 10, rssMb: Math.round(r.rssMb) };
  process.stdout.write(`BENCH ${JSON.stringify(bench)}\n`);
}
