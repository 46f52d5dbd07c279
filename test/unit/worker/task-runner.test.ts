import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../shared/logger.ts';
import { TaskRunner } from '../../../worker/task-runner.ts';
import { captured, fixture, lineWaiter, pidAfter, waitGone } from './runner-fixtures.ts';

describe('TaskRunner', () => {
  let runner: TaskRunner;
  before(async () => { runner = await TaskRunner.start({ logger: silentLogger() }); });
  after(() => runner.close());

  describe('exit status', () => {
    it('passes argv verbatim (no shell), cwd and env, and captures stdout of a zero exit', async () => {
      const args = ['a b', '$(touch /tmp/x)', '; ls', '*', '"quoted"', ''];
      const outcome = await runner.run(fixture('echo-argv.mjs', args, { cwd: '/tmp', env: { ASEXOR_ECHO: 'yes' } }));
      expect(outcome).to.include({ kind: 'exited', exitCode: 0, stdoutTruncated: false });
      expect(JSON.parse(captured(outcome).stdout)).to.deep.equal({ argv: args, cwd: '/tmp', env: 'yes' });
    });

    it('reports a non-zero exit as data with the exit code and stderr (docs/conventions.md: no exception)', async () => {
      const outcome = await runner.run(fixture('exit-with.mjs', ['3', 'something broke']));
      expect(outcome).to.deep.include({ kind: 'exited', exitCode: 3, stdout: 'out\n', stderr: 'something broke\n' });
    });

    it('reports a missing program as spawn_failed ENOENT', async () => {
      const outcome = await runner.run({ file: 'asexor-no-such-program', args: [], timeoutMs: 1000, maxOutputBytes: 100 });
      expect(outcome.kind).to.equal('spawn_failed');
      if (outcome.kind !== 'spawn_failed') return;
      expect(outcome.code).to.equal('ENOENT');
      expect(outcome.message).to.contain('asexor-no-such-program');
    });

    it('reports a process killed by a signal it did not get from us as signaled', async () => {
      const outcome = await runner.run({ file: process.execPath, args: ['-e', "process.kill(process.pid, 'SIGSEGV')"], timeoutMs: 5000, maxOutputBytes: 100 });
      expect(outcome).to.include({ kind: 'signaled', signal: 'SIGSEGV' });
    });

    it('answers an invalid request with spawn_failed EINVAL instead of dropping it', async () => {
      const outcome = await runner.run(fixture('sleep.mjs', ['10'], { timeoutMs: 0 }));
      expect(outcome).to.include({ kind: 'spawn_failed', code: 'EINVAL' });
    });

    it('looks a program up on the PATH of the request, and again when it moved since the last run', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'asexor-path-'));
      try {
        const [a, b] = [path.join(dir, 'a'), path.join(dir, 'b')];
        await Promise.all([mkdir(a), mkdir(b)]);
        const env = { PATH: `${a}:${b}:/usr/bin:/bin` };
        const write = (where: string, text: string) => writeFile(path.join(where, 'asexor-test-prog'), `#!/bin/sh\necho ${text}\n`, { mode: 0o755 });
        await write(a, 'first');
        const run = () => runner.run({ file: 'asexor-test-prog', args: [], env, timeoutMs: 5000, maxOutputBytes: 100 });
        expect(await run()).to.include({ kind: 'exited', stdout: 'first\n' });
        await rm(path.join(a, 'asexor-test-prog'));
        await write(b, 'second');
        expect(await run()).to.include({ kind: 'exited', stdout: 'second\n' });
        await rm(path.join(b, 'asexor-test-prog'));
        expect(await run()).to.include({ kind: 'spawn_failed', code: 'ENOENT' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('correlates concurrent runs by id', async () => {
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => runner.run(fixture('echo-argv.mjs', [`run-${i}`]))));
      expect(outcomes.map((o) => (JSON.parse(captured(o).stdout) as { argv: string[] }).argv[0]))
        .to.deep.equal(Array.from({ length: 12 }, (_, i) => `run-${i}`));
    });
  });

  describe('timeout and cancel (docs/task-semantics.md: the whole group is killed)', () => {
    it('terminates a process that exceeds timeoutMs: outcome timeout, duration about the timeout', async () => {
      const lines: string[] = [];
      // The timeout leaves room for Node's start-up on a loaded machine, so the fixture has printed its PID.
      const outcome = await runner.run(fixture('sleep.mjs', ['20000'], { timeoutMs: 1000 }), { onLine: (l) => lines.push(l) });
      expect(outcome.kind).to.equal('timeout');
      expect(outcome.durationMs).to.be.within(980, 2500);
      expect(captured(outcome).stdout).to.match(/^PID \d+\n$/);
      expect(await waitGone(pidAfter('PID', lines) ?? 0)).to.equal(true);
    });

    it('SIGKILLs a process that ignores SIGTERM once the grace period is over', async () => {
      const lines: string[] = [];
      // SIGTERM must arrive after the fixture installed its handler: Node's start-up can take several
      // hundred ms on a loaded machine, so the timeout is well above that.
      const outcome = await runner.run(fixture('ignore-sigterm.mjs', [], { timeoutMs: 1500, killGraceMs: 500 }), { onLine: (l) => lines.push(l) });
      expect(outcome.kind).to.equal('timeout');
      expect(outcome.durationMs).to.be.within(1980, 4000);
      expect(captured(outcome).stderr).to.equal('SIGTERM ignored\n');
      expect(await waitGone(pidAfter('READY', lines) ?? 0)).to.equal(true);
    });

    it('kills grandchildren on timeout (process group)', async () => {
      const lines: string[] = [];
      const outcome = await runner.run(fixture('spawn-grandchild.mjs', ['wait'], { timeoutMs: 800 }), { onLine: (l) => lines.push(l) });
      expect(outcome.kind).to.equal('timeout');
      const grandchild = pidAfter('GRANDCHILD', lines);
      expect(grandchild).to.be.a('number');
      expect(await waitGone(grandchild ?? 0)).to.equal(true);
      expect(await waitGone(pidAfter('CHILD', lines) ?? 0)).to.equal(true);
    });

    it('terminates what is left of the group when the main process exits on its own', async () => {
      const lines: string[] = [];
      const outcome = await runner.run(fixture('spawn-grandchild.mjs', ['exit'], { timeoutMs: 8000 }), { onLine: (l) => lines.push(l) });
      expect(outcome).to.include({ kind: 'exited', exitCode: 0 });
      expect(outcome.durationMs).to.be.below(5000);
      expect(await waitGone(pidAfter('GRANDCHILD', lines) ?? 0)).to.equal(true);
    });

    it('cancels a running process through its AbortSignal: outcome cancelled, process gone', async () => {
      const lines: string[] = [];
      const { onLine, seen } = lineWaiter(lines, (l) => l.startsWith('PID '));
      const controller = new AbortController();
      const pending = runner.run(fixture('sleep.mjs', ['20000']), { signal: controller.signal, onLine });
      await seen;
      controller.abort();
      const outcome = await pending;
      expect(outcome.kind).to.equal('cancelled');
      expect(outcome.durationMs).to.be.below(2000);
      expect(await waitGone(pidAfter('PID', lines) ?? 0)).to.equal(true);
    });

    it('does not start a run whose signal is already aborted', async () => {
      let spawned = false;
      const outcome = await runner.run(fixture('sleep.mjs', ['20000']), { signal: AbortSignal.abort(), onSpawn: () => { spawned = true; } });
      expect(outcome).to.include({ kind: 'cancelled', durationMs: 0 });
      expect(spawned).to.equal(false);
    });
  });
});
