/**
 * Hard limits end to end (docs/process-limits.md): over WAMP, cancel and timeout end a task whose
 * process left its group (`setsid`) and holds stdout, and kill that process; `asexor serve` stops on
 * SIGTERM with such tasks running, and within its shutdown deadline (or at a second signal) when the
 * shutdown itself would wait; a real `npm start` stops with the SIGTERM (or SIGKILL) of npm. Real
 * processes on loopback port 0, a 200 ms kill grace (ASEXOR_KILL_GRACE_MS).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import { AppErrorUri } from '../../shared/wamp/app-uris.ts';
import { readStat } from '../../worker/spawner/process-tree.ts';
import { serveConfig } from '../helpers/cli-fixture.ts';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf, wampError } from '../helpers/worker-clients.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'bin/asexor.ts');
const TASKS = fileURLToPath(new URL('process-limits-tasks.ts', import.meta.url));
const GRACE_MS = '200';

let nextTag = 4000 + Math.floor(Math.random() * 4000) * 10;
/** A sleep duration no other test uses: the processes of a task are found by it. */
function tag(): number {
  nextTag += 1;
  return nextTag;
}

/** Live (not zombie) processes running `sleep <tag>`. */
async function sleepers(seconds: number): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline === `sleep\0${String(seconds)}\0` && readStat(Number(name)) !== undefined) found.push(Number(name));
  }
  return found;
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => { socket.destroy(); resolve(true); });
    socket.on('error', () => { resolve(false); });
  });
}

describe('hard limits over WAMP (tasks whose processes left their group)', function () {
  this.timeout(20_000);
  let server: TestServer;
  let alice: ClientSession;
  let savedGrace: string | undefined;
  before(async () => {
    savedGrace = process.env['ASEXOR_KILL_GRACE_MS'];
    process.env['ASEXOR_KILL_GRACE_MS'] = GRACE_MS;
    server = await startTestServer({ asexor: { tasksModule: TASKS } });
    alice = await joinAs(server.url, 'alice');
  });
  after(async () => {
    await alice.close();
    await server.close();
    if (savedGrace === undefined) delete process.env['ASEXOR_KILL_GRACE_MS'];
    else process.env['ASEXOR_KILL_GRACE_MS'] = savedGrace;
  });

  it('cancels a running task whose setsid child holds stdout: cancelled at once, the child killed, the slot free', async () => {
    const log = await subscribeStatus(alice);
    const seconds = tag();
    const taskId = await alice.call('asexor.task.escape', [seconds]);
    await until(async () => (await sleepers(seconds)).length === 2, 'both sleeps started');
    const t0 = performance.now();
    expect(await alice.call('asexor.control.cancel', [taskId])).to.equal('running');
    expect(await terminalOf(log, taskId)).to.include({ status: 'cancelled' });
    expect(performance.now() - t0).to.be.below(2000);
    await until(async () => (await sleepers(seconds)).length === 0, 'the task processes, the escaped one too, are gone', 2000);
    // Both running slots (concurrency 2) are free again: two more tasks start.
    const more = [tag(), tag()];
    const ids = await Promise.all(more.map((s) => alice.call('asexor.task.escape', [s])));
    await Promise.all(ids.map((id) => log.waitFor((e) => e['task_id'] === id && e['status'] === 'started')));
    for (const id of ids) await alice.call('asexor.control.cancel', [id]);
    await Promise.all(ids.map((id) => terminalOf(log, id)));
  });

  it('times such a task out (asexor.error.timeout) and kills the escaped child', async () => {
    const seconds = tag();
    const t0 = performance.now();
    const error = await wampError(alice.call('asexor.task.escape_timeout', [seconds], {}, { receive_progress: true }));
    expect(error.error).to.equal(AppErrorUri.timeout);
    expect(performance.now() - t0).to.be.below(3000);
    await until(async () => (await sleepers(seconds)).length === 0, 'the escaped child is gone', 2000);
  });
});

interface Serve {
  readonly child: ChildProcess;
  readonly port: number;
  /** The pid of the server process (from its log). */
  readonly pid: number;
  readonly url: string;
}

/** Starts `command args` and waits for the server's 'listening' log line (npm's own lines are skipped). */
async function startServe(command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Serve> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ASEXOR_KILL_GRACE_MS: GRACE_MS, ...env } });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    let entry: { msg?: string; url?: string; pid?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.msg === 'listening' && entry.url !== undefined && entry.pid !== undefined) {
      child.stdout?.resume();
      const port = Number(new URL(entry.url).port);
      return { child, port, pid: entry.pid, url: `${entry.url.replace(/^http/, 'ws')}ws` };
    }
  }
  throw new Error(`${command} ended before listening`);
}

