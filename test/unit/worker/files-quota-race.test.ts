/**
 * Two tasks of one user writing outputs at the same time cannot together take the user's folder over
 * the quota (worker/files-inflight.ts, docs/files.md "Quota"): real runner, real Node processes that
 * write their output, report it on stdout and wait for a signal until the test lets them go on.
 * Every step waits on an event (a progress line, a terminal), not on time.
 */
import { mkdtemp, readdir, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { z } from 'zod';
import { silentLogger } from '../../../shared/logger.ts';
import { defineTask, type CommandTaskDefinition } from '../../../shared/task.ts';
import { measureFolder } from '../../../worker/files-usage.ts';
import type { FilesSettings } from '../../../worker/files-user.ts';
import { runCommand, type Terminal } from '../../../worker/task-execute.ts';
import { userDeps } from '../../../worker/task-lifecycle.ts';
import { TaskRunner } from '../../../worker/task-runner.ts';

const KIB = 1024;

/**
 * Writes `before` bytes to argv[1] and says `written <pid>`; with `after`, waits for SIGUSR2 (its
 * handler is in place before the line goes out), then appends `after` bytes and exits.
 */
const WRITER = `const fs = require('node:fs'); const [out, before, after] = process.argv.slice(1);
fs.writeFileSync(out, Buffer.alloc(Number(before), 120));
if (after !== undefined) {
  const keep = setInterval(() => undefined, 1000);
  process.once('SIGUSR2', () => { clearInterval(keep); fs.appendFileSync(out, Buffer.alloc(Number(after), 120)); });
}
console.log('written ' + process.pid);`;

interface WriterParams {
  readonly name: string;
  readonly before: number;
  readonly after?: number | undefined;
}

const writer = defineTask({
  name: 'signal_writer',
  description: 'Writes an output, then waits for SIGUSR2 before it writes more.',
  params: z.object({ name: z.string(), before: z.int(), after: z.int().optional() }),
  command: process.execPath,
  args: (p: WriterParams, ctx) => ['-e', WRITER, ctx.outputFile?.(p.name) ?? '', String(p.before), ...(p.after === undefined ? [] : [String(p.after)])],
  progress: (line: string) => (line.startsWith('written ') ? { progress: 0.5, message: line.slice('written '.length) } : undefined),
  timeoutMs: 15_000,
}) as unknown as CommandTaskDefinition<unknown>;

/** Lets the waiting process `pid` go on (one that is gone already is fine). */
function release(pid: number): void {
  try {
    process.kill(pid, 'SIGUSR2');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

interface Run {
  /** The process id once it wrote its first part; undefined when the run ended before that. */
  readonly written: Promise<number | undefined>;
  readonly end: Promise<Terminal>;
}

describe('quota: concurrent tasks of one user count each other\'s outputs (worker/files-inflight.ts)', function () {
  this.timeout(30_000);
  const QUOTA = 1000 * KIB;
  const files: FilesSettings = { sharedRoles: [], quotaBytes: QUOTA };
  const alice = { authid: 'alice', authrole: 'user' };
  let runner: TaskRunner;
  let top: string;
  let dir: string;

  before(async () => { runner = await TaskRunner.start({ logger: silentLogger() }); });
  after(async () => { await runner.close(); });
  beforeEach(async () => {
    top = await realpath(await mkdtemp(path.join(tmpdir(), 'asexor-quota-race-')));
    dir = path.join(top, 'alice');
  });
  afterEach(async () => { await rm(top, { recursive: true, force: true }); });

  /** Starts one run of alice's. */
  async function start(params: WriterParams): Promise<Run> {
    let wrote: (pid: number) => void = () => undefined;
    const written = new Promise<number>((resolve) => { wrote = resolve; });
    const deps = await userDeps({ runner, filesDir: top, logger: silentLogger(), files }, alice);
    const end = runCommand(writer, params, deps, { signal: new AbortController().signal, progress: (_p, pid) => { wrote(Number(pid)); } });
    return { written: Promise.race([written, end.then(() => undefined)]), end };
  }

  const codeOf = (end: Terminal): string | undefined => (end.status === 'error' ? end.error.code : undefined);

  it('two runs in flight that fit alone but not together: at most one is kept, the folder stays within the quota', async () => {
    const runs = await Promise.all([start({ name: 'a.bin', before: 600 * KIB, after: 0 }), start({ name: 'b.bin', before: 600 * KIB, after: 0 })]);
    const pids = await Promise.all(runs.map((run) => run.written));
    // Both outputs were on disk (1200 KiB together): the quota watch stops one of them, or both.
    const first = await Promise.race(runs.map((run) => run.end));
    expect(codeOf(first), JSON.stringify(first)).to.equal('ERR_FILES_QUOTA_EXCEEDED');
    for (const pid of pids) if (pid !== undefined) release(pid);
    const ends = await Promise.all(runs.map((run) => run.end));
    expect(ends.filter((end) => end.status === 'success').length, JSON.stringify(ends)).to.be.at.most(1);
    expect(ends.filter((end) => end.status !== 'success').map(codeOf)).to.satisfy((codes: unknown[]) => codes.every((c) => c === 'ERR_FILES_QUOTA_EXCEEDED'));
    expect(await measureFolder(dir)).to.be.at.most(QUOTA);
    expect((await readdir(dir)).filter((name) => name.startsWith('.asexor-partial-'))).to.deep.equal([]);
  });

  it('a run whose base was taken before another run of the user committed counts that commit', async () => {
    const b = await start({ name: 'b.bin', before: 100 * KIB, after: 500 * KIB });
    const pid = await b.written;
    const a = await start({ name: 'a.bin', before: 600 * KIB });
    const aEnd = await a.end;
    expect(aEnd.status, JSON.stringify(aEnd)).to.equal('success');
    expect((await stat(path.join(dir, 'a.bin'))).size).to.equal(600 * KIB);
    if (pid === undefined) throw new Error('b ended before it wrote');
    release(pid); // b now writes 500 KiB more: 600 KiB of its own beside a's 600 KiB
    const bEnd = await b.end;
    expect(codeOf(bEnd), JSON.stringify(bEnd)).to.equal('ERR_FILES_QUOTA_EXCEEDED');
    expect(await readdir(dir)).to.deep.equal(['a.bin']);
    expect(await measureFolder(dir)).to.equal(600 * KIB);
  });
});
