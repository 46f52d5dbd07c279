/** Command-line options of the task benchmark (node:util parseArgs), with full and --quick defaults. */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

export const usage = `Usage: npm run bench:tasks -- [options]   (node bench/tasks/index.ts [options])

  --quick              smoke run (1 round, 200 spawns and tasks, smaller queues; well under a minute)
  --runs R             rounds of (C ceiling, bare Node, asexor end to end), interleaved; medians (default 3)
  --n N                spawns per ceiling run and date tasks per end-to-end run (default 1000)
  --concurrency C      spawns at a time in both ceilings, worker concurrency (default: CPU count, ${availableParallelism()})
  --spawner S          native, node, both, or default (the server's own choice, the default); the server
                       process gets ASEXOR_SPAWNER=S; with both, the end-to-end figures are taken for each
  --sleep-queued Q     sleep tasks queued for the RSS-per-queued-task figure (default 10000)
  --queued M           date tasks submitted into the saturated queue per run (default 20000)
  --window W           CALLs outstanding while filling a queue (default 256)
  --idle-seconds S     how long the fresh server idles before its idle RSS is read (default 5)
  --serializer NAME    json, msgpack or cbor (default json)
  --max-seconds T      bound of every single measured run (default 120)
  --no-legacy          skip the legacy ASEXOR clients (WebSocket, raw socket) measured beside (c)
  --submit-only        only the saturated-queue submit rate, task journal off and on (R rounds, a few minutes less)
  -h, --help           this text`;

export type SpawnerChoice = 'default' | 'native' | 'node';

export interface TaskBenchOptions {
  readonly quick: boolean;
  readonly help: boolean;
  readonly runs: number;
  readonly n: number;
  /** Unmeasured date tasks sent by each end-to-end client before the first round. */
  readonly warmup: number;
  /** Unmeasured spawns at the start of each ceiling run (C and bare Node), so that both are warm too. */
  readonly spawnWarmup: number;
  readonly concurrency: number;
  /** The server configurations to measure end to end, in order. */
  readonly spawners: readonly SpawnerChoice[];
  readonly sleepQueued: number;
  readonly queued: number;
  /** Tasks queued at a saturated server's start-up, before its baseline memory is taken. */
  readonly queueWarmup: number;
  readonly window: number;
  readonly idleMs: number;
  /** Wait before each RSS reading of the queued-sleep figure, so that the server is quiet. */
  readonly settleMs: number;
  /** Long enough for the server's idle GC (cli/idle-gc.ts: checks every 5 s) to have run once. */
  readonly idleSettleMs: number;
  /** Sleep tasks queued before the RSS-per-queued-task baseline is read. */
  readonly sleepWarmup: number;
  readonly serializer: SerializerId;
  readonly maxMs: number;
  /** Also measure the legacy WebSocket and raw socket clients end to end, beside (c), on the first server. */
  readonly legacy: boolean;
  /** Only the saturated-queue submit rate with the journal off and on. */
  readonly submitOnly: boolean;
}

const SERIALIZERS: readonly string[] = ['json', 'msgpack', 'cbor'];

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

function spawners(raw: string): readonly SpawnerChoice[] {
  if (raw === 'both') return ['native', 'node'];
  if (raw === 'default' || raw === 'native' || raw === 'node') return [raw];
  throw new Error(`--spawner must be native, node, both or default, got ${raw}`);
}

/** Parse argv; throws an Error with a readable message on bad input. */
export function parseOptions(argv: readonly string[]): TaskBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false }, runs: { type: 'string' }, n: { type: 'string' },
      concurrency: { type: 'string' }, spawner: { type: 'string', default: 'default' },
      'sleep-queued': { type: 'string' }, queued: { type: 'string' }, window: { type: 'string' },
      'idle-seconds': { type: 'string' }, serializer: { type: 'string' },
      'max-seconds': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
      legacy: { type: 'boolean', default: true },
      'submit-only': { type: 'boolean', default: false },
    },
    allowNegative: true,
    strict: true,
  });
  const quick = values.quick;
  const serializer = values.serializer ?? 'json';
  if (!SERIALIZERS.includes(serializer)) throw new Error(`unknown serializer ${serializer} (expected ${SERIALIZERS.join(', ')})`);
  const n = positiveInt('n', values.n, quick ? 200 : 1000);
  const queued = positiveInt('queued', values.queued, quick ? 2000 : 20_000);
  return {
    quick,
    help: values.help,
    runs: positiveInt('runs', values.runs, quick ? 1 : 3),
    n,
    warmup: Math.min(quick ? 20 : 100, n),
    spawnWarmup: quick ? 10 : 50,
    concurrency: positiveInt('concurrency', values.concurrency, availableParallelism()),
    spawners: spawners(values.spawner),
    sleepQueued: positiveInt('sleep-queued', values['sleep-queued'], quick ? 2000 : 10_000),
    queued,
    queueWarmup: Math.min(2000, queued),
    window: positiveInt('window', values.window, 256),
    idleMs: positiveInt('idle-seconds', values['idle-seconds'], quick ? 2 : 5) * 1000,
    settleMs: quick ? 1000 : 3000,
    idleSettleMs: 12_000,
    sleepWarmup: quick ? 200 : 1000,
    serializer: serializer as SerializerId,
    maxMs: positiveInt('max-seconds', values['max-seconds'], quick ? 30 : 120) * 1000,
    legacy: values.legacy,
    submitOnly: values['submit-only'],
  };
}
