/**
 * Cancelling a task through its progressive call (docs/task-semantics.md "Cancel through the call"):
 * CANCEL kill/killnowait, a call timeout and the caller leaving reach the worker as INTERRUPT
 * (spec: advanced/rpc_call_canceling.md, rpc_call_timeout.md, basic/bp_rpc_calling_and_invocation.md
 * "Caller Leaving During an RPC Invocation") and cancel the task: queued → cancelled, running → its
 * process group is killed. CANCEL skip sends no INTERRUPT (spec), and a non-progressive call has
 * returned the id already: in both cases the task runs on. The callers are raw WAMP clients
 * (test/helpers/wamp-test-client.ts: every CANCEL mode on the wire) over the real WebSocket transport;
 * the status events are watched by another session of the same user. One task runs at a time.
 * Every case runs against the embedded worker of `serve` (worker/local-session.ts) and against a remote
 * worker by URL (autobahn-js, worker/interrupt-transport.ts) on a router alone.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AppErrorUri } from '../../shared/wamp/app-uris.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { Result } from '../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { ClientSession } from '../../cli/client.ts';
import { pids } from '../fixtures/tasks/index.ts';
import { createRouter } from '../../router/index.ts';
import { startTransports } from '../../router/transports/index.ts';
import { resolveWorkerSettings, startWorker } from '../../worker/index.ts';
import { REALM, startTestServer, TASKS_MODULE, testRouterConfig, USERS } from '../helpers/start-server.ts';
import { connectWebSocket } from '../helpers/transports/websocket.ts';
import { ticketAuth, WampError, WampTestClient } from '../helpers/wamp-test-client.ts';
import { ManualTimers } from '../helpers/manual-timers.ts';
import { expectNothingWithin, waitFor } from '../helpers/wait-for.ts';
import { joinAs, subscribeStatus, terminalOf, type EventLog } from '../helpers/worker-clients.ts';

/** Whether `pid` is a live process (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The URI a call rejects with ('ok' if it resolves). */
async function outcome(result: Promise<Result>): Promise<string> {
  try {
    await result;
    return 'ok';
  } catch (error) {
    if (error instanceof WampError) return error.uri;
    throw error;
  }
}

interface Setup {
  /** ws://127.0.0.1:PORT/ws */
  readonly url: string;
  /** The router's dealer clock when the test drives it (RouterOptions.timers); absent: the real clock. */
  readonly timers?: ManualTimers;
  close(): Promise<void>;
}

/** `serve`: the embedded router and worker. */
async function embedded(): Promise<Setup> {
  return startTestServer({ asexor: { concurrency: 1 } });
}

