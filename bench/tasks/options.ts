/** Command-line options of the task benchmark (node:util parseArgs), with full and --quick defaults. */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

export const usage = `Usage: npm run bench:tasks -- [options]   (node --expose-gc bench/tasks/index.ts [options])

  --quick              short smoke run (1 run, few tasks, 200 idle sessions)
  --runs R             repeat each throughput measurement R times, report the median (default 3)
  --n N                tasks per end-to-end run, and spawns per raw-ceiling run (default 600)
  --concurrency C      worker concurrency and raw-ceiling concurrency (default: CPU count, ${availableParallelism()})
  --inflight K         task CALLs the end-to-end client keeps outstanding (default 2 x concurrency)
  --sessions S         idle sessions held by the server during the second end-to-end figure (default 5000)
  --queued M           tasks submitted into the saturated queue per run (default 20000)
  --window W           CALLs outstanding while filling the saturated queue (default 256)
  --serializer NAME    json, msgpack or cbor (default json)
  --max-seconds T      bound of every single measured run (default 120)
  -h, --help           this text`;

export interface TaskBenchOptions {
  readonly quick: boolean;
  readonly help: boolean;
  readonly runs: number;
  readonly n: number;
  /** Unmeasured tasks before each measured end-to-end run (the server is long-lived, hence warm). */
  readonly warmup: number;
  /** Unmeasured spawns of each fresh raw-ceiling process, so that its JIT is warm too. */
  readonly rawWarmup: number;
  readonly concurrency: number;
  readonly inflight: number;
  readonly sessions: number;
  readonly queued: number;
  /** Tasks queued at the saturated server's start-up, before its baseline memory is taken. */
  readonly queueWarmup: number;
  readonly window: number;
  readonly serializer: SerializerId;
  readonly maxMs: number;
}

const SERIALIZERS: readonly string[] = ['json', 'msgpack', 'cbor'];

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

/** Parse argv; throws an Error with a readable message on bad input. */
export function parseOptions(argv: readonly string[]): TaskBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false }, runs: { type: 'string' }, n: { type: 'string' },
      concurrency: { type: 'string' }, inflight: { type: 'string' }, sessions: { type: 'string' },
      queued: { type: 'string' }, window: { type: 'string' }, serializer: { type: 'string' },
      'max-seconds': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const quick = values.quick;
  const serializer = values.serializer ?? 'json';
  if (!SERIALIZERS.includes(serializer)) throw new Error(`unknown serializer ${serializer} (expected ${SERIALIZERS.join(', ')})`);
  const concurrency = positiveInt('concurrency', values.concurrency, availableParallelism());
  const n = positiveInt('n', values.n, quick ? 60 : 600);
  const queued = positiveInt('queued', values.queued, quick ? 2000 : 20_000);
  return {
    quick,
    help: values.help,
    runs: positiveInt('runs', values.runs, quick ? 1 : 3),
    n,
    warmup: Math.min(quick ? 10 : 40, n),
    rawWarmup: quick ? 10 : 150,
    concurrency,
    inflight: positiveInt('inflight', values.inflight, 2 * concurrency),
    sessions: positiveInt('sessions', values.sessions, quick ? 200 : 5000),
    queued,
    queueWarmup: Math.min(2000, queued),
    window: positiveInt('window', values.window, 256),
    serializer: serializer as SerializerId,
    maxMs: positiveInt('max-seconds', values['max-seconds'], quick ? 30 : 120) * 1000,
  };
}
