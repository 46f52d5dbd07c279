/**
 * Task queue benchmark: accepted submissions per second into a saturated queue, and heap bytes per
 * waiting task (bars: >= 10,000 submits/s, <= 1 KB per waiting task).
 *
 *   node --expose-gc bench/tasks/queue.ts [--n 100000] [--concurrency 4] [--users 100] [--runs 3]
 *
 * Each run: a fresh TaskQueue whose `concurrency` slots are taken by tasks that never finish, N task
 * descriptors built beforehand (32-hex ids like the worker's, owners round-robin over --users,
 * priorities 0..9 in turn, one shared run function), then N submit() calls timed with
 * performance.now(). Heap: heapUsed after forced GC, before building the descriptors, after building
 * them and after submitting them; per task = delta / N. `heap_per_queued_task` includes the descriptor
 * (id string, object) as a worker would hold it; `queue_bytes_per_task` is the queue's own share.
 * At the end shutdown('cancel') empties the queue. Table on stdout, then one `BENCH {...}` line per figure.
 */
import { randomBytes } from 'node:crypto';
import { setImmediate as immediate } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { TaskQueue, type QueueJob } from '../../worker/task-queue.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '4' },
    users: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
  },
});

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

const N = positiveInt('n', values.n);
const concurrency = positiveInt('concurrency', values.concurrency);
const users = positiveInt('users', values.users);
const runs = positiveInt('runs', values.runs);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('This benchmark needs a forced GC: node --expose-gc bench/tasks/queue.ts\n');
  process.exit(2);
}

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** Runs until its signal aborts: the queue stays saturated for the whole measurement. */
const runUntilAborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => { signal.addEventListener('abort', () => { resolve(); }, { once: true }); });

interface RunResult { submitsPerSec: number; heapPerTask: number; queuePerTask: number }

async function once(): Promise<RunResult> {
  const queue = new TaskQueue({ concurrency, maxQueued: N, perUser: { maxQueued: N } });
  for (let i = 0; i < concurrency; i++) queue.submit({ id: `blocker${i}`, owner: 'blocker', priority: 0, run: runUntilAborted });
  await immediate();
  const base = heapAfterGc();
  let jobs: QueueJob[] = [];
  for (let i = 0; i < N; i++) {
    jobs.push({ id: randomBytes(16).toString('hex'), owner: `user${i % users}`, priority: i % 10, run: runUntilAborted });
  }
  const built = heapAfterGc();
  const t0 = performance.now();
  for (const job of jobs) queue.submit(job);
  const elapsed = performance.now() - t0;
  jobs = [];
  const after = heapAfterGc();
  const stats = queue.stats();
  if (stats.queued !== N || stats.running !== concurrency) throw new Error(`queue not saturated as expected: ${JSON.stringify(stats)}`);
  const jobBytes = built - base;
  const result = { submitsPerSec: N / (elapsed / 1000), heapPerTask: (after - base) / N, queuePerTask: (after - base - jobBytes) / N };
  await queue.shutdown('cancel');
  return result;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

process.stderr.write(`[bench] queue: N=${N}, concurrency=${concurrency}, users=${users}, runs=${runs} (+1 warm-up)\n`);
await once(); // warm-up: JIT, lazily allocated structures
const results: RunResult[] = [];
for (let r = 0; r < runs; r++) {
  results.push(await once());
  process.stderr.write(`[bench] run ${r + 1}/${runs} done\n`);
}

const figures = [
  { name: 'queue_submit_rate', label: 'accepted submits/s, saturated queue', unit: 'submits/s', bar: '>= 10,000', pick: (x: RunResult) => x.submitsPerSec },
  { name: 'heap_per_queued_task', label: 'heapUsed per waiting task (with descriptor)', unit: 'bytes', bar: '<= 1,024', pick: (x: RunResult) => x.heapPerTask },
  { name: 'queue_bytes_per_task', label: "queue's own heap per waiting task", unit: 'bytes', bar: '', pick: (x: RunResult) => x.queuePerTask },
].map((f) => {
  const all = results.map((x) => Math.round(f.pick(x)));
  return { ...f, value: Math.round(median(all)), runs: all };
});

const rows = [['figure', 'median', 'unit', 'bar'], ...figures.map((f) => [f.label, f.value.toLocaleString('en-US'), f.unit, f.bar])];
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
for (const [k, row] of rows.entries()) {
  process.stdout.write(`${row.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ')}\n`);
  if (k === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
}
for (const f of figures) {
  process.stdout.write(`BENCH ${JSON.stringify({ name: f.name, value: f.value, unit: f.unit, runs: f.runs, n: N, concurrency, users })}\n`);
}
