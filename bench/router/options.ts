/** Command-line options of the router benchmark (node:util parseArgs), with full and --quick defaults. */
import { parseArgs } from 'node:util';
import type { SerializerId } from '../../shared/serializers/serializer.ts';

export const usage = `Usage: npm run bench:router -- [options]   (node bench/router/index.ts [options])

  --quick              short smoke run (1 run, short windows, 500 + 200 idle sessions, 2 s recovery wait)
  --runs N             repeat each measurement N times, report the median (default 3)
  --sessions N         idle sessions for the memory figure (default 5000)
  --serializers LIST   comma-separated: json,msgpack,cbor (default json,msgpack)
  --duration MS        measurement window of each throughput run (default 3000)
  --callers N          caller processes for RPC throughput (default 2)
  --inflight K         calls in flight per caller process (default 32)
  --subscribers S      subscriber sessions for the fan-out (default 100, in 4 processes)
  --idle-sessions N    idle WebSocket sessions for the RSS-per-idle-session figure (default 2000)
  --load-duration MS   saturated RPC load before the RSS-recovery samples (default 10000)
  --load-inflight K    calls in flight per caller process during that load (default 256)
  --recovery-wait MS   how long RSS is sampled (every second) after the load ends (default 60000)
  --recovery-runs N    after-load runs per serializer, median reported (default 1)
  --settle MS          idle time before each RSS reading, so the idle GC has run (default 12000)
  --no-idle-gc         run the router without the idle GC of asexor router (cli/idle-gc.ts)
  --memory-only        only the memory figures (skip latency, throughput and fan-out)
  --url URL            benchmark an external router that is already running (e.g. Crossbar:
                       ws://127.0.0.1:8080/ws); skips the memory figure unless --router-pid is given
  --realm NAME         realm to join (default realm1)
  --router-pid PID     with --url: the external router's pid, for an RSS-only memory figure
  -h, --help           this text`;

export interface BenchOptions {
  readonly runs: number;
  readonly sessions: number;
  readonly serializers: readonly SerializerId[];
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly calls: number;
  readonly callers: number;
  readonly inflight: number;
  readonly subscribers: number;
  readonly subscriberProcs: number;
  readonly publishWindow: number;
  readonly url: string | undefined;
  readonly realm: string;
  readonly routerPid: number | undefined;
  /** RSS figures (memory-scenarios.ts). */
  readonly idleSessions: number;
  readonly loadMs: number;
  readonly loadInflight: number;
  readonly recoveryWaitMs: number;
  readonly recoveryRuns: number;
  readonly settleMs: number;
  readonly idleGc: boolean;
  /** The idle GC's check interval in the router process; undefined = its default (5 s). */
  readonly idleGcCheckMs: number | undefined;
  readonly memoryOnly: boolean;
  readonly quick: boolean;
  readonly help: boolean;
}

const SERIALIZERS: readonly SerializerId[] = ['json', 'msgpack', 'cbor'];

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

function nonNegativeInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return n;
}

/** Parse argv; throws an Error with a readable message on bad input. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false }, runs: { type: 'string' }, sessions: { type: 'string' },
      serializers: { type: 'string' }, duration: { type: 'string' }, callers: { type: 'string' },
      inflight: { type: 'string' }, subscribers: { type: 'string' }, url: { type: 'string' },
      realm: { type: 'string' }, 'router-pid': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
      'idle-sessions': { type: 'string' }, 'load-duration': { type: 'string' }, 'load-inflight': { type: 'string' },
      'recovery-wait': { type: 'string' }, 'recovery-runs': { type: 'string' }, settle: { type: 'string' },
      'no-idle-gc': { type: 'boolean', default: false }, 'memory-only': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const quick = values.quick;
  const serializers = (values.serializers ?? 'json,msgpack').split(',').map((s) => s.trim());
  for (const s of serializers) {
    if (!SERIALIZERS.includes(s as SerializerId)) throw new Error(`unknown serializer ${s} (expected ${SERIALIZERS.join(', ')})`);
  }
  if (values.url !== undefined && !/^wss?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(values.url)) {
    throw new Error(`--url must point at a loopback router (ws://127.0.0.1:PORT/...), got ${values.url}`);
  }
  if (values['router-pid'] !== undefined && values.url === undefined) throw new Error('--router-pid needs --url');
  const subscribers = positiveInt('subscribers', values.subscribers, quick ? 10 : 100);
  return {
    quick,
    help: values.help,
    runs: positiveInt('runs', values.runs, quick ? 1 : 3),
    sessions: positiveInt('sessions', values.sessions, quick ? 500 : 5000),
    serializers: serializers as SerializerId[],
    warmupMs: quick ? 150 : 500,
    durationMs: positiveInt('duration', values.duration, quick ? 400 : 3000),
    calls: quick ? 300 : 5000,
    callers: positiveInt('callers', values.callers, 2),
    inflight: positiveInt('inflight', values.inflight, quick ? 8 : 32),
    subscribers,
    subscriberProcs: Math.min(subscribers, quick ? 2 : 4),
    publishWindow: 8,
    url: values.url,
    realm: values.realm ?? 'realm1',
    routerPid: values['router-pid'] === undefined ? undefined : positiveInt('router-pid', values['router-pid'], 0),
    idleSessions: positiveInt('idle-sessions', values['idle-sessions'], quick ? 200 : 2000),
    loadMs: positiveInt('load-duration', values['load-duration'], quick ? 1000 : 10_000),
    loadInflight: positiveInt('load-inflight', values['load-inflight'], quick ? 32 : 256),
    recoveryWaitMs: nonNegativeInt('recovery-wait', values['recovery-wait'], quick ? 2000 : 60_000),
    recoveryRuns: positiveInt('recovery-runs', values['recovery-runs'], 1),
    settleMs: nonNegativeInt('settle', values.settle, quick ? 1500 : 12_000),
    idleGc: !values['no-idle-gc'],
    // A quick run cannot wait for the production interval (5 s) before each reading.
    idleGcCheckMs: quick ? 500 : undefined,
    memoryOnly: values['memory-only'],
  };
}
