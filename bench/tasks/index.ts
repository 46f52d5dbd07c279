/**
 * Task benchmark orchestrator (`npm run bench:tasks`, i.e. `node bench/tasks/index.ts`). In rounds,
 * interleaved (a, b, c, a, b, c, ...), every party in its own process on 127.0.0.1 (bench/README.md):
 * (a) the C posix_spawn ceiling (native/build/spawn-ceiling), (b) bare Node child_process.spawn,
 * (c) asexor end to end over WAMP (`asexor serve` as npm start runs it; 1 client, `--n` date tasks sent
 * at once) for each spawner path;
 * then, each on a fresh server: RSS growth per queued sleep task, and the saturated-queue submit rate.
 * The idle RSS of each end-to-end server is read before its first client connects.
 * Prints a header, a table and one `BENCH {...}` line per figure; kills every child on the way out.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import type { Child } from '../router/children.ts';
import { sleep } from '../router/protocol.ts';
import { progress } from '../router/report.ts';
import { benchMain } from '../router/bench-main.ts';
import { DATE_ARGV } from './bench-tasks.ts';
import { cCeiling, haveCCeiling, nodeCeiling, type SpawnRun } from './ceilings.ts';
import { parseOptions, usage, type SpawnerChoice, type TaskBenchOptions } from './options.ts';
import { queuedSleepRss, saturatedQueue, type QueuedSleepRun, type SaturatedRun } from './queue-scenarios.ts';
import { benchLine, collectFigures, journalFigures, table, type LegacyRuns, type StackRuns } from './report.ts';
import {
  endToEndRound, stackRss, startE2eClient, startLegacyClient, startServerProcess, type E2eRun, type LegacyProtocol, type ServerProcess,
} from './scenarios.ts';

/** Hard bound on the whole run: nothing may hang a terminal or CI job. */
const WATCHDOG_MS = 30 * 60_000;
const NO_C_CEILING = 'native/build/spawn-ceiling is missing (build it with `npx node native/build.ts`; needs a C compiler): no C ceiling, no ratios';

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const spawnText = (r: SpawnRun): string => `${f1(r.rate)} spawns/s, CPU ms/spawn self ${r.selfCpuMs.toFixed(3)} children ${f2(r.childCpuMs)}`;

interface Rounds {
  readonly c: SpawnRun[] | undefined;
  readonly node: SpawnRun[];
  readonly stacks: StackRuns[];
  readonly servers: readonly ServerProcess[];
  /** Legacy clients on the first server, with that server's WAMP run of the same rounds. */
  readonly legacy: LegacyRuns | undefined;
}

/** Servers up and idle (idle RSS read), clients warmed up, then `o.runs` rounds of a, b, c... */
async function rounds(o: TaskBenchOptions, withC: boolean): Promise<Rounds> {
  const servers: ServerProcess[] = [];
  const clients: Child[] = [];
  try {
    for (const [i, choice] of o.spawners.entries()) {
      const s = await startServerProcess(o.concurrency, 10 * o.n, choice, o.legacy && i === 0);
      servers.push(s);
      progress(`server ${s.server.pid} (ASEXOR_SPAWNER ${choice === 'default' ? 'as inherited' : choice}): spawner ${s.spawner} (pid ${s.spawnerPid}, from ${s.spawnerSource})`);
    }
    progress(`idling ${o.idleMs / 1000} s before reading the servers' RSS`);
    await sleep(o.idleMs);
    const idle = servers.map((s) => stackRss(s));
    const e2e: E2eRun[][] = servers.map(() => []);
    for (const s of servers) clients.push(await startE2eClient(s, o));
    const legacyProtocols: readonly LegacyProtocol[] = o.legacy ? ['ws', 'raw'] : [];
    const legacyClients = new Map<LegacyProtocol, Child>();
    for (const protocol of legacyProtocols) {
      const child = await startLegacyClient(servers[0]!, protocol, o);
      clients.push(child);
      legacyClients.set(protocol, child);
    }
    const legacy: LegacyRuns | undefined = o.legacy ? { ws: [], raw: [], wamp: e2e[0] ?? [] } : undefined;
    const out: Rounds = {
      c: withC ? [] : undefined, node: [], servers, legacy,
      stacks: servers.map((s, i) => ({
        spawner: s.spawner, runs: e2e[i] ?? [], idleRss: { server: idle[i]?.server ?? Number.NaN, spawner: idle[i]?.spawner ?? Number.NaN },
      })),
    };
    for (let r = 1; r <= o.runs; r += 1) {
      if (out.c !== undefined) {
        const c = await cCeiling(o);
        out.c.push(c);
        progress(`round ${r}/${o.runs} (a) C ceiling: ${spawnText(c)}`);
      }
      const node = await nodeCeiling(o);
      out.node.push(node);
      progress(`round ${r}/${o.runs} (b) bare Node: ${spawnText(node)}`);
      for (const [i, s] of servers.entries()) {
        // The first server's WAMP client and legacy clients take turns leading (the order rotates every
        // round), so a machine that slows down during a round favours none of them.
        const parties: { readonly name: string; readonly child: Child; readonly record: (run: E2eRun) => void }[] = [
          { name: `${s.spawner} spawner`, child: clients[i]!, record: (run) => { e2e[i]?.push(run); } },
        ];
        if (i === 0 && legacy !== undefined) {
          for (const [protocol, child] of legacyClients) {
            parties.push({ name: `legacy ${protocol === 'ws' ? 'WebSocket' : 'raw socket'} client`, child, record: (run) => { legacy[protocol].push(run); } });
          }
        }
        for (let k = 0; k < parties.length; k += 1) {
          const party = parties[(k + r - 1) % parties.length]!;
          const e = await endToEndRound(s, party.child, o);
          party.record(e);
          progress(`round ${r}/${o.runs} (c) asexor, ${party.name}: ${f1(e.rate)} tasks/s; CPU ms/task server ${f2(e.server)}`
            + ` spawner ${f2(e.spawner)} date ${f2(e.children)} client ${f2(e.client)}`);
        }
      }
    }
    return out;
  } finally {
    await Promise.all(clients.map((c) => c.stop(10_000)));
    await Promise.all(servers.map((s) => s.server.stop(60_000)));
  }
}

