/**
 * Soak (`npm run bench:soak`): `asexor serve` in its own process, as npm start runs it, under a
 * steady light load and a flood for `--seconds`:
 * - `--flooders` users each keep their queue full (up to `--per-user` queued `sleep --sleep` tasks;
 *   a refusal waits a little and tries again);
 * - one light user submits a `date` every `--light-every-ms` and waits for its end (progressive call):
 *   its latency must stay bounded although the flooders hold the queue (users take turns within a
 *   priority, worker/task-queue-waiting-room.ts);
 * - the server's RSS (VmRSS, as the OS sees it) is sampled every `--sample-ms`.
 * At the end the flood stops, every open flood task is cancelled, and every accepted id must have
 * exactly one terminal event on its owner's status topic. Prints the RSS samples, the light user's
 * latencies and the counts, one `BENCH {...}` line per figure; exits 1 when an id has no or more
 * than one terminal event. The clients run in this process (what is measured is the server).
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { connectClient, describeError, type ClientSession } from '../../cli/client.ts';
import { isTerminal, type TaskStatus } from '../../shared/task-status.ts';
import { statusTopic } from '../../shared/wamp/app-uris.ts';
import { isAbError, type Dict } from '../../shared/autobahn.ts';
import { benchMain } from '../router/bench-main.ts';
import { progress } from '../router/report.ts';
import { BENCH_REALM } from './bench-user.ts';
import { rssBytes } from './proc-stats.ts';
import { startServe } from './serve-process.ts';

const usage = `Usage: npm run bench:soak -- [options]   (node bench/tasks/soak.ts [options])

  --seconds S          length of the soak (default 180)
  --flooders N         users flooding the queue (default 20)
  --per-user Q         queued tasks per flooding user, its perUser.maxQueued (default 200)
  --sleep SEC          length of each flood task, a sleep (default 0.2)
  --light-every-ms MS  the light user's date period (default 500)
  --sample-ms MS       RSS sampling period (default 5000)
  --help`;

interface SoakOptions {
  readonly seconds: number;
  readonly flooders: number;
  readonly perUser: number;
  readonly sleep: number;
  readonly lightEveryMs: number;
  readonly sampleMs: number;
  readonly help: boolean;
}

function number(raw: string | undefined, name: string, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number >= ${min}, got ${raw}`);
  return value;
}

function parse(argv: readonly string[]): SoakOptions {
  const { values } = parseArgs({
    args: [...argv], strict: true,
    options: {
      seconds: { type: 'string' }, flooders: { type: 'string' }, 'per-user': { type: 'string' }, sleep: { type: 'string' },
      'light-every-ms': { type: 'string' }, 'sample-ms': { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  return {
    seconds: number(values.seconds, 'seconds', 180, 1), flooders: number(values.flooders, 'flooders', 20, 1),
    perUser: number(values['per-user'], 'per-user', 200, 1), sleep: number(values.sleep, 'sleep', 0.2, 0),
    lightEveryMs: number(values['light-every-ms'], 'light-every-ms', 500, 10), sampleMs: number(values['sample-ms'], 'sample-ms', 5000, 100),
    help: values.help,
  };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number | undefined): string => (bytes === undefined ? '?' : (bytes / 1048576).toFixed(1));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Terminal events per task id of one user's status topic. */
class Terminals {
  readonly counts = new Map<string, number>();
  readonly accepted = new Set<string>();
  observe(event: Dict): void {
    const id = event['task_id'];
    if (typeof id === 'string' && isTerminal(event['status'] as TaskStatus)) this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }
  get open(): string[] {
    return [...this.accepted].filter((id) => !this.counts.has(id));
  }
}

async function user(url: string, authid: string, terminals: Terminals): Promise<ClientSession> {
  const client = await connectClient({ url, realm: BENCH_REALM, uriPrefix: 'asexor', authid, credential: { ticket: `${authid}-ticket` } });
  await client.session.subscribe(statusTopic('asexor', authid), (_args, kwargs) => { terminals.observe(kwargs); });
  return client;
}

async function flood(client: ClientSession, terminals: Terminals, o: SoakOptions, until: () => boolean, refused: { count: number }): Promise<void> {
  while (!until()) {
    try {
      terminals.accepted.add(await client.call('asexor.task.sleep', [o.sleep]) as string);
    } catch (error) {
      if (!isAbError(error) || error.error !== 'asexor.error.queue_full') throw error;
      refused.count++;
      await pause(50);
    }
  }
}

