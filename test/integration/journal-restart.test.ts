/**
 * Durability end to end (docs/durability.md): `asexor serve` as a real process with an SQLite journal
 * (`asexor.store`), flooded with submissions over WebSocket, killed with SIGKILL mid-flood and started
 * again on the same file. Every id a call returned must end with exactly one terminal event: queued
 * ones run after the restart, running ones end with `error` ERR_WORKER_RESTARTED, finished ones keep
 * their event (status, history), and no task that had ended is ended again on the status topic.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import type { Dict } from '../../shared/autobahn.ts';
import { serveConfig } from '../helpers/cli-fixture.ts';
import { TASKS_MODULE } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, type EventLog } from '../helpers/worker-clients.ts';

const BIN = fileURLToPath(new URL('../../bin/asexor.ts', import.meta.url));
const TERMINAL = new Set(['success', 'error', 'cancelled', 'timeout']);
const FLOOD = 400;
const WINDOW = 32;

/** `asexor serve --config FILE` without the test suite's ASEXOR_* variables (ASEXOR_STORE=memory); resolves with its WebSocket URL. */
async function startServe(config: string): Promise<{ proc: ChildProcess; url: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ASEXOR_')));
  const proc = spawn(process.execPath, [BIN, 'serve', '--config', config], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(proc, 'exit').then(([code]) => { throw new Error(`asexor serve exited (${String(code)}) before listening`); });
  const listening = (async () => {
    for await (const line of createInterface({ input: proc.stdout })) {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url !== undefined) return `${entry.url.replace(/^http/, 'ws')}ws`;
    }
    throw new Error('no listening line');
  })();
  const url = await Promise.race([listening, exited]);
  proc.stdout?.resume();
  return { proc, url };
}

async function status(client: ClientSession, id: string): Promise<Dict> {
  return await client.call('asexor.control.status', [id]) as Dict;
}

function terminalsOf(log: EventLog, id: string): Dict[] {
  return log.events.filter((e) => e['task_id'] === id && TERMINAL.has(String(e['status'])));
}

describe('journal: kill -9 mid-flood and restart (asexor serve subprocesses)', function () {
  this.timeout(90_000);
  let dir = '';
  let serve: ChildProcess | undefined;
  const clients: ClientSession[] = [];

  before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'asexor-journal-')); });
  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (serve !== undefined && serve.exitCode === null && serve.signalCode === null) {
      serve.kill('SIGTERM');
      await once(serve, 'exit');
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('ends every returned id with exactly one terminal event', async () => {
    const config = path.join(dir, 'config.json');
    await writeFile(config, JSON.stringify(serveConfig({
      tasksModule: TASKS_MODULE, filesDir: 'files', concurrency: 3, historyPerUser: 1000, shutdown: 'cancel',
      store: { type: 'sqlite', path: 'journal.db' },
    })));
    let started = await startServe(config);
    serve = started.proc;
    const alice = await joinAs(started.url, 'alice');
    clients.push(alice);
    const before = await subscribeStatus(alice);
    // Two naps hold two of the three slots: they are running at the kill.
    const naps = [await alice.call('asexor.task.nap', [60_000]) as string, await alice.call('asexor.task.nap', [60_000]) as string];
    await before.waitFor((e) => e['task_id'] === naps[1] && e['status'] === 'started');

    const returned: string[] = [...naps];
    let sent = 0;
    let killed = false;
    const sender = async (): Promise<void> => {
      while (sent < FLOOD && !killed) {
        sent += 1;
        try {
          returned.push(await alice.call('asexor.task.date', [], { format: '%s' }) as string);
        } catch {
          return; // the server is gone: this call's id was never returned
        }
      }
    };
    const senders = Array.from({ length: WINDOW }, () => sender());
    while (returned.length < naps.length + FLOOD / 2) await new Promise((resolve) => setTimeout(resolve, 5));
    serve.kill('SIGKILL');
    killed = true;
    await once(serve, 'exit');
    await Promise.all(senders);
    const seenBefore = new Map(returned.flatMap((id) => terminalsOf(before, id).map((e) => [id, e] as const)));
    expect(seenBefore.size, 'some tasks ended before the kill').to.be.greaterThan(0);
    expect(seenBefore.size, 'some were still queued at the kill').to.be.lessThan(returned.length - naps.length);

    started = await startServe(config);
    serve = started.proc;
    const again = await joinAs(started.url, 'alice');
    clients.push(again);
    const after = await subscribeStatus(again);
    const ends = new Map<string, Dict>();
    const deadline = Date.now() + 60_000;
    for (const id of returned) {
      for (;;) {
        const event = await status(again, id);
        if (TERMINAL.has(String(event['status']))) {
          ends.set(id, event);
          break;
        }
        if (Date.now() > deadline) throw new Error(`task ${id} did not end after the restart: ${JSON.stringify(event)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    for (const id of naps) {
      const end = ends.get(id) ?? {};
      expect(end['status'], 'a task running at the kill ends with error').to.equal('error');
      expect((end['error'] as Dict | undefined)?.['code']).to.equal('ERR_WORKER_RESTARTED');
    }
    const interrupted = returned.slice(naps.length).filter((id) => ends.get(id)?.['status'] !== 'success');
    expect(interrupted.length, 'only the date in the third slot may have been running at the kill').to.be.at.most(1);
    for (const id of interrupted) expect((ends.get(id)?.['error'] as Dict | undefined)?.['code'], `date ${id}`).to.equal('ERR_WORKER_RESTARTED');
    for (const id of returned.slice(naps.length)) {
      const earlier = seenBefore.get(id);
      if (earlier !== undefined) expect(ends.get(id), 'a task that had ended keeps its terminal event').to.deep.equal(earlier);
      expect(terminalsOf(after, id).length + (earlier === undefined ? 0 : 1), `terminal events of ${id}`).to.be.at.most(1);
    }
    const history = await again.call('asexor.control.history', [], { limit: 1000 }) as Dict[];
    const inHistory = new Set(history.map((e) => e['task_id']));
    expect(returned.filter((id) => !inHistory.has(id)), 'every returned id is in the history').to.deep.equal([]);
  });
});
