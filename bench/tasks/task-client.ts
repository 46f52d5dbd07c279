/**
 * The benchmark's WAMP client, alone in its process: one ticket session of user `bench`, subscribed to
 * its status topic (task-session.ts). Two modes:
 * - `e2e`: on `run`, `--warmup` tasks (unmeasured), then `--n` `noop` tasks with `--inflight` CALLs
 *   outstanding; a task counts when its terminal event arrives. Reports tasks ended and the time from
 *   the first CALL to the last terminal event. Any task that does not end in `success` fails the run.
 * - `saturate`: at start-up a `sleep 3600` task takes the server's only slot (we wait for its
 *   `started` event) and `--warmup` `noop` tasks are queued; on `run`, `--n` more `noop` tasks with up
 *   to `--inflight` CALLs outstanding; a task counts when its RESULT (the task id) arrives. Reports
 *   accepted tasks and the time from the first CALL to the last RESULT. A refused CALL fails the run.
 * Every run is bounded by `durationMs` (then it reports what it counted so far).
 * Usage (forked by index.ts): task-client.ts --url URL --mode e2e|saturate --n N --inflight K [--warmup W] [--serializer json]
 */
import { parseArgs } from 'node:util';
import type { SerializerId } from '../../shared/serializers/serializer.ts';
import { serveParent } from '../router/protocol.ts';
import type { Report } from '../router/protocol.ts';
import { NOOP_TASK } from './bench-tasks.ts';
import { TaskSession } from './task-session.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    mode: { type: 'string', default: 'e2e' },
    n: { type: 'string', default: '1000' },
    inflight: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '0' },
    serializer: { type: 'string', default: 'json' },
  },
  strict: true,
});

function count(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}

if (values.url === undefined) throw new Error('--url is required');
if (values.mode !== 'e2e' && values.mode !== 'saturate') throw new Error(`--mode must be e2e or saturate, got ${values.mode}`);
const url = values.url;
const mode = values.mode;
const n = count('n', values.n, 1);
const inflight = count('inflight', values.inflight, 1);
const warmup = count('warmup', values.warmup, 0);
const STARTUP_LIMIT_MS = 60_000;

interface Pumped { readonly done: number; readonly elapsedMs: number; readonly failure: string | undefined }

/**
 * Submits up to `total` `noop` tasks, `inflight` outstanding, until all counted or `maxMs` passed.
 * `untilEnd`: a task counts at its terminal event (e2e); otherwise at its RESULT (saturate).
 */
function pump(session: TaskSession, total: number, maxMs: number, untilEnd: boolean): Promise<Pumped> {
  return new Promise((resolve) => {
    const start = performance.now();
    let started = 0;
    let outstanding = 0;
    let done = 0;
    let failure: string | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve({ done, elapsedMs: performance.now() - start, failure });
    };
    const timer = setTimeout(finish, maxMs);
    const counted = (problem: string | undefined): void => {
      outstanding -= 1;
      if (finished) return;
      if (problem === undefined) done += 1;
      else failure ??= problem;
      next();
    };
    const onAccepted = (_taskId: string | undefined, error: string | undefined): void => {
      if (error !== undefined) counted(`a submission was refused: ${error}`);
      else if (!untilEnd) counted(undefined);
    };
    const onStatus = (status: string, terminal: boolean): void => {
      if (terminal) counted(status === 'success' ? undefined : `a task ended with ${status}`);
    };
    const handlers = untilEnd ? { onAccepted, onStatus } : { onAccepted };
    const next = (): void => {
      while (failure === undefined && outstanding < inflight && started < total) {
        started += 1;
        outstanding += 1;
        session.submit(NOOP_TASK, [], handlers);
      }
      if (outstanding === 0) finish();
    };
    next();
  });
}

/** Take the server's only slot with a long `sleep` and wait until it runs. */
function occupySlot(session: TaskSession): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('the blocking sleep task did not start within 30 s')); }, 30_000);
    session.submit('sleep', [3600], {
      onAccepted: (_id, error) => {
        if (error === undefined) return;
        clearTimeout(timer);
        reject(new Error(`the blocking sleep task was refused: ${error}`));
      },
      onStatus: (status) => {
        if (status !== 'started') return;
        clearTimeout(timer);
        resolve();
      },
    });
  });
}

function checked(p: Pumped, what: string): Pumped {
  if (p.failure !== undefined) throw new Error(`${what}: ${p.failure}`);
  return p;
}

let session: TaskSession | undefined;

serveParent(
  async () => {
    session = await TaskSession.open(url, values.serializer as SerializerId);
    if (mode === 'saturate') {
      await occupySlot(session);
      if (warmup > 0) checked(await pump(session, warmup, STARTUP_LIMIT_MS, false), 'warm-up');
    }
    return { evt: 'ready', sessions: 1 };
  },
  async (command): Promise<Report> => {
    if (command.cmd !== 'run' || session === undefined) throw new Error(`task-client: unsupported command ${command.cmd}`);
    if (mode === 'e2e' && warmup > 0) checked(await pump(session, warmup, command.warmupMs, true), 'warm-up');
    const measured = checked(await pump(session, n, command.durationMs, mode === 'e2e'), 'measured run');
    return { evt: 'result', count: measured.done, elapsedMs: measured.elapsedMs };
  },
  async () => {
    await session?.close();
  },
);
