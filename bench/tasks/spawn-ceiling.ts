/**
 * `npm run bench:spawn`: the worker's TaskRunner alone (no WAMP, no queue), against the C
 * `posix_spawn` ceiling, side by side in interleaved rounds. It isolates the spawner's cost from the
 * server's: every run spawns the default `date` task's argv (DATE_ARGV) `--n` times, `--concurrency`
 * at a time, output captured.
 *   c_ceiling           native/build/spawn-ceiling, a fresh process per round
 *   runner_native       TaskRunner with the native helper (native/build/asexor-spawn)
 *   runner_node         TaskRunner with the Node spawner (worker/spawner/main.ts)
 *   runner_native_heap  the native TaskRunner while this process holds `--heap-mb` of live JS heap:
 *                       spawning must not get slower as the worker grows
 * For each: spawns/s (median over rounds, ratio to the C ceiling of the same round) and CPU ms per
 * spawn of the spawning process (for TaskRunner: the spawner process, from /proc) and of the children.
 * Usage: node bench/tasks/spawn-ceiling.ts [--n 1000] [--concurrency C] [--rounds 3] [--heap-mb 256] [--quick]
 * Output: a table, then one `BENCH {...}` line per figure on stdout; progress on stderr.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { silentLogger } from '../../shared/logger.ts';
import { TaskRunner, type SpawnerKind } from '../../worker/task-runner.ts';
import { runProgram } from '../router/children.ts';
import { median, progress } from '../router/report.ts';
import { DATE_ARGV } from './bench-tasks.ts';
import { C_CEILING, haveCCeiling } from './ceilings.ts';
import { cpuMs, reapedChildrenCpuMs } from './proc-stats.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: String(availableParallelism()) },
    rounds: { type: 'string', default: '3' },
    'heap-mb': { type: 'string', default: '256' },
    quick: { type: 'boolean', default: false },
  },
  strict: true,
});
const N = values.quick ? 100 : Number(values.n);
const C = Number(values.concurrency);
const ROUNDS = values.quick ? 1 : Number(values.rounds);
const HEAP_MB = values.quick ? 32 : Number(values['heap-mb']);
const WARMUP = 50;

interface Run { readonly rate: number; readonly selfCpuMs: number; readonly childCpuMs: number }
type Scenario = 'c_ceiling' | 'runner_native' | 'runner_node' | 'runner_native_heap';

async function cCeiling(): Promise<Run> {
  const out = await runProgram(C_CEILING, ['-n', String(N), '-c', String(C), '-w', String(WARMUP), '--', ...DATE_ARGV], 120_000);
  const r = JSON.parse(out) as { count: number; elapsed_ms: number; self_cpu_ms: number; children_cpu_ms: number };
  return { rate: (r.count * 1000) / r.elapsed_ms, selfCpuMs: r.self_cpu_ms / r.count, childCpuMs: r.children_cpu_ms / r.count };
}

async function runner(kind: SpawnerKind, heapMb: number): Promise<Run> {
  const heap = Array.from({ length: heapMb }, () => Array.from({ length: 16_384 }, (_, i) => ({ i }))); // ~1 MB each
  const taskRunner = await TaskRunner.start({ logger: silentLogger(), spawner: kind });
  try {
    const pid = taskRunner.spawnerPid ?? 0;
    const [file = 'date', ...args] = DATE_ARGV;
    const req = { file, args, timeoutMs: 60_000, maxOutputBytes: 1 << 20 };
    for (let i = 0; i < WARMUP; i += 1) await taskRunner.run(req);
    let left = N;
    const cpu = (): { self: number; children: number } => ({ self: cpuMs(pid) ?? Number.NaN, children: reapedChildrenCpuMs(pid) ?? Number.NaN });
    const before = cpu();
    const started = performance.now();
    await Promise.all(Array.from({ length: C }, async () => {
      while (left-- > 0) await taskRunner.run(req);
    }));
    const elapsed = performance.now() - started;
    const after = cpu();
    if (heap.length !== heapMb) throw new Error('heap lost');
    return {
      rate: (N * 1000) / elapsed,
      selfCpuMs: (after.self - before.self) / N,
      childCpuMs: (after.children - before.children) / N,
    };
  } finally {
    await taskRunner.close();
  }
}

const SCENARIOS: Record<Scenario, () => Promise<Run>> = {
  c_ceiling: cCeiling,
  runner_native: () => runner('native', 0),
  runner_node: () => runner('node', 0),
  runner_native_heap: () => runner('native', HEAP_MB),
};

async function main(): Promise<void> {
  if (!haveCCeiling()) throw new Error(`${C_CEILING} is missing: build it with \`npm run build:native\` (needs a C compiler)`);
  const runs = new Map<Scenario, Run[]>();
  const ratios = new Map<Scenario, number[]>();
  for (let round = 1; round <= ROUNDS; round += 1) {
    let ceiling = Number.NaN;
    for (const [name, measure] of Object.entries(SCENARIOS) as [Scenario, () => Promise<Run>][]) {
      const run = await measure();
      if (name === 'c_ceiling') ceiling = run.rate;
      runs.set(name, [...(runs.get(name) ?? []), run]);
      ratios.set(name, [...(ratios.get(name) ?? []), run.rate / ceiling]);
      progress(`round ${round}/${ROUNDS} ${name}: ${run.rate.toFixed(1)} spawns/s, CPU ms/spawn self ${run.selfCpuMs.toFixed(3)} children ${run.childCpuMs.toFixed(2)}`);
    }
  }
  const lines = [`spawn benchmark: \`${DATE_ARGV.join(' ')}\` x ${N}, ${C} at a time, ${ROUNDS} interleaved round(s), medians; heap scenario holds ${HEAP_MB} MB`, ''];
  lines.push(`${'scenario'.padEnd(20)} ${'spawns/s'.padStart(9)} ${'vs C'.padStart(5)} ${'self CPU ms'.padStart(12)} ${'child CPU ms'.padStart(13)}`);
  const bench: string[] = [];
  for (const name of Object.keys(SCENARIOS) as Scenario[]) {
    const r = runs.get(name) ?? [];
    const rate = median(r.map((x) => x.rate));
    const ratio = median(ratios.get(name) ?? []);
    const self = median(r.map((x) => x.selfCpuMs));
    const child = median(r.map((x) => x.childCpuMs));
    lines.push(`${name.padEnd(20)} ${rate.toFixed(1).padStart(9)} ${ratio.toFixed(2).padStart(5)} ${self.toFixed(3).padStart(12)} ${child.toFixed(2).padStart(13)}`);
    bench.push(`BENCH ${JSON.stringify({ name, value: Number(rate.toFixed(1)), unit: 'spawns/s', ratio: Number(ratio.toFixed(2)), selfCpuMs: Number(self.toFixed(3)), childCpuMs: Number(child.toFixed(2)), runs: r.map((x) => Number(x.rate.toFixed(1))) })}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n${bench.join('\n')}\n`);
}

await main();
