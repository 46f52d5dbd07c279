/**
 * The convert task against the real pandoc: argv, cwd and env come from the task definition, exactly
 * as the worker would run it (the runner adds process groups, limits and timeouts; not needed here);
 * then through the worker's runCommand (worker/task-execute.ts) in a user's folder: temporary outputs
 * renamed on success, removed on failure, and the per-user quota.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import type { CommandTaskDefinition, TaskContext } from '../../shared/task.ts';
import { parseTaskParams } from '../../shared/task-params.ts';
import { processError } from '../../shared/task-status.ts';
import convert from '../../tasks/convert.ts';
import { silentLogger } from '../../shared/logger.ts';
import type { FilesSettings } from '../../worker/files-user.ts';
import { runCommand, type Terminal } from '../../worker/task-execute.ts';
import { userDeps } from '../../worker/task-lifecycle.ts';
import { TaskRunner } from '../../worker/task-runner.ts';
import { describeWithTool } from '../helpers/external-tool.ts';

const PANDOC = '/usr/bin/pandoc';
const missing = !existsSync(PANDOC);
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const DOC = '---\ntitle: Hello asexor\n---\n\n# First chapter\n\nSome *emphasis* and a list:\n\n- one\n- two\n\n![a pixel](img/pixel.png)\n';
const HOSTILE = [
  '---', 'title: Hostile', 'cover-image: /etc/hostname', '---', '',
  'Text before.', '', '![leak](/etc/hostname) ![encoded](%2e%2e/%2e%2e/etc/hostname) ![remote](https://127.0.0.2:1/x.png)', '',
  '<video src="/etc/hostname"></video>', '',
].join('\n');

/** Runs the convert task like the worker: check, then the argv/cwd/env of the definition. */
async function runConvert(ctx: TaskContext, args: unknown[], kwargs: Record<string, unknown> = {}) {
  const params = parseTaskParams(convert, args, kwargs);
  await convert.check?.(params, ctx);
  const cwd = typeof convert.cwd === 'function' ? convert.cwd(params, ctx) : (convert.cwd ?? ctx.filesDir);
  const result = await execa(convert.command, convert.args(params, ctx), { cwd, env: convert.env ?? {}, reject: false, stdin: 'ignore' });
  return { result, output: convert.result?.({ stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1 }, params, ctx) as { output: string } };
}

/** Text of a converted document, read back by pandoc. */
async function plainText(file: string, from: string): Promise<string> {
  return (await execa(PANDOC, [`--from=${from}`, '--to=plain', '--', file])).stdout;
}

