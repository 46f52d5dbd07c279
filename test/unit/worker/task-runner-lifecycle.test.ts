import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../shared/logger.ts';
import { nativeHelperPath } from '../../../worker/spawner/native-client.ts';
import { TaskRunner } from '../../../worker/task-runner.ts';
import { alive, expectedBackend, fixture, lineWaiter, pidAfter, rss, waitGone } from './runner-fixtures.ts';

describe('TaskRunner lifecycle', () => {
  let runner: TaskRunner;
  beforeEach(async () => { runner = await TaskRunner.start({ logger: silentLogger() }); });
  afterEach(() => runner.close());

  it('starts one small spawner process: the native helper (a few MB), or the Node spawner with a heap limit', async () => {
    const pid = runner.spawnerPid ?? 0;
    expect(alive(pid)).to.equal(true);
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    expect(runner.backend).to.equal(expectedBackend());
    if (runner.backend === 'native') {
      expect(cmdline[0]).to.equal(nativeHelperPath());
      expect(rss(pid)).to.be.below(4 * 1024 * 1024);
    } else {
      expect(cmdline).to.include('--max-old-space-size=128');
      expect(cmdline.some((arg) => arg.endsWith('worker/spawner/main.ts'))).to.equal(true);
    }
  });

  it('resolves in-flight runs with runner_failed when the spawner dies, kills their groups, and restarts for later runs', async function () {
    this.timeout(20_000);
    const lines: string[] = [];
    const sleeping = lineWaiter(lines, (l) => l.startsWith('PID '));
    const family = lineWaiter(lines, (l) => l.startsWith('GRANDCHILD '));
    const first = runner.run(fixture('sleep.mjs', ['20000']), { onLine: sleeping.onLine });
    const second = runner.run(fixture('spawn-grandchild.mjs', ['wait']), { onLine: family.onLine });
    await Promise.all([sleeping.seen, family.seen]);
    const spawner = runner.spawnerPid ?? 0;
    process.kill(spawner, 'SIGKILL');
    const outcomes = await Promise.all([first, second]);
    expect(outcomes.map((o) => o.kind)).to.deep.equal(['runner_failed', 'runner_failed']);
    for (const prefix of ['PID', 'CHILD', 'GRANDCHILD']) expect(await waitGone(pidAfter(prefix, lines) ?? 0), prefix).to.equal(true);
    const later = await runner.run(fixture('exit-with.mjs', ['0']));
    expect(later).to.include({ kind: 'exited', exitCode: 0 });
    expect(runner.spawnerPid).to.be.a('number').and.not.equal(spawner);
  });

  it('close() cancels running processes (outcome cancelled) and leaves no process behind', async function () {
    this.timeout(20_000);
    const lines: string[] = [];
    const sleeping = lineWaiter(lines, (l) => l.startsWith('PID '));
    const stubborn = lineWaiter(lines, (l) => l.startsWith('READY '));
    const family = lineWaiter(lines, (l) => l.startsWith('GRANDCHILD '));
    const runs = [
      runner.run(fixture('sleep.mjs', ['20000']), { onLine: sleeping.onLine }),
      runner.run(fixture('ignore-sigterm.mjs', [], { killGraceMs: 300 }), { onLine: stubborn.onLine }),
      runner.run(fixture('spawn-grandchild.mjs', ['wait']), { onLine: family.onLine }),
    ];
    await Promise.all([sleeping.seen, stubborn.seen, family.seen]);
    const spawner = runner.spawnerPid ?? 0;
    await runner.close();
    expect((await Promise.all(runs)).map((o) => o.kind)).to.deep.equal(['cancelled', 'cancelled', 'cancelled']);
    expect(alive(spawner)).to.equal(false);
    for (const prefix of ['PID', 'READY', 'CHILD', 'GRANDCHILD']) expect(await waitGone(pidAfter(prefix, lines) ?? 0), prefix).to.equal(true);
    expect(await runner.run(fixture('exit-with.mjs', ['0']))).to.include({ kind: 'runner_failed' });
  });

  it('the spawner kills every task group and exits when the worker process crashes (no orphans)', async function () {
    this.timeout(20_000);
    const host = spawn(process.execPath, [fileURLToPath(new URL('runner-host.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    for await (const line of createInterface({ input: host.stdout })) {
      lines.push(line);
      if (line.startsWith('GRANDCHILD ')) break;
    }
    const exited = once(host, 'exit');
    host.kill('SIGKILL');
    await exited;
    for (const prefix of ['SPAWNER', 'CHILD', 'GRANDCHILD']) expect(await waitGone(pidAfter(prefix, lines) ?? 0), prefix).to.equal(true);
  });

  it('the spawner cancels every run and exits on SIGTERM', async function () {
    this.timeout(20_000);
    const lines: string[] = [];
    const family = lineWaiter(lines, (l) => l.startsWith('GRANDCHILD '));
    const run = runner.run(fixture('spawn-grandchild.mjs', ['wait']), { onLine: family.onLine });
    await family.seen;
    const spawner = runner.spawnerPid ?? 0;
    process.kill(spawner, 'SIGTERM');
    expect((await run).kind).to.equal('cancelled');
    expect(await waitGone(spawner)).to.equal(true);
    expect(await waitGone(pidAfter('GRANDCHILD', lines) ?? 0)).to.equal(true);
  });
});
