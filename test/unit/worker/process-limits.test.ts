/**
 * Hard limits on the processes of a task (docs/process-limits.md): timeout, cancel and close() end a
 * run even when a process left the task's process group (setsid) and holds its stdout open, and that
 * process is killed too; one we cannot find only delays the end by the kill grace plus 500 ms. Real
 * processes (bash, setsid, sleep) on whichever spawner runs (ASEXOR_SPAWNER; test:node-spawner runs
 * the Node one), with a short injected kill grace.
 */
import { expect } from 'chai';
import { ConfigInvalidError } from '../../../shared/errors.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { readStat } from '../../../worker/spawner/process-tree.ts';
import { PIPE_DRAIN_MS } from '../../../worker/spawner/protocol.ts';
import { resolveKillGraceMs, TaskRunner, type RunRequest } from '../../../worker/task-runner.ts';
import { lineWaiter, pidAfter } from './runner-fixtures.ts';

const GRACE_MS = 200;
/** Slack for scheduling and process start-up on a busy machine. */
const SLACK_MS = 1500;

/** Running: not gone and not a zombie (an orphan's zombie waits for init, which may reap it late). */
function alive(pid: number): boolean {
  return readStat(pid) !== undefined;
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (alive(pid)) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

function bash(script: string, extra: Partial<RunRequest> = {}): RunRequest {
  return { file: 'bash', args: ['-c', script], timeoutMs: 10_000, maxOutputBytes: 1 << 16, ...extra };
}

/** The task: a process in a session of its own keeps stdout open while the first one sleeps. */
const ESCAPING = 'setsid sleep 301 & echo "ESCAPED $!"; sleep 300';

describe('TaskRunner hard limits (processes that left the group)', function () {
  this.timeout(20_000);
  let runner: TaskRunner;
  const started: number[] = [];
  beforeEach(async () => { runner = await TaskRunner.start({ logger: silentLogger(), killGraceMs: GRACE_MS }); });
  afterEach(async () => {
    await runner.close();
    for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('takes the kill grace from the option (and ASEXOR_KILL_GRACE_MS), 2000 ms by default, and refuses what is not a non-negative integer', () => {
    expect(runner.killGraceMs).to.equal(GRACE_MS);
    expect(resolveKillGraceMs(undefined, undefined)).to.equal(2000);
    expect(resolveKillGraceMs(undefined, '150')).to.equal(150);
    expect(resolveKillGraceMs(0, '150')).to.equal(0);
    expect(() => resolveKillGraceMs(undefined, 'soon')).to.throw(ConfigInvalidError, 'ASEXOR_KILL_GRACE_MS: Expected a non-negative integer of milliseconds, got `soon` (string)');
    expect(() => resolveKillGraceMs(-1)).to.throw(ConfigInvalidError, 'killGraceMs: Expected a non-negative integer of milliseconds, got `-1` (number)');
  });

  it('times out a task whose escaped process holds stdout, and kills that process', async () => {
    const lines: string[] = [];
    const t0 = performance.now();
    const outcome = await runner.run(bash(ESCAPING, { timeoutMs: 500 }), { onLine: (line) => lines.push(line) });
    const tookMs = performance.now() - t0;
    const escaped = pidAfter('ESCAPED', lines) ?? 0;
    started.push(escaped);
    expect(outcome.kind).to.equal('timeout');
    expect(tookMs).to.be.below(500 + GRACE_MS + SLACK_MS);
    expect(escaped).to.be.above(1);
    expect(await waitGone(escaped, 2000), 'the escaped process').to.equal(true);
  });

  it('cancels such a task at once (no wait for the pipes) and kills the escaped process', async () => {
    const lines: string[] = [];
    const seen = lineWaiter(lines, (line) => line.startsWith('ESCAPED '));
    const controller = new AbortController();
    const run = runner.run(bash(ESCAPING), { signal: controller.signal, onLine: seen.onLine });
    await seen.seen;
    const escaped = pidAfter('ESCAPED', lines) ?? 0;
    started.push(escaped);
    const t0 = performance.now();
    controller.abort();
    const outcome = await run;
    expect(outcome.kind).to.equal('cancelled');
    expect(performance.now() - t0).to.be.below(GRACE_MS + SLACK_MS);
    expect(await waitGone(escaped, 2000), 'the escaped process').to.equal(true);
  });

  it('SIGKILLs an escaped process that ignores SIGTERM once the grace period is over', async () => {
    const lines: string[] = [];
    const seen = lineWaiter(lines, (line) => line.startsWith('STUBBORN '));
    const controller = new AbortController();
    // The escaped shell ignores SIGTERM, and its own child inherits that.
    const script = `setsid bash -c 'trap "" TERM; echo "STUBBORN $$"; sleep 302; sleep 302' & sleep 300`;
    const run = runner.run(bash(script), { signal: controller.signal, onLine: seen.onLine });
    await seen.seen;
    const stubborn = pidAfter('STUBBORN', lines) ?? 0;
    started.push(stubborn);
    controller.abort();
    const outcome = await run;
    expect(outcome.kind).to.equal('cancelled');
    expect(await waitGone(stubborn, 2000), 'the SIGTERM-ignoring escaped process').to.equal(true);
  });

  it('ends a task whose first process exited while an escaped process holds stdout: outcome exited, the process killed', async () => {
    const lines: string[] = [];
    const t0 = performance.now();
    const outcome = await runner.run(bash('setsid sleep 303 & echo "ESCAPED $!"; exit 3'), { onLine: (line) => lines.push(line) });
    const escaped = pidAfter('ESCAPED', lines) ?? 0;
    started.push(escaped);
    expect(outcome).to.include({ kind: 'exited', exitCode: 3 });
    expect(performance.now() - t0).to.be.below(GRACE_MS + SLACK_MS);
    expect(await waitGone(escaped, 2000), 'the escaped process').to.equal(true);
  });

  it('stops waiting for a pipe held by a process it cannot find (no cookie, no parent in the task) after grace + 500 ms', async () => {
    const lines: string[] = [];
    const seen = lineWaiter(lines, (line) => line.startsWith('UNFOUND '));
    const controller = new AbortController();
    // env -i drops the task's cookie; the inner shell exits at once, so the sleep is an orphan of a new session.
    const script = `env -i setsid sh -c 'sleep 304 & echo "UNFOUND $!"' ; sleep 300`;
    const run = runner.run(bash(script), { signal: controller.signal, onLine: seen.onLine });
    await seen.seen;
    const unfound = pidAfter('UNFOUND', lines) ?? 0;
    started.push(unfound);
    const t0 = performance.now();
    controller.abort();
    const outcome = await run;
    const tookMs = performance.now() - t0;
    expect(outcome.kind).to.equal('cancelled');
    expect(tookMs).to.be.below(GRACE_MS + PIPE_DRAIN_MS + SLACK_MS);
    expect(alive(unfound), 'the process that could not be found still runs (killed by this test)').to.equal(true);
  });

  it('close() ends running tasks with escaped processes within the grace period and leaves none of them', async () => {
    const lines: string[] = [];
    const seen = lineWaiter(lines, (line) => line.startsWith('ESCAPED '));
    const run = runner.run(bash(ESCAPING), { onLine: seen.onLine });
    await seen.seen;
    const escaped = pidAfter('ESCAPED', lines) ?? 0;
    started.push(escaped);
    const t0 = performance.now();
    await runner.close();
    expect(performance.now() - t0).to.be.below(GRACE_MS + SLACK_MS);
    expect((await run).kind).to.equal('cancelled');
    expect(await waitGone(escaped, 2000), 'the escaped process').to.equal(true);
  });
});