/** The exit code and how long the exit took from `t0`. */
async function exited(child: ChildProcess, t0: number): Promise<{ code: number | null; ms: number }> {
  const [code] = (child.exitCode === null ? await once(child, 'exit') : [child.exitCode]) as [number | null];
  return { code, ms: performance.now() - t0 };
}

describe('stopping the server (asexor serve, npm start)', function () {
  this.timeout(60_000);
  let dir: string;
  let config: string;
  const children: ChildProcess[] = [];
  const tags: number[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-limits-'));
    config = path.join(dir, 'config.json');
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const seconds of tags.splice(0)) for (const pid of await sleepers(seconds)) process.kill(pid, 'SIGKILL');
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  async function writeConfig(asexor: Readonly<Record<string, unknown>>): Promise<void> {
    await writeFile(config, JSON.stringify(serveConfig({ tasksModule: TASKS, filesDir: 'files', ...asexor })));
  }

  /** Starts `task` as alice and waits until `count` of its sleeps run. */
  async function runTask(serve: Serve, task: string, count: number): Promise<number> {
    const seconds = tag();
    tags.push(seconds);
    const alice = await joinAs(serve.url, 'alice');
    await alice.call(`asexor.task.${task}`, [seconds]);
    await until(async () => (await sleepers(seconds)).length === count, `${task} started`);
    await alice.close();
    return seconds;
  }

  it('asexor serve: SIGTERM with tasks whose setsid children hold stdout ends in time (exit 0), killing them all', async () => {
    await writeConfig({ shutdown: 'cancel', concurrency: 2 });
    const serve = await startServe(process.execPath, [BIN, 'serve', '--config', config]);
    children.push(serve.child);
    const running = [await runTask(serve, 'escape', 2), await runTask(serve, 'escape', 2)];
    const t0 = performance.now();
    serve.child.kill('SIGTERM');
    const { code, ms } = await exited(serve.child, t0);
    expect(code).to.equal(0);
    expect(ms).to.be.below(5000);
    for (const seconds of running) await until(async () => (await sleepers(seconds)).length === 0, 'the task processes are gone', 3000);
    expect(await listening(serve.port)).to.equal(false);
  });

  it('asexor serve: a shutdown that would wait longer (drain) exits 1 at --shutdown-timeout, and the tasks are killed', async () => {
    await writeConfig({ shutdown: 'drain' });
    const serve = await startServe(process.execPath, [BIN, 'serve', '--config', config, '--shutdown-timeout', '1000']);
    children.push(serve.child);
    const seconds = await runTask(serve, 'snooze', 1);
    const t0 = performance.now();
    serve.child.kill('SIGTERM');
    const { code, ms } = await exited(serve.child, t0);
    expect(code).to.equal(1);
    expect(ms).to.be.within(900, 4000);
    await until(async () => (await sleepers(seconds)).length === 0, 'the drained task was killed by the spawner', 3000);
  });

  it('asexor serve: a second SIGTERM cuts a long shutdown short (exit 1)', async () => {
    await writeConfig({ shutdown: 'drain' });
    const serve = await startServe(process.execPath, [BIN, 'serve', '--config', config]);
    children.push(serve.child);
    const seconds = await runTask(serve, 'snooze', 1);
    serve.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(serve.child.exitCode, 'still draining after the first SIGTERM').to.equal(null);
    const t0 = performance.now();
    serve.child.kill('SIGTERM');
    const { code, ms } = await exited(serve.child, t0);
    expect(code).to.equal(1);
    expect(ms).to.be.below(3000);
    await until(async () => (await sleepers(seconds)).length === 0, 'the task was killed by the spawner', 3000);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`npm start: ${signal} to npm stops the server (no orphan, the port is free)`, async () => {
      await writeConfig({});
      const npm = await startServe('npm', ['start', '--', '--config', config], { ASEXOR_FROM_SOURCE: '1' });
      children.push(npm.child);
      expect(npm.pid).to.not.equal(npm.child.pid);
      expect(await listening(npm.port)).to.equal(true);
      const t0 = performance.now();
      npm.child.kill(signal);
      await exited(npm.child, t0);
      await until(() => readStat(npm.pid) === undefined, 'the server process is gone', 8000);
      expect(await listening(npm.port)).to.equal(false);
    });
  }
});