describeWithTool(!missing, PANDOC, 'apt-get install pandoc')(`convert task with the real pandoc${missing ? ` (SKIPPED: ${PANDOC} is not installed; apt-get install pandoc)` : ''}`, function () {
  this.timeout(60_000);
  let root: string;
  let ctx: TaskContext;

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'asexor-pandoc-'));
    ctx = { filesDir: root };
    await mkdir(path.join(root, 'book', 'img'), { recursive: true });
    await writeFile(path.join(root, 'book', 'story.md'), DOC);
    await writeFile(path.join(root, 'book', 'img', 'pixel.png'), PNG);
    await writeFile(path.join(root, 'hostile.md'), HOSTILE);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('converts Markdown to EPUB next to the input, embedding the relative image', async () => {
    const { result, output } = await runConvert(ctx, ['book/story.md', 'epub']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(output).to.deep.equal({ output: 'book/story.epub' });
    const epub = await readFile(path.join(root, 'book', 'story.epub'));
    expect(epub.subarray(30, 58).toString('latin1')).to.equal('mimetypeapplication/epub+zip');
    expect(epub.includes('EPUB/media/')).to.equal(true);
    expect(await plainText(path.join(root, 'book', 'story.epub'), 'epub')).to.match(/First chapter[\s\S]*emphasis/u);
  });

  it('converts Markdown to a standalone HTML page', async () => {
    const { result, output } = await runConvert(ctx, ['book/story.md', 'html']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const html = await readFile(path.join(root, output.output), 'utf8');
    expect(html).to.match(/^<!DOCTYPE html>/u).and.include('<title>Hello asexor</title>').and.include('<em>emphasis</em>');
    expect(html).to.include('src="img/pixel.png"');
  });

  it('converts Markdown to DOCX, and that DOCX back to plain text', async () => {
    const { result } = await runConvert(ctx, ['book/story.md', 'docx'], { output: 'book/story-copy.docx' });
    expect(result.exitCode, result.stderr).to.equal(0);
    const docx = await readFile(path.join(root, 'book', 'story-copy.docx'));
    expect(docx.subarray(0, 2).toString('latin1')).to.equal('PK');
    expect(docx.includes('word/document.xml')).to.equal(true);
    const back = await runConvert(ctx, ['book/story-copy.docx', 'txt']);
    expect(back.result.exitCode, back.result.stderr).to.equal(0);
    expect(await readFile(path.join(root, 'book', 'story-copy.txt'), 'utf8')).to.match(/First chapter[\s\S]*one[\s\S]*two/u);
  });

  it('converts Markdown to plain text (txt)', async () => {
    const { result, output } = await runConvert(ctx, ['book/story.md', 'txt']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const text = await readFile(path.join(root, output.output), 'utf8');
    expect(text).to.include('First chapter').and.include('emphasis').and.not.include('# ');
  });

  for (const to of ['epub', 'docx'] as const) {
    it(`embeds nothing from outside the files folder in ${to} (images, raw HTML, cover-image) and fetches nothing remote`, async () => {
      const { result, output } = await runConvert(ctx, ['hostile.md', to]);
      expect(result.exitCode, result.stderr).to.equal(0);
      const archive = await readFile(path.join(root, output.output));
      expect(archive.includes('media/'), 'no media file in the archive').to.equal(false);
      expect(result.stderr).to.include('[asexor] removed image: /etc/hostname');
      expect(result.stderr).to.include('[asexor] removed image: %2e%2e/%2e%2e/etc/hostname');
      expect(result.stderr).to.include('[asexor] removed metadata field: cover-image');
      // DOCX fetches images before filters run; the proxy variables send that fetch to a closed loopback port.
      if (to === 'docx') expect(result.stderr).to.include('HostCannotConnect "127.0.0.1"').and.not.include('HostCannotConnect "127.0.0.2"');
    });
  }

  for (const to of ['epub', 'docx'] as const) {
    it(`embeds no image through a symlink that leads out of the files folder in ${to}, even if the document names another root`, async () => {
      const away = await mkdtemp(path.join(tmpdir(), 'asexor-away-'));
      try {
        await writeFile(path.join(away, 'secret.png'), PNG);
        await mkdir(path.join(root, 'sub'), { recursive: true });
        await symlink(path.join(away, 'secret.png'), path.join(root, 'sub', `link-${to}.png`));
        await symlink('../book/img/pixel.png', path.join(root, 'sub', `inner-${to}.png`));
        await writeFile(path.join(root, `links-${to}.md`), `---\nasexor-files-root: /\n---\n\n![out](sub/link-${to}.png) ![in](sub/inner-${to}.png)\n`);
        const { result, output } = await runConvert(ctx, [`links-${to}.md`, to]);
        expect(result.exitCode, result.stderr).to.equal(0);
        expect(result.stderr).to.include(`[asexor] removed image: sub/link-${to}.png`).and.not.include(`inner-${to}.png`);
        const archive = (await readFile(path.join(root, output.output))).toString('latin1');
        const media = new Set(archive.match(/media\/[A-Za-z0-9_.-]+\.png/gu));
        expect([...media], 'only the image inside the folder is embedded').to.have.length(1);
      } finally {
        await rm(away, { recursive: true, force: true });
      }
    });
  }

  it('caps the heap: an image of /dev/zero fails fast instead of eating memory', async () => {
    await writeFile(path.join(root, 'zero.md'), '![z](/dev/zero)\n');
    const { result } = await runConvert(ctx, ['zero.md', 'docx']);
    expect(result.exitCode).to.not.equal(0);
    expect(result.stderr).to.match(/heap/iu);
  });

  it('reports a missing pandoc as a clear error naming the program', async () => {
    const result = await execa(convert.command, ['--version'], { env: { PATH: path.join(root, 'no-such-bin') }, extendEnv: false, reject: false });
    expect(result.failed).to.equal(true);
    expect(result.code).to.equal('ENOENT');
    const error = processError(convert.command, { kind: 'spawn_failed', code: result.code ?? '', message: result.message ?? '', durationMs: 0 });
    expect(error.message).to.equal('cannot run "pandoc": program not found (ENOENT); is it installed and on the worker\'s PATH?');
  });
});

describeWithTool(!missing, PANDOC, 'apt-get install pandoc')('convert through the worker in a user\'s folder (runCommand)', function () {
  this.timeout(60_000);
  let runner: TaskRunner;
  let top: string;
  let dir: string;
  const alice = { authid: 'alice', authrole: 'user' };

  before(async () => {
    runner = await TaskRunner.start({ logger: silentLogger() });
    top = await realpath(await mkdtemp(path.join(tmpdir(), 'asexor-worker-pandoc-')));
    dir = path.join(top, 'alice');
    await mkdir(path.join(dir, 'book', 'img'), { recursive: true });
    await writeFile(path.join(dir, 'book', 'story.md'), DOC);
    await writeFile(path.join(dir, 'book', 'img', 'pixel.png'), PNG);
    await writeFile(path.join(dir, 'zero.md'), '![z](/dev/zero)\n');
  });
  after(async () => {
    await runner.close();
    await rm(top, { recursive: true, force: true });
  });

  async function run(args: unknown[], files?: FilesSettings): Promise<Terminal> {
    const deps = await userDeps({ runner, filesDir: top, logger: silentLogger(), ...(files === undefined ? {} : { files }) }, alice);
    return runCommand(convert as unknown as CommandTaskDefinition<unknown>, parseTaskParams(convert, args), deps, { signal: new AbortController().signal, progress: () => undefined });
  }

  /** Names in the folder left by a run (temporary outputs are hidden `.asexor-partial-*`). */
  async function partials(folder: string): Promise<string[]> {
    return (await readdir(folder)).filter((name) => name.startsWith('.asexor-partial-'));
  }

  it('writes to a hidden temporary name and renames it on success; nothing is left behind', async () => {
    const end = await run(['book/story.md', 'epub']);
    expect(end, JSON.stringify(end)).to.deep.include({ status: 'success', result: { output: 'book/story.epub' } });
    expect(await plainText(path.join(dir, 'book', 'story.epub'), 'epub')).to.match(/First chapter/u);
    expect(await partials(path.join(dir, 'book'))).to.deep.equal([]);
  });

  it('removes the partial output of a failed conversion and keeps the file the user had under that name', async () => {
    await writeFile(path.join(dir, 'zero.docx'), 'the old version');
    const end = await run(['zero.md', 'docx']);
    expect(end.status, JSON.stringify(end)).to.equal('error');
    expect(await readFile(path.join(dir, 'zero.docx'), 'utf8')).to.equal('the old version');
    expect(await partials(dir)).to.deep.equal([]);
  });

  it('ends a conversion whose output puts the user over the quota with ERR_FILES_QUOTA_EXCEEDED and removes the output', async () => {
    const end = await run(['book/story.md', 'docx'], { sharedRoles: [], quotaBytes: 2000 });
    expect(end.status, JSON.stringify(end)).to.equal('error');
    const error = end.status === 'error' ? end.error : undefined;
    expect(error?.code).to.equal('ERR_FILES_QUOTA_EXCEEDED');
    expect(error?.message).to.match(/over its quota of 2000 bytes .*the output was removed/u);
    expect(existsSync(path.join(dir, 'book', 'story.docx'))).to.equal(false);
    expect(await partials(path.join(dir, 'book'))).to.deep.equal([]);
    const fits = await run(['book/story.md', 'docx'], { sharedRoles: [], quotaBytes: 1_000_000 });
    expect(fits.status, JSON.stringify(fits)).to.equal('success');
  });
});