/** Fresh servers, one after the other: `o.runs` x (queued-sleep RSS, saturated queue). */
/**
 * The saturated-queue submit rate with the task journal off and on, on fresh servers, in one round each;
 * the two take turns going first (docs/durability.md).
 */
async function submitPair(o: TaskBenchOptions, choice: SpawnerChoice, r: number): Promise<{ off: SaturatedRun; on: SaturatedRun }> {
  const order: ('memory' | 'sqlite')[] = r % 2 === 1 ? ['memory', 'sqlite'] : ['sqlite', 'memory'];
  const runs = new Map<string, SaturatedRun>();
  for (const store of order) {
    const s = await saturatedQueue(o, choice, store);
    runs.set(store, s);
    progress(`saturated queue run ${r}/${o.runs}, journal ${store === 'sqlite' ? 'on (SQLite)' : 'off'}: ${Math.round(s.wampRate)} submits/s;`
      + ` CPU us per submission: server ${f1(s.serverCpuUs)}, client ${f1(s.clientCpuUs)}`);
  }
  return { off: runs.get('memory')!, on: runs.get('sqlite')! };
}

/** `--submit-only`: just the journal off/on pairs. */
async function submitOnly(o: TaskBenchOptions): Promise<void> {
  const choice = o.spawners[0] ?? 'default';
  const off: SaturatedRun[] = [];
  const on: SaturatedRun[] = [];
  for (let r = 1; r <= o.runs; r += 1) {
    const pair = await submitPair(o, choice, r);
    off.push(pair.off);
    on.push(pair.on);
  }
  const figures = journalFigures(off, on);
  process.stdout.write(`saturated queue, ${o.queueWarmup} date tasks queued first, then ${o.queued} with ${o.window} CALLs outstanding; journal off and on, fresh servers, ${o.runs} rounds\n\n${table(figures)}\n\n`);
  for (const f of figures) process.stdout.write(`${benchLine(f)}\n`);
}

async function queues(o: TaskBenchOptions): Promise<{ queuedSleep: QueuedSleepRun[]; coldSleep: QueuedSleepRun; saturated: SaturatedRun[]; saturatedJournal: SaturatedRun[] }> {
  const choice = o.spawners[0] ?? 'default';
  const coldSleep = await queuedSleepRss(o, choice, 0);
  progress(`queued sleep on a cold server (no warm-up): ${Math.round((coldSleep.rssSettled - coldSleep.rssBefore) / coldSleep.queued)} bytes each settled,`
    + ` ${Math.round((coldSleep.rssSoon - coldSleep.rssBefore) / coldSleep.queued)} soon`);
  const out = { queuedSleep: [] as QueuedSleepRun[], coldSleep, saturated: [] as SaturatedRun[], saturatedJournal: [] as SaturatedRun[] };
  for (let r = 1; r <= o.runs; r += 1) {
    const q = await queuedSleepRss(o, choice);
    out.queuedSleep.push(q);
    progress(`queued sleep run ${r}/${o.runs}: RSS ${f1(q.rssBefore / 2 ** 20)} -> ${f1(q.rssSoon / 2 ** 20)} (soon) -> ${f1(q.rssSettled / 2 ** 20)} MB (settled)`
      + ` for ${q.queued} tasks, ${Math.round((q.rssSettled - q.rssBefore) / q.queued)} bytes each settled, ${Math.round((q.rssSoon - q.rssBefore) / q.queued)} soon`);
    const pair = await submitPair(o, choice, r);
    out.saturated.push(pair.off);
    out.saturatedJournal.push(pair.on);
  }
  return out;
}

