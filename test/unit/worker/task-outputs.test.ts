/**
 * Output files of a run (TaskContext.outputFile, worker/files-outputs.ts, worker/task-execute.ts): a
 * real Node process writes its output slowly under the temporary name; cancel, timeout and the quota
 * stop it and remove what it wrote, success renames it. Real runner, real temporary folders.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { z } from 'zod';
import { TaskFailedError } from '../../../shared/errors.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { defineCustomTask, defineTask, type CommandTaskDefinition, type CustomTaskDefinition } from '../../../shared/task.ts';
import type { FilesSettings } from '../../../worker/files-user.ts';
import { runCommand, runCustom, type Terminal } from '../../../worker/task-execute.ts';
import { userDeps } from '../../../worker/task-lifecycle.ts';
import { TaskRunner } from '../../../worker/task-runner.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/** Appends 64 KiB to argv[1] every 20 ms, `chunks` times, then exits 0. */
const WRITER = `const fs = require('node:fs'); let n = 0; const chunks = Number(process.argv[2]);
const t = setInterval(() => { fs.appendFileSync(process.argv[1], Buffer.alloc(65536, 120)); if (++n >= chunks) { clearInterval(t); } }, 20);`;

const slowWriter = defineTask({
  name: 'slow_writer',
  description: 'Writes out.bin slowly.',
  params: z.object({ chunks: z.int() }),
  command: process.execPath,
  args: (params: { chunks: number }, ctx) => ['-e', WRITER, ctx.outputFile?.('out.bin') ?? path.join(ctx.filesDir, 'out.bin'), String(params.chunks)],
  timeoutMs: 10_000,
}) as unknown as CommandTaskDefinition<unknown>;

const customWriter = defineCustomTask({
  name: 'custom_writer',
  description: 'Writes out.txt through ctx.outputFile, then fails if asked.',
  params: z.object({ fail: z.boolean() }),
  run: async (params, ctx) => {
    await writeFile(ctx.outputFile?.('out.txt') ?? '', 'custom output');
    if (params.fail) throw new TaskFailedError('failed as asked');
    return { ok: true };
  },
}) as unknown as CustomTaskDefinition<unknown>;

describe('task outputs: temporary names, removal on failure, quota (worker/files-outputs.ts)', function () {
  this.timeout(20_000);
  let runner: TaskRunner;
  let top: string;
  let dir: string;
  const alice = { authid: 'alice', authrole: 'user' };

  before(async () => { runner = await TaskRunner.start({ logger: silentLogger() }); });
  after(async () => { await runner.close(); });
  beforeEach(async () => {
    top = await realpath(await mkdtemp(path.join(tmpdir(), 'asexor-outputs-')));
    dir = path.join(top, 'alice');
  });
  afterEach(async () => { await rm(top, { recursive: true, force: true }); });

  async function deps(files?: FilesSettings) {
    return userDeps({ runner, filesDir: top, logger: silentLogger(), ...(files === undefined ? {} : { files }) }, alice);
  }

  async function writer(chunks: number, options: { signal?: AbortSignal; timeoutMs?: number; files?: FilesSettings } = {}): Promise<Terminal> {
    const def = options.timeoutMs === undefined ? slowWriter : { ...slowWriter, timeoutMs: options.timeoutMs };
    return runCommand(def, { chunks }, await deps(options.files), { signal: options.signal ?? new AbortController().signal, progress: () => undefined });
  }

  it('renames the output into place when the command succeeds, and leaves no temporary file', async () => {
    const end = await writer(3);
    expect(end.status, JSON.stringify(end)).to.equal('success');
    expect((await readFile(path.join(dir, 'out.bin'))).length).to.equal(3 * 65536);
    expect(await readdir(dir)).to.deep.equal(['out.bin']);
  });

  it('removes what a cancelled command wrote and keeps the file the user had', async () => {
    await writeFile(path.join(top, 'placeholder'), ''); // top exists; alice's folder is made by userDeps
    const controller = new AbortController();
    const ended = writer(200, { signal: controller.signal });
    await waitFor(() => existsSync(dir) && readdirSync(dir).length > 0, 'the command writing its temporary output');
    await writeFile(path.join(dir, 'out.bin'), 'old'); // the user's own file, written meanwhile
    controller.abort();
    expect((await ended).status).to.equal('cancelled');
    expect(await readdir(dir)).to.deep.equal(['out.bin']);
    expect(await readFile(path.join(dir, 'out.bin'), 'utf8')).to.equal('old');
  });

  it('removes what a timed-out command wrote', async () => {
    const end = await writer(200, { timeoutMs: 400 });
    expect(end.status).to.equal('timeout');
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('stops a command whose output goes over the quota while it runs, with ERR_FILES_QUOTA_EXCEEDED, and removes the output', async () => {
    const end = await writer(200, { files: { sharedRoles: [], quotaBytes: 300_000 } }); // would write 13 MB over 4 s
    expect(end.status, JSON.stringify(end)).to.equal('error');
    const error = end.status === 'error' ? end.error : undefined;
    expect(error?.code).to.equal('ERR_FILES_QUOTA_EXCEEDED');
    const reached = Number(/which reached (\d+) bytes/u.exec(error?.message ?? '')?.[1]);
    expect(reached, 'stopped early, not at the end of its 13 MB').to.be.below(6_000_000);
    expect(error?.message).to.match(/^the task's output would put your files folder over its quota of 300000 bytes \(0 bytes besides the output, which reached \d+ bytes\); the output was removed$/u);
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('does not apply the quota to a shared role (the top folder)', async () => {
    const files: FilesSettings = { sharedRoles: ['admin'], quotaBytes: 1000 };
    const shared = await userDeps({ runner, filesDir: top, logger: silentLogger(), files }, { authid: 'root', authrole: 'admin' });
    const end = await runCommand(slowWriter, { chunks: 2 }, shared, { signal: new AbortController().signal, progress: () => undefined });
    expect(end.status, JSON.stringify(end)).to.equal('success');
    expect(existsSync(path.join(top, 'out.bin'))).to.equal(true);
  });

  it('commits a custom task\'s outputs on success and removes them when it fails', async () => {
    const exec = { signal: new AbortController().signal, progress: () => undefined };
    const failed = await runCustom(customWriter, { fail: true }, await deps(), exec);
    expect(failed.status).to.equal('error');
    expect(await readdir(dir)).to.deep.equal([]);
    const done = await runCustom(customWriter, { fail: false }, await deps(), exec);
    expect(done).to.deep.include({ status: 'success', result: { ok: true } });
    expect(await readFile(path.join(dir, 'out.txt'), 'utf8')).to.equal('custom output');
    const over = await runCustom(customWriter, { fail: false }, await deps({ sharedRoles: [], quotaBytes: 10 }), exec);
    expect(over.status === 'error' ? over.error.code : over.status).to.equal('ERR_FILES_QUOTA_EXCEEDED');
    expect(await readdir(dir)).to.deep.equal(['out.txt']);
  });
});
