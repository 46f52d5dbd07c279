/**
 * `asexor worker --url` processes for the tests of several workers (test/integration/many-workers.test.ts,
 * queue-store-wamp.test.ts): a router with the test users (test/helpers/start-server.ts) for them to join,
 * and a worker process started from a config file, ready once it logged `worker registered` (and
 * `metrics listening` when asked), with the fields of its start-up lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startTestRouter, type TestRouter } from './start-router.ts';
import { testRouterConfig, USERS } from './start-server.ts';

const BIN = fileURLToPath(new URL('../../bin/asexor.ts', import.meta.url));

export interface WorkerProcess {
  readonly proc: ChildProcess;
  /** The worker id its task ids start with (the `worker started` line). */
  readonly id: string;
  readonly pid: number;
  /** The `store` of its `worker started` line. */
  readonly store: string;
  /** Its own metrics listener (`asexor.metrics.listen`), when `metrics` was asked for. */
  readonly metricsUrl: string;
}

/** A router on a free loopback port with the realm, roles and ticket users of testRouterConfig (no worker of its own). */
export function startRouterForWorkers(): Promise<TestRouter> {
  const config = testRouterConfig(0);
  const [http] = config.transports;
  const auth = http?.type === 'http' ? http.services.find((s) => s.type === 'websocket')?.auth : undefined;
  return startTestRouter({ realms: config.realms, ...(auth === undefined ? {} : { auth }) });
}

export interface WorkerProcessOptions {
  /** ws://… of the router. */
  readonly url: string;
  /** Its config file. */
  readonly config: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Also wait for its metrics listener's URL. @default false */
  readonly metrics?: boolean;
  /** For the error when it exits before registering. */
  readonly name?: string;
}

/** Starts a worker as the `worker` ticket user; rejects if it exits before it registered. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, [BIN, 'worker', '--url', options.url, '--authid', 'worker', '--ticket', USERS.worker.ticket, '--config', options.config],
    { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(proc, 'exit').then(([code]) => { throw new Error(`worker ${options.name ?? ''} exited (${String(code)}) before registering`); });
  const registered = (async () => {
    let started: { workerId?: string; store?: string } = {};
    let metricsUrl = '';
    let joined = false;
    for await (const line of createInterface({ input: proc.stdout })) {
      const entry = JSON.parse(line) as { msg?: string; workerId?: string; store?: string; url?: string };
      if (entry.msg === 'worker started') started = entry;
      if (entry.msg === 'metrics listening') metricsUrl = entry.url ?? '';
      if (entry.msg === 'worker registered') joined = true;
      if (joined && (options.metrics !== true || metricsUrl !== '')) {
        return { proc, id: started.workerId ?? '', pid: proc.pid ?? 0, store: started.store ?? '', metricsUrl };
      }
    }
    throw new Error('no "worker registered" line');
  })();
  const worker = await Promise.race([registered, exited]);
  proc.stdout.resume();
  return worker;
}

/** Stops a worker with `signal` and waits for its exit (nothing if it has exited). */
export async function stopWorkerProcess(worker: WorkerProcess, signal: NodeJS.Signals): Promise<void> {
  if (worker.proc.exitCode !== null || worker.proc.signalCode !== null) return;
  const exit = once(worker.proc, 'exit');
  worker.proc.kill(signal);
  await exit;
}
