/**
 * The benchmark's WAMP client, alone in its process: one ticket session of user `bench`, subscribed to
 * its status topic (task-session.ts). Two modes:
 * - `e2e`: at start-up `--warmup` `date` tasks (unmeasured); on `run`, `--n` `date` tasks with `--inflight`
 *   CALLs outstanding (default: all of them, sent at once without waiting); a task counts when its
 *   terminal event arrives. Reports tasks ended and the time from the first CALL to the last terminal
 *   event. Any task that does not end in `success` fails the run.
 * - `saturate`: at start-up `--slots` `sleep 3600` tasks take the server's slots (we wait for their
 *   `started` events) and `--warmup` `--task` tasks are queued; on `run`, `--n` more `--task` tasks
 *   (`date` with default params, or `sleep 3600`) with up to `--inflight` CALLs outstanding; a task
 *   counts when its RESULT (the task id) arrives. Reports accepted tasks and the time from the first
 *   CALL to the last RESULT. A refused CALL fails the run.
 * Every run is bounded by `durationMs` (then it reports what it counted so far).
 * Usage (forked by index.ts): task-client.ts --url URL --mode e2e|saturate --n N [--inflight K]
 *   [--warmup W] [--slots S] [--task date|sleep] [--serializer json]
 */
import { parseArgs } from 'node:util';
import type { SerializerId } from '../../shared/serializers/serializer.ts';
import { serveParent } from '../router/protocol.ts';
import type { Report } from '../router/protocol.ts';
import { DATE_TASK, SLEEP_TASK } from './bench-tasks.ts';
import { TaskSession } from './task-session.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    mode: { type: 'string', default: 'e2e' },
    n: { type: 'string', default: '1000' },
    inflight: { type: 'string' },
    warmup: { type: 'string', default: '0' },
    slots: { type: 'string', default: '1' },
    task: { type: 'string', default: DATE_TASK },
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
const inflight = count('inflight', values.inflight ?? values.n, 1);
const warmup = count('warmup', values.warmup, 0);
const slots = count('slots', values.slots, 1);
if (values.task !== DATE_TASK && values.task !== SLEEP_TASK) throw new Error(`--task must be ${DATE_TASK} or ${SLEEP_TASK}`);
const task = values.task;
/** A queued `sleep` must never run while measured: it sleeps an hour. `date` runs with its default params. */
const taskArgs = (name: string): readonly unknown[] => (name === SLEEP_TASK ? [3600] : []);
const STARTUP_LIMIT_MS = 60_000;

interface Pumped { readonly done: number; readonly elapsedMs: number; readonly failure: string | undefined }

/**
 * Submits up to `total` `name` tasks, `window` outstanding, until all counted or `maxMs` passed.
 * `untilEnd`: a task counts at its terminal event (e2e); otherwise at its RESULT (saturate).
 */
function pump(session: TaskSession, name: string, total: number, window: number, maxMs: number, untilEnd: boolean): Promise<Pumped> {
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
      while (failure === undefined && outstanding < window && started < total) {
        started += 1;
        outstanding += 1;
        session.submit(name, taskArgs(name), handlers);
      }
      if (outstanding === 0) finish();
    };
    next();
  });
}

/** Take one of the server's slots with a long `sleep` and wait until it runs. */
function occupySlot(session: TaskSession): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('a blocking sleep task did not start within 30 s')); }, 30_000);
    session.submit(SLEEP_TASK, taskArgs(SLEEP_TASK), {
      onAccepted: (_id, error) => {
        if (error === undefined) return;
        clearTimeout(timer);
        reject(new Error(`a blocking sleep task was refused: ${error}`));
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
    if (mode === 'e2e' && warmup > 0) checked(await pump(session, DATE_TASK, warmup, warmup, STARTUP_LIMIT_MS, true), 'warm-up');
    if (mode === 'saturate') {
      const open = session;
      await Promise.all(Array.from({ length: slots }, () => occupySlot(open)));
      if (warmup > 0) checked(await pump(session, task, warmup, inflight, STARTUP_LIMIT_MS, false), 'warm-up');
    }
    return { evt: 'ready', sessions: 1 };
  },
  async (command): Promise<Report> => {
    if (command.cmd !== 'run' || session === undefined) throw new Error(`task-client: unsupported command ${command.cmd}`);
    const measured = checked(await pump(session, mode === 'e2e' ? DATE_TASK : task, n, inflight, command.durationMs, mode === 'e2e'), 'measured run');
    return { evt: 'result', count: measured.done, elapsedMs: measured.elapsedMs };
  },
  async () => {
    await session?.close();
  },
);