function describe(o: TaskBenchOptions, r: Rounds, load: readonly number[]): string {
  const argv = DATE_ARGV.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ');
  const paths = r.servers.map((s) => `${s.spawner} (ASEXOR_SPAWNER=${s.choice === 'default' ? (process.env['ASEXOR_SPAWNER'] ?? 'unset') : s.choice};`
    + ` known from ${s.spawnerSource}; server ran ${s.server.fromSource ? 'the TypeScript sources: bin/asexor.mjs could not use dist/' : 'dist/'})`);
  return [
    `asexor task benchmark, node ${process.version}, ${availableParallelism()} cpus (${cpus()[0]?.model ?? 'unknown cpu'}), load average at start ${load.map(f2).join(' ')}`,
    `every spawn or task runs \`${argv}\` (the shipped date task, default params), output captured through pipes, stdin /dev/null, own process group`,
    r.c === undefined ? NO_C_CEILING
      : `(a) C ceiling: native/build/spawn-ceiling, a fresh process per round: posix_spawnp + poll + waitpid, ${o.n} spawns after ${o.spawnWarmup} warm-up, ${o.concurrency} at a time`,
    `(b) bare Node: a fresh node process per round, child_process.spawn, ${o.n} spawns after ${o.spawnWarmup} warm-up, ${o.concurrency} at a time`,
    `(c) asexor: \`node bin/asexor.mjs serve\` (router + worker) in its own process with its spawner child, worker concurrency ${o.concurrency}; one client process`
      + ` (ticket user, ${o.serializer}) sends ${o.n} CALLs at once, timed from the first CALL to the last terminal event (after ${o.warmup} warm-up tasks)`,
    `spawner path of each (c) server: ${paths.join(', ')}`,
    ...(r.legacy === undefined ? [] : [`legacy clients (docs/legacy-protocols.md), measured beside the WAMP client on the first server in the same rounds, the three taking turns to go first: `
      + `the JSON WebSocket on /ws and the CBOR raw socket (Unix), ${o.n} date calls at once each, timed to the last success update; "x WAMP" = median of per-round ratios`]),
    `rounds: ${o.runs}, interleaved a, b, c; medians; "vs C" = median over rounds of (figure / C ceiling of the same round)`,
    `CPU per task: /proc/PID/stat utime+stime of each process (10 ms ticks), task processes = the spawner's cutime+cstime`,
    `idle RSS: VmRSS of server + spawner ${o.idleMs / 1000} s after start-up, no sessions, no forced GC`,
    `queues: fresh servers with their ${o.concurrency} slots held by sleep 3600 tasks; RSS growth per queued sleep = VmRSS (server + spawner) after`
      + ` - before ${o.sleepQueued} sleep tasks queued over WAMP (after ${o.sleepWarmup} warm-up ones), read ${o.idleSettleMs / 1000} s after the last submission ("settled": the server went idle and ran its own idle GC,`
      + ` cli/idle-gc.ts; the bench forces no GC) and ${o.settleMs / 1000} s after it ("soon");`
      + ` saturated queue: ${o.queueWarmup} date tasks queued first, then ${o.queued} with ${o.window} CALLs outstanding`,
  ].join('\n');
}

async function runAll(o: TaskBenchOptions): Promise<void> {
  if (o.submitOnly) {
    await submitOnly(o);
    return;
  }
  const load = loadavg();
  const withC = haveCCeiling();
  if (!withC) progress(NO_C_CEILING);
  const r = await rounds(o, withC);
  const q = await queues(o);
  const figures = collectFigures({ c: r.c, node: r.node, stacks: r.stacks, legacy: r.legacy, ...q }, o);
  process.stdout.write(`${describe(o, r, load)}\n\n${table(figures)}\n\n`);
  for (const f of figures) process.stdout.write(`${benchLine(f)}\n`);
}

process.exitCode = await benchMain({ name: 'bench:tasks', usage, watchdogMs: WATCHDOG_MS, parse: parseOptions, run: runAll });