/** A router alone (as `asexor router`) and a worker joined by URL (as `asexor worker --url`). */
async function remote(): Promise<Setup> {
  const config = testRouterConfig(0);
  const timers = new ManualTimers();
  const router = createRouter({ realms: config.realms, timers });
  const listeners = await startTransports(router, config.transports);
  const url = `ws://127.0.0.1:${listeners[0]?.address.port ?? 0}/ws`;
  const filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-files-'));
  const settings = resolveWorkerSettings({ tasksModule: TASKS_MODULE, filesDir, concurrency: 1 }, { baseDir: process.cwd() });
  const worker = await startWorker({ settings, connect: { url, authid: 'worker', ticket: USERS.worker.ticket } });
  await worker.whenRegistered();
  return {
    url, timers,
    close: async () => {
      await worker.close();
      await router.close();
      await Promise.all(listeners.map((listener) => listener.close()));
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}

for (const [kind, start] of [['embedded worker', embedded], ['remote worker (autobahn-js)', remote]] as const) describe(`${kind}: a progressive task call cancelled by WAMP cancels the task`, function () {
  this.timeout(20_000);
  let server: Setup;
  let watcher: ClientSession;
  let log: EventLog;
  const clients: WampTestClient[] = [];

  async function caller(): Promise<WampTestClient> {
    const client = await WampTestClient.join(await connectWebSocket(server.url, 'json'), { realm: REALM, ...ticketAuth('alice', USERS.alice.ticket) });
    clients.push(client);
    return client;
  }

  /** A progressive nap call; resolves with its task id (first progressive result) and its pid once it runs. */
  function progressiveNap(client: WampTestClient, ms: number, options: Record<string, unknown> = {}): { taskId: Promise<string>; request: number; result: Promise<Result>; cancel: (mode: 'skip' | 'kill' | 'killnowait') => void } {
    let found: (id: string) => void = () => undefined;
    const taskId = new Promise<string>((resolve) => { found = resolve; });
    const handle = client.startCall('asexor.task.nap', { args: [ms] }, { receive_progress: true, ...options }, (r) => {
      const id = r.kwargs?.['task_id'];
      if (typeof id === 'string') found(id);
    });
    handle.result.catch(() => undefined);
    return { taskId, request: handle.request, result: handle.result, cancel: (mode) => { handle.cancel(mode); } };
  }

  /** Waits for the task's `started` event and the pid its process printed. */
  async function startedPid(taskId: string, seen: number): Promise<number> {
    await log.waitFor((e) => e['task_id'] === taskId && e['status'] === 'started');
    await waitFor(() => pids.length > seen, 'the task printed its pid');
    const pid = pids[seen];
    if (pid === undefined) throw new Error('no pid recorded');
    expect(alive(pid), 'the task process runs').to.equal(true);
    return pid;
  }

  function statuses(taskId: string): unknown[] {
    return log.events.filter((e) => e['task_id'] === taskId).map((e) => e['status']);
  }

  /** Exactly one terminal event, `cancelled`, and nothing after it (checked a little later). */
  async function expectCancelledOnce(taskId: string, before: string[]): Promise<void> {
    expect(await terminalOf(log, taskId)).to.include({ status: 'cancelled' });
    await expectNothingWithin(100);
    expect(statuses(taskId)).to.deep.equal([...before, 'cancelled']);
  }

  before(async () => {
    server = await start();
    watcher = await joinAs(server.url, 'alice');
    log = await subscribeStatus(watcher);
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await watcher.close();
    await server.close();
  });

  for (const mode of ['kill', 'killnowait'] as const) {
    it(`CANCEL ${mode} of a running task kills its process; the caller gets ${mode === 'kill' ? 'asexor.error.cancelled' : 'wamp.error.canceled'}`, async () => {
      const client = await caller();
      const seen = pids.length;
      const call = progressiveNap(client, 10_000);
      const taskId = await call.taskId;
      const pid = await startedPid(taskId, seen);
      call.cancel(mode);
      // kill: the caller waits for the callee's answer (the task's terminal error); killnowait: answered at once.
      expect(await outcome(call.result)).to.equal(mode === 'kill' ? AppErrorUri.cancelled : WampErrorUri.canceled);
      await expectCancelledOnce(taskId, ['queued', 'started']);
      await waitFor(() => !alive(pid), 'the task process is gone');
    });
  }

  it('CANCEL (default mode) of a queued task cancels it before it starts', async () => {
    const client = await caller();
    const blocker = progressiveNap(client, 10_000);
    const blockerId = await blocker.taskId;
    const queued = progressiveNap(client, 10_000);
    const queuedId = await queued.taskId;
    await log.waitFor((e) => e['task_id'] === blockerId && e['status'] === 'started');
    client.connection.send({ type: MessageType.CANCEL, request: queued.request, options: {} }); // no mode: killnowait
    expect(await outcome(queued.result)).to.equal(WampErrorUri.canceled);
    await expectCancelledOnce(queuedId, ['queued']);
    blocker.cancel('killnowait');
    await expectCancelledOnce(blockerId, ['queued', 'started']);
  });

  it('a call timeout cancels the task and kills its process', async () => {
    const client = await caller();
    const seen = pids.length;
    const call = progressiveNap(client, 10_000, { timeout: 1500 });
    const taskId = await call.taskId;
    const pid = await startedPid(taskId, seen);
    server.timers?.advance(1500); // else the real 1.5 s pass
    expect(await outcome(call.result)).to.equal(WampErrorUri.timeout);
    await expectCancelledOnce(taskId, ['queued', 'started']);
    await waitFor(() => !alive(pid), 'the task process is gone');
  });

  it('the caller leaving cancels its running and its queued task', async () => {
    const client = await caller();
    const seen = pids.length;
    const running = progressiveNap(client, 10_000);
    const queued = progressiveNap(client, 10_000);
    const [runningId, queuedId] = await Promise.all([running.taskId, queued.taskId]);
    const pid = await startedPid(runningId, seen);
    await client.close(); // the transport is lost without GOODBYE
    await expectCancelledOnce(runningId, ['queued', 'started']);
    await expectCancelledOnce(queuedId, ['queued']);
    await waitFor(() => !alive(pid), 'the task process is gone');
  });

  it('CANCEL skip sends no INTERRUPT (spec): the caller is answered, the task runs to its end', async () => {
    const client = await caller();
    const call = progressiveNap(client, 300);
    const taskId = await call.taskId;
    call.cancel('skip');
    expect(await outcome(call.result)).to.equal(WampErrorUri.canceled);
    expect(await terminalOf(log, taskId)).to.include({ status: 'success' });
  });

  it('a non-progressive call returns the id at once: a later CANCEL or the caller leaving leaves the task running', async () => {
    const client = await caller();
    const handle = client.startCall('asexor.task.nap', { args: [300] });
    const taskId = (await handle.result).args?.[0];
    expect(taskId).to.be.a('string');
    handle.cancel('killnowait');
    await client.close();
    expect(await terminalOf(log, taskId)).to.include({ status: 'success' });
  });
});
