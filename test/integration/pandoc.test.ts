/**
 * The convert task against the real pandoc: argv, cwd and env come from the task definition, exactly
 * as the worker would run it (the runner adds process groups, limits and timeouts; not needed here).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import type { TaskContext } from '../../shared/task.ts';
import { parseTaskParams } from '../../shared/task-params.ts';
import { processError } from '../../shared/task-status.ts';
import convert from '../../tasks/convert.ts';
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
