/**
 * The CLI end to end, as real subprocesses of bin/asexor.ts: `serve --config FILE` (a Crossbar-format
 * file with an `asexor` section, port 0), then `run`, `tasks`, `status` and `cancel` against it;
 * SIGINT stops the server with exit code 0 and no child process left.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { TASKS_MODULE } from '../helpers/start-server.ts';
import { childPids, serveConfig } from '../helpers/cli-fixture.ts';

const BIN = fileURLToPath(new URL('../../bin/asexor.ts', import.meta.url));

interface CliRun { readonly code: number | null; readonly stdout: string; readonly stderr: string }

/** `asexor ARGS` with a clean environment plus `env`. */
function cli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliRun> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ASEXOR_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...clean, ...env }, timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

describe('asexor CLI (subprocesses of bin/asexor.ts)', function () {
  this.timeout(60_000); // every step starts a Node process
  let dir: string;
  let serve: ChildProcess;
  let url: string;
  let as: string[];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-cli-'));
    const config = path.join(dir, 'config.json');
    await writeFile(config, JSON.stringify(serveConfig({ tasksModule: TASKS_MODULE, filesDir: 'files', concurrency: 2 })));
    serve = spawn(process.execPath, [BIN, 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: serve.stdout! });
    for await (const line of lines) {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url !== undefined) {
        url = `${entry.url.replace(/^http/, 'ws')}ws`;
        break;
      }
    }
    serve.stdout?.resume();
    as = ['--url', url, '--user', 'alice', '--ticket', 'alice-ticket'];
  });
  after(async () => {
    if (serve.exitCode === null) serve.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('asexor run date prints the result as JSON and exits 0', async () => {
    const run = await cli(['run', ...as, 'date', '--format', '%Y', '--utc']);
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.equal(String(new Date().getUTCFullYear()));
    expect(run.stderr).to.include('started');
  });

  it('types --param values from the task\'s schema and reads credentials from the environment', async () => {
    const run = await cli(['run', '--url', url, 'sleep', '--seconds', '0.1'], { ASEXOR_USER: 'bob', ASEXOR_TICKET: 'bob-ticket' });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.equal('null');
  });

  it('exits non-zero with the error for a failing task, invalid params or an unknown task', async () => {
    const failed = await cli(['run', ...as, 'exit_with', '3', 'boom']);
    expect(failed.code).to.equal(1);
    expect(failed.stderr).to.include('asexor.error.task_failed').and.include('exit code 3');
    expect(failed.stdout).to.equal('');
    const invalid = await cli(['run', ...as, 'sleep', 'abc']);
    expect(invalid.code).to.equal(1);
    expect(invalid.stderr).to.match(/asexor\.error\.invalid_params: seconds: /);
    const unknown = await cli(['run', ...as, 'nope']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include('no task named "nope"');
  });

  it('lists tasks, shows a task\'s status and cancels it', async () => {
    const tasks = await cli(['tasks', ...as, '--json']);
    expect(tasks.code, tasks.stderr).to.equal(0);
    expect((JSON.parse(tasks.stdout) as { name: string }[]).map((t) => t.name)).to.include.members(['date', 'sleep', 'convert']);
    const started = spawn(process.execPath, [BIN, 'run', ...as, 'nap', '20000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Listened for from the start: the run may exit before the cancel command returns.
    const exited = once(started, 'exit') as Promise<[number | null]>;
    let stderr = '';
    started.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    while (!/task id ([0-9a-f]{32})[\s\S]*started/.test(stderr)) await once(started.stderr, 'data');
    const id = /task id ([0-9a-f]{32})/.exec(stderr)?.[1] ?? '';
    const status = await cli(['status', ...as, id]);
    expect(status.code, status.stderr).to.equal(0);
    expect(JSON.parse(status.stdout)).to.include({ task_id: id, status: 'started' });
    const cancel = await cli(['cancel', ...as, id]);
    expect(cancel.code, cancel.stderr).to.equal(0);
    expect(cancel.stdout).to.include('it was running');
    const [code] = await exited;
    expect(code, 'the run of a cancelled task fails').to.equal(1);
    expect(stderr).to.include('asexor.error.cancelled');
  });

  it('stops on SIGINT with exit code 0 and no child process left', async () => {
    const pid = serve.pid ?? 0;
    const spawner = await childPids(pid);
    expect(spawner, 'the spawner runs as a child of serve').to.have.length(1);
    serve.kill('SIGINT');
    const [code] = await once(serve, 'exit') as [number | null];
    expect(code).to.equal(0);
    expect(await childPids(pid)).to.deep.equal([]);
    expect((await readdir('/proc')).includes(String(spawner[0]))).to.equal(false);
  });
});