async function run(o: SoakOptions): Promise<void> {
  const users = Array.from({ length: o.flooders }, (_, i) => ({ authid: `soak-${i}`, ticket: `soak-${i}-ticket` }));
  const light = { authid: 'soak-light', ticket: 'soak-light-ticket' };
  const concurrency = availableParallelism();
  const server = await startServe({
    concurrency, maxQueued: o.flooders * o.perUser + 100, perUserMaxQueued: o.perUser, choice: 'default', legacy: false, store: 'memory', users: [...users, light],
  });
  const clients: ClientSession[] = [];
  try {
    await pause(2000);
    const idle = rssBytes(server.pid);
    progress(`server ${server.pid} idle: RSS ${mb(idle)} MB; soak ${o.seconds} s, ${o.flooders} flooders x ${o.perUser} queued sleep ${o.sleep}, concurrency ${concurrency}`);
    const terminals = users.map(() => new Terminals());
    const lightTerminals = new Terminals();
    for (const [i, u] of users.entries()) clients.push(await user(server.url, u.authid, terminals[i] ?? new Terminals()));
    const lightClient = await user(server.url, light.authid, lightTerminals);
    clients.push(lightClient);

    const end = Date.now() + o.seconds * 1000;
    const over = (): boolean => Date.now() >= end;
    const refused = { count: 0 };
    const floods = clients.slice(0, o.flooders).map((c, i) => flood(c, terminals[i] ?? new Terminals(), o, over, refused));
    const samples: { at: number; rss: number | undefined }[] = [];
    const start = Date.now();
    const sampler = setInterval(() => {
      const rss = rssBytes(server.pid);
      samples.push({ at: Date.now() - start, rss });
      progress(`t=${((Date.now() - start) / 1000).toFixed(0)} s RSS ${mb(rss)} MB`);
    }, o.sampleMs);
    const latencies: number[] = [];
    while (!over()) {
      const t0 = performance.now();
      const id = await lightClient.call('asexor.task.date', [], {}, { receive_progress: true }).then(() => undefined, (error: unknown) => error);
      if (id !== undefined) throw new Error(`the light user's date failed: ${describeError(id)}`);
      latencies.push(performance.now() - t0);
      await pause(Math.max(0, o.lightEveryMs - (performance.now() - t0)));
    }
    await Promise.all(floods);
    clearInterval(sampler);
    const loaded = rssBytes(server.pid);

    // Stop: cancel what is still open, then every accepted id must end exactly once.
    const accepted = terminals.reduce((n, t) => n + t.accepted.size, 0);
    await Promise.all(clients.slice(0, o.flooders).map(async (c, i) => {
      for (const id of terminals[i]?.open ?? []) await c.call('asexor.control.cancel', [id]).catch(() => undefined);
    }));
    const deadline = Date.now() + 60_000;
    while (terminals.some((t) => t.open.length > 0) && Date.now() < deadline) await pause(200);
    const missing = terminals.reduce((n, t) => n + t.open.length, 0);
    const duplicates = terminals.reduce((n, t) => n + [...t.counts.values()].filter((c) => c > 1).length, 0);
    await pause(2000);
    const after = rssBytes(server.pid);

    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p95 = percentile(sorted, 95);
    const max = sorted[sorted.length - 1] ?? Number.NaN;
    process.stdout.write(`\nsoak: ${o.seconds} s, ${o.flooders} users flooding ${o.perUser} queued sleep ${o.sleep} s each, one light user's date every ${o.lightEveryMs} ms\n\n`);
    process.stdout.write(`RSS samples (MB): ${samples.map((s) => mb(s.rss)).join(' ')}\n`);
    process.stdout.write(`RSS idle ${mb(idle)} MB, at the end of the flood ${mb(loaded)} MB, 2 s after the last task ended ${mb(after)} MB\n`);
    process.stdout.write(`light user: ${latencies.length} dates, latency p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${max.toFixed(0)} ms\n`);
    process.stdout.write(`flood: ${accepted} accepted, ${refused.count} refused (queue_full, retried); terminal events: ${missing} ids without, ${duplicates} ids with more than one\n\n`);
    const bench = (name: string, value: number, unit: string, extra: Dict = {}): void => {
      process.stdout.write(`BENCH ${JSON.stringify({ name, value: Math.round(value * 10) / 10, unit, ...extra })}\n`);
    };
    bench('soak_light_latency_p95', p95, 'ms', { p50: Math.round(p50), max: Math.round(max), n: latencies.length });
    bench('soak_rss_idle', (idle ?? 0) / 1048576, 'MB');
    bench('soak_rss_peak', Math.max(...samples.map((s) => s.rss ?? 0), loaded ?? 0) / 1048576, 'MB');
    bench('soak_rss_after', (after ?? 0) / 1048576, 'MB');
    bench('soak_accepted', accepted, 'tasks', { missing, duplicates, pass: missing === 0 && duplicates === 0 });
    if (missing > 0 || duplicates > 0) throw new Error(`${missing} accepted ids without a terminal event, ${duplicates} with more than one`);
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await server.stop(30_000);
  }
}

process.exitCode = await benchMain({ name: 'bench:soak', usage, watchdogMs: 60 * 60_000, parse, run });
