/**
 * The worker API of the web app (docs/web-api.md) over real sockets: `asexor.control.tasks` (queued
 * and running tasks, admin `all`), admins cancelling anyone's task, and the files procedures
 * (`asexor.files.list/upload/link`) with the HTTP download route, fetched with node:http.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { startServer } from '../../cli/server.ts';
import { createRouter } from '../../router/index.ts';
import { startTransports } from '../../router/transports/index.ts';
import type { RouterConfig } from '../../shared/config/types.ts';
import { createLogger } from '../../shared/logger.ts';
import { FileLinkSigner } from '../../worker/file-link-token.ts';
import { resolveWorkerSettings, startWorker } from '../../worker/index.ts';
import type { ClientSession } from '../../cli/client.ts';
import type { Dict } from '../../shared/autobahn.ts';
import { startTestServer, TASKS_MODULE, testRouterConfig, USERS, type TestServer } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf, wampError, type EventLog } from '../helpers/worker-clients.ts';
import { itWithTool } from '../helpers/external-tool.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/u;

describe('web API: asexor.control.tasks and admin cancel', function () {
  this.timeout(20_000);
  let server: TestServer;
  let alice: ClientSession;
  let bob: ClientSession;
  let root: ClientSession;
  let aliceLog: EventLog;
  let bobLog: EventLog;
  let rootLog: EventLog;

  before(async () => {
    // One slot, admins first: the waiting order is priority, then submission.
    server = await startTestServer({ asexor: { concurrency: 1, rolePriority: { admin: 1 } } });
    [alice, bob, root] = await Promise.all([joinAs(server.url, 'alice'), joinAs(server.url, 'bob'), joinAs(server.url, 'root')]);
    [aliceLog, bobLog, rootLog] = await Promise.all([subscribeStatus(alice), subscribeStatus(bob), subscribeStatus(root)]);
  });
  after(async () => {
    await Promise.all([alice.close(), bob.close(), root.close()]);
    await server.close();
  });

  async function tasks(client: ClientSession, kwargs?: Dict): Promise<Dict[]> {
    return await client.call('asexor.control.tasks', [], kwargs) as Dict[];
  }

  it('lists nothing when nothing is queued or running', async () => {
    expect(await tasks(alice)).to.deep.equal([]);
    expect(await tasks(root, { all: true })).to.deep.equal([]);
  });

  it('lists running tasks first, then queued ones in queue order; users see their own, admins every user\'s with all', async () => {
    const running = await alice.call('asexor.task.nap', [10_000]);
    await aliceLog.waitFor((e) => e['task_id'] === running && e['status'] === 'started');
    const aliceQueued = await alice.call('asexor.task.nap', [10]);
    const bobQueued = await bob.call('asexor.task.nap', [10]);
    const rootQueued = await root.call('asexor.task.nap', [10]);
    try {
      const all = await tasks(root, { all: true });
      expect(all.map((t) => t['task_id'])).to.deep.equal([running, rootQueued, aliceQueued, bobQueued]);
      expect(all.map((t) => [t['owner'], t['status'], t['priority']])).to.deep.equal([
        ['alice', 'running', 4], ['root', 'queued', 1], ['alice', 'queued', 4], ['bob', 'queued', 4],
      ]);
      const [first, second] = all;
      expect(first).to.include({ task: 'nap' }).and.to.have.all.keys('task_id', 'task', 'owner', 'status', 'priority', 'queued_at', 'started_at');
      expect(first?.['queued_at']).to.match(ISO);
      expect(first?.['started_at']).to.match(ISO);
      expect(second).to.have.all.keys('task_id', 'task', 'owner', 'status', 'priority', 'queued_at');

      expect((await tasks(alice)).map((t) => t['task_id'])).to.deep.equal([running, aliceQueued]);
      expect((await tasks(alice, { all: false })).map((t) => t['task_id'])).to.deep.equal([running, aliceQueued]);
      expect((await tasks(bob)).map((t) => t['task_id'])).to.deep.equal([bobQueued]);
      expect((await tasks(root)).map((t) => t['task_id'])).to.deep.equal([rootQueued]);

      // An admin cancels other users' tasks, queued and running.
      expect(await root.call('asexor.control.cancel', [bobQueued])).to.equal('queued');
      expect(await root.call('asexor.control.cancel', [running])).to.equal('running');
      expect(await terminalOf(bobLog, bobQueued)).to.include({ status: 'cancelled' });
      expect(await terminalOf(aliceLog, running)).to.include({ status: 'cancelled' });
    } finally {
      await Promise.all([terminalOf(aliceLog, aliceQueued), terminalOf(rootLog, rootQueued)]);
    }
    expect(await tasks(root, { all: true })).to.deep.equal([]);
  });

  it('never lets a user cancel another user\'s task (no_such_task, as for an unknown id)', async () => {
    const taskId = await alice.call('asexor.task.nap', [10_000]);
    try {
      const error = await wampError(bob.call('asexor.control.cancel', [taskId]));
      expect(error.error).to.equal('asexor.error.no_such_task');
    } finally {
      await alice.call('asexor.control.cancel', [taskId]);
      await terminalOf(aliceLog, taskId);
    }
  });

  it('shows the latest progress and message of a running task', async () => {
    const taskId = await alice.call('asexor.task.progress', [], { steps: 4, delay: 400 });
    try {
      await aliceLog.waitFor((e) => e['task_id'] === taskId && e['status'] === 'progress');
      const [entry] = await tasks(alice);
      expect(entry).to.include({ task_id: taskId, task: 'progress', owner: 'alice', status: 'running' });
      expect(entry?.['progress']).to.be.oneOf([0.25, 0.5]);
      expect(entry?.['message']).to.match(/^step [12]$/u);
    } finally {
      await alice.call('asexor.control.cancel', [taskId]).catch(() => undefined);
      await terminalOf(aliceLog, taskId);
    }
  });

  it('refuses all: true to a non-admin with asexor.error.not_authorized', async () => {
    const error = await wampError(alice.call('asexor.control.tasks', [], { all: true }));
    expect(error.error).to.equal('asexor.error.not_authorized');
    expect(error.kwargs['code']).to.equal('ERR_ADMIN_ROLE_REQUIRED');
  });

  it('refuses bad arguments with asexor.error.invalid_params', async () => {
    for (const [args, kwargs] of [[[], { all: 'yes' }], [[], { everyone: true }], [[1], {}], [[true, false], {}]] as [unknown[], Dict][]) {
      const error = await wampError(root.call('asexor.control.tasks', args, kwargs));
      expect(error.error, JSON.stringify([args, kwargs])).to.equal('asexor.error.invalid_params');
      expect(error.kwargs['issues']).to.be.an('array').that.is.not.empty;
    }
    expect(await root.call('asexor.control.tasks', [true])).to.deep.equal([]);
  });
});

interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function fetchHttp(port: number, urlPath: string, method = 'GET'): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');
const PANDOC = '/usr/bin/pandoc';

describe('web API: asexor.files.* and the download route', function () {
  this.timeout(30_000);
  let server: TestServer;
  let alice: ClientSession;
  let bob: ClientSession;
  let outside: string;
  /** alice's own folder (worker/files-user.ts: the authid, escaped). */
  let aliceDir: string;

  before(async () => {
    server = await startTestServer({ asexor: { maxUploadBytes: 4096 } });
    aliceDir = path.join(server.filesDir, 'alice');
    [alice, bob] = await Promise.all([joinAs(server.url, 'alice'), joinAs(server.url, 'bob')]);
    outside = await mkdtemp(path.join(tmpdir(), 'asexor-outside-'));
    await writeFile(path.join(outside, 'secret.txt'), 'outside the files folder');
  });
  after(async () => {
    await Promise.all([alice.close(), bob.close()]);
    await server.close();
    await rm(outside, { recursive: true, force: true });
  });

  async function link(client: ClientSession, rel: string): Promise<{ url: string; expires_at: string }> {
    return await client.call('asexor.files.link', [rel]) as { url: string; expires_at: string };
  }

  async function expectInvalid(promise: PromiseLike<unknown>, field: string, pattern: RegExp): Promise<void> {
    const error = await wampError(promise);
    expect(error.error).to.equal('asexor.error.invalid_params');
    const issues = error.kwargs['issues'] as { field: string; message: string }[];
    expect(issues[0]?.field).to.equal(field);
    expect(issues[0]?.message).to.match(pattern);
  }

  it('uploads (parent folders created) and lists regular files: sorted, no hidden ones, no symlinks out', async () => {
    expect(await alice.call('asexor.files.upload', ['docs/notes.md', b64('# Notes\n')])).to.deep.equal({ path: 'docs/notes.md', size: 8 });
    expect(await alice.call('asexor.files.upload', [], { path: './a.txt', content: b64('a') })).to.deep.equal({ path: 'a.txt', size: 1 });
    expect(await readFile(path.join(aliceDir, 'docs', 'notes.md'), 'utf8')).to.equal('# Notes\n');
    await writeFile(path.join(aliceDir, '.hidden'), 'x');
    await mkdir(path.join(aliceDir, '.git'));
    await writeFile(path.join(aliceDir, '.git', 'config'), 'x');
    await symlink(path.join(outside, 'secret.txt'), path.join(aliceDir, 'leak.txt'));
    await symlink(outside, path.join(aliceDir, 'out'));
    await symlink('docs/notes.md', path.join(aliceDir, 'same.md'));
    const list = await alice.call('asexor.files.list') as { path: string; size: number; mtime: string }[];
    expect(list.map((f) => f.path)).to.deep.equal(['a.txt', 'docs/notes.md', 'same.md']);
    expect(list[1]).to.include({ size: 8 }).and.to.have.all.keys('path', 'size', 'mtime');
    expect(list[1]?.mtime).to.match(ISO);
    await expectInvalid(alice.call('asexor.files.list', [], { all: true }), 'all', /unknown argument/u);
  });

  it('refuses to replace a file unless overwrite is true, and never replaces a folder', async () => {
    await alice.call('asexor.files.upload', ['keep.txt', b64('one')]);
    await expectInvalid(alice.call('asexor.files.upload', ['keep.txt', b64('two')]), 'path', /already exists; pass overwrite: true/u);
    await expectInvalid(alice.call('asexor.files.upload', ['keep.txt', b64('two')], { overwrite: false }), 'path', /already exists/u);
    expect(await readFile(path.join(aliceDir, 'keep.txt'), 'utf8')).to.equal('one');
    expect(await alice.call('asexor.files.upload', ['keep.txt', b64('two!')], { overwrite: true })).to.deep.equal({ path: 'keep.txt', size: 4 });
    expect(await readFile(path.join(aliceDir, 'keep.txt'), 'utf8')).to.equal('two!');
    await expectInvalid(alice.call('asexor.files.upload', ['docs', b64('x')], { overwrite: true }), 'path', /is a folder/u);
    await expectInvalid(alice.call('asexor.files.upload', ['docs', b64('x')]), 'path', /already exists|is a folder/u);
    await expectInvalid(alice.call('asexor.files.upload', ['keep.txt/inner.txt', b64('x')]), 'path', /not a folder/u);
    await expectInvalid(alice.call('asexor.files.upload', ['keep.txt', b64('x')], { overwrite: 'yes' }), 'overwrite', /boolean/u);
  });

  it('refuses paths outside the folder, hidden names and over-long names; writes nothing outside', async () => {
    const cases: [unknown, RegExp][] = [
      ['../escape.txt', /'\.\.' segment/u], ['a/../../escape.txt', /'\.\.' segment/u], ['/etc/passwd', /absolute/u],
      ['a\\b.txt', /backslash/u], ['', /empty/u], ['x\u0000.txt', /NUL/u], ['.', /files folder itself/u],
      ['.bashrc', /hidden/u], ['docs/.env', /hidden/u], [`${'n'.repeat(256)}.txt`, /at most 255 bytes/u], [42, /a string/u],
      ['out/planted.txt', /outside the files folder/u],
    ];
    for (const [rel, message] of cases) await expectInvalid(alice.call('asexor.files.upload', [rel, b64('x')]), 'path', message);
    expect(existsSync(path.join(outside, 'planted.txt'))).to.equal(false);
    expect(existsSync(path.join(path.dirname(server.filesDir), 'escape.txt'))).to.equal(false);
    expect(existsSync(path.join(server.filesDir, 'escape.txt')), 'nor in the top folder').to.equal(false);
    // A name of 255 bytes (multi-byte characters count as their UTF-8 bytes) is fine.
    const name = `${'ž'.repeat(125)}.txt`.slice(0, 127);
    expect(Buffer.byteLength(name)).to.be.at.most(255);
    expect(await alice.call('asexor.files.upload', [name, b64('x')])).to.include({ size: 1 });
  });

  it('refuses content over maxUploadBytes and content that is not base64', async () => {
    await expectInvalid(alice.call('asexor.files.upload', ['big.bin', b64(Buffer.alloc(4097))]), 'content', /4097 bytes, more than the upload limit of 4096 bytes/u);
    expect(await alice.call('asexor.files.upload', ['max.bin', b64(Buffer.alloc(4096))])).to.deep.equal({ path: 'max.bin', size: 4096 });
    await expectInvalid(alice.call('asexor.files.upload', ['bad.bin', 'not base64!']), 'content', /base64/u);
    await expectInvalid(alice.call('asexor.files.upload', ['bad.bin', 'abc']), 'content', /base64/u);
    await expectInvalid(alice.call('asexor.files.upload', ['bad.bin']), 'content', /base64 string/u);
    expect(existsSync(path.join(aliceDir, 'big.bin'))).to.equal(false);
  });

  it('links an existing file and serves it as an attachment over HTTP (GET and HEAD)', async () => {
    const before = Date.now();
    const { url, expires_at: expiresAt } = await link(alice, 'docs/notes.md');
    expect(url).to.match(/^\/files\/download\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/u);
    const lifetime = Date.parse(expiresAt) - before;
    expect(lifetime).to.be.within(299_000, 301_000);
    const reply = await fetchHttp(server.port, url);
    expect(reply.status).to.equal(200);
    expect(reply.body.toString('utf8')).to.equal('# Notes\n');
    expect(reply.headers).to.include({
      'content-type': 'text/markdown; charset=utf-8', 'content-length': '8', 'content-disposition': 'attachment; filename="notes.md"',
      'x-content-type-options': 'nosniff', 'cache-control': 'private, no-store',
    });
    const head = await fetchHttp(server.port, url, 'HEAD');
    expect(head.status).to.equal(200);
    expect(head.headers['content-length']).to.equal('8');
    expect(head.body.length).to.equal(0);
    expect((await fetchHttp(server.port, url, 'POST')).status).to.equal(405);
    // Unknown extensions are octet streams; non-ASCII names get an RFC 5987 filename*.
    await alice.call('asexor.files.upload', ['Žluťoučký kůň "1".dat', b64('kůň')]);
    const named = await fetchHttp(server.port, (await link(alice, 'Žluťoučký kůň "1".dat')).url);
    expect(named.headers['content-type']).to.equal('application/octet-stream');
    expect(named.headers['content-disposition']).to.equal(
      "attachment; filename=\"_lu_ou_k_ k__ _1_.dat\"; filename*=UTF-8''%C5%BDlu%C5%A5ou%C4%8Dk%C3%BD%20k%C5%AF%C5%88%20%221%22.dat");
    expect(named.body.toString('utf8')).to.equal('kůň');
  });

  it('links only existing regular files inside the folder', async () => {
    await expectInvalid(link(alice, 'missing.md'), 'path', /does not exist/u);
    await expectInvalid(link(alice, 'docs'), 'path', /is not a file/u);
    await expectInvalid(link(alice, 'leak.txt'), 'path', /outside the files folder/u);
    await expectInvalid(link(alice, 'out/secret.txt'), 'path', /outside the files folder/u);
    await expectInvalid(link(alice, '../secret.txt'), 'path', /'\.\.' segment/u);
    await expectInvalid(link(alice, '.hidden'), 'path', /hidden/u);
  });

  it('answers 403 for a tampered, foreign or malformed token and 404 once the file is gone or moved out', async () => {
    const { url } = await link(alice, 'keep.txt');
    const token = url.slice('/files/download/'.length);
    const [payload, signature] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ authid: 'alice', path: 'leak.txt', exp: Date.now() + 60_000 })).toString('base64url');
    const foreign = new FileLinkSigner({ ttlSeconds: 60 }).sign('alice', 'keep.txt', 'alice').token;
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const bad of [`${forged}.${signature}`, `${payload}.${flipped}`, foreign, payload, 'x', '', `${token}/more`, `${token}x`]) {
      const reply = await fetchHttp(server.port, `/files/download/${bad}`);
      expect(reply.status, bad).to.equal(403);
      expect(reply.headers['x-content-type-options']).to.equal('nosniff');
    }
    expect((await fetchHttp(server.port, url)).status).to.equal(200);
    await rm(path.join(aliceDir, 'keep.txt'));
    expect((await fetchHttp(server.port, url)).status).to.equal(404);
    await symlink(path.join(outside, 'secret.txt'), path.join(aliceDir, 'keep.txt'));
    const swapped = await fetchHttp(server.port, url);
    expect(swapped.status).to.equal(404);
    expect(swapped.body.toString()).not.to.include('outside the files folder');
  });

  itWithTool(existsSync(PANDOC), PANDOC, 'apt-get install pandoc')('converts an uploaded Markdown file, then links and downloads the output', async () => {
    const log = await subscribeStatus(alice);
    await alice.call('asexor.files.upload', ['book/story.md', b64('# First chapter\n\nSome *emphasis*.\n')]);
    const taskId = await alice.call('asexor.task.convert', ['book/story.md', 'html']);
    const end = await terminalOf(log, taskId, 20_000);
    expect(end, JSON.stringify(end)).to.include({ status: 'success' });
    expect(end['result']).to.deep.equal({ output: 'book/story.html' });
    expect((await alice.call('asexor.files.list') as { path: string }[]).map((f) => f.path)).to.include('book/story.html');
    const reply = await fetchHttp(server.port, (await link(alice, 'book/story.html')).url);
    expect(reply.status).to.equal(200);
    expect(reply.headers).to.include({ 'content-type': 'text/html; charset=utf-8', 'content-disposition': 'attachment; filename="story.html"' });
    expect(reply.body.toString('utf8')).to.include('<em>emphasis</em>');
  });

  it("keeps each user in a folder of their own: bob neither sees, links, overwrites nor converts alice's files", async () => {
    const bobLog = await subscribeStatus(bob);
    await alice.call('asexor.files.upload', ['thesis.md', b64('# Alice thesis\n')]);
    expect((await bob.call('asexor.files.list') as { path: string }[]).map((f) => f.path)).to.not.include('thesis.md');
    await expectInvalid(link(bob, 'thesis.md'), 'path', /does not exist/u);
    // bob's upload of the same name is his own file, next to nothing of alice's.
    expect(await bob.call('asexor.files.upload', ['thesis.md', b64('bob')])).to.deep.equal({ path: 'thesis.md', size: 3 });
    expect(await bob.call('asexor.files.upload', ['thesis.md', b64('bob!')], { overwrite: true })).to.include({ size: 4 });
    expect(await readFile(path.join(aliceDir, 'thesis.md'), 'utf8')).to.equal('# Alice thesis\n');
    expect(await readFile(path.join(server.filesDir, 'bob', 'thesis.md'), 'utf8')).to.equal('bob!');
    expect((await fetchHttp(server.port, (await link(bob, 'thesis.md')).url)).body.toString()).to.equal('bob!');
    // The issue's reproduction: convert ["alice/thesis.md", "txt", "bob-copy.txt"] as bob.
    for (const args of [['alice/thesis.md', 'txt', 'bob-copy.txt'], ['../alice/thesis.md', 'txt', 'bob-copy.txt']]) {
      const failure = await refusedOrFailed(bob.call('asexor.task.convert', args), bobLog);
      expect(failure.code, JSON.stringify(args)).to.be.oneOf(['ERR_FILES_PATH_NOT_FOUND', 'ERR_INVALID_PARAMS', 'ERR_PATH_OUTSIDE_FILES_DIR']);
    }
    expect(existsSync(path.join(server.filesDir, 'bob', 'bob-copy.txt'))).to.equal(false);
  });
});

/** The code of a call refused before queueing, or of its task's `error` event (before precheck runs per user). */
async function refusedOrFailed(call: PromiseLike<unknown>, log: EventLog): Promise<{ code: string; message: string }> {
  let taskId: unknown;
  try {
    taskId = await call;
  } catch (error) {
    const kwargs = (error as { kwargs?: Dict }).kwargs ?? {};
    return { code: String(kwargs['code']), message: String(kwargs['message']) };
  }
  const end = await terminalOf(log, taskId, 20_000);
  expect(end['status'], JSON.stringify(end)).to.equal('error');
  const error = end['error'] as { code: string; message: string };
  return error;
}

describe('web API: download links expire', function () {
  this.timeout(15_000);
  let server: TestServer;
  let alice: ClientSession;

  before(async () => {
    server = await startTestServer({ asexor: { fileLinkSeconds: 1 } });
    alice = await joinAs(server.url, 'alice');
  });
  after(async () => {
    await alice.close();
    await server.close();
  });

  it('serves a link until fileLinkSeconds have passed, then answers 403', async () => {
    await mkdir(path.join(server.filesDir, 'alice'), { recursive: true });
    await writeFile(path.join(server.filesDir, 'alice', 'soon.txt'), 'soon');
    const { url, expires_at: expiresAt } = await alice.call('asexor.files.link', ['soon.txt']) as { url: string; expires_at: string };
    expect((await fetchHttp(server.port, url)).status).to.equal(200);
    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 50);
    const reply = await fetchHttp(server.port, url);
    expect(reply.status).to.equal(403);
    expect(reply.body.toString('utf8')).to.match(/invalid or has expired/u);
  });
});

describe('web API: where the files procedures are not available', function () {
  this.timeout(20_000);
  let filesDir: string;

  beforeEach(async () => { filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-files-')); });
  afterEach(async () => { await rm(filesDir, { recursive: true, force: true }); });

  it('runs without them, with one warning, when the router does not let the worker register asexor.files.', async () => {
    const base = testRouterConfig();
    const router: RouterConfig = {
      ...base,
      realms: base.realms.map((realm) => ({
        ...realm,
        roles: realm.roles.map((role) => ('permissions' in role && role.permissions !== undefined
          ? { ...role, permissions: role.permissions.filter((p) => p.uri !== 'asexor.files.') } : role)),
      })),
    };
    const lines: Record<string, unknown>[] = [];
    const destination = new PassThrough();
    destination.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const server = await startServer({
      router, asexor: { tasksModule: TASKS_MODULE, filesDir, concurrency: 1 }, baseDir: process.cwd(), logger: createLogger({ destination, level: 'warn' }),
    });
    const alice = await joinAs(`ws://127.0.0.1:${server.listeners[0]?.address.port ?? 0}/ws`, 'alice');
    try {
      expect(await alice.call('asexor.control.tasks')).to.deep.equal([]);
      expect((await wampError(alice.call('asexor.files.list'))).error).to.equal('wamp.error.no_such_procedure');
      const warnings = lines.filter((l) => String(l['msg']).includes('asexor.files.*'));
      expect(warnings, JSON.stringify(lines)).to.have.length(1);
      expect(warnings[0]?.['refused']).to.have.length(3);
    } finally {
      await alice.close();
      await server.close();
    }
  });

  it('a remote worker registers files.list and files.upload, not files.link (nothing there serves its links)', async () => {
    const config = testRouterConfig();
    const router = createRouter({ realms: config.realms });
    const listeners = await startTransports(router, config.transports);
    const url = `ws://127.0.0.1:${listeners[0]?.address.port ?? 0}/ws`;
    const settings = resolveWorkerSettings({ tasksModule: TASKS_MODULE, filesDir, concurrency: 1 }, { baseDir: process.cwd() });
    const worker = await startWorker({ settings, connect: { url, authid: 'worker', ticket: USERS.worker.ticket } });
    try {
      await worker.whenRegistered();
      expect(worker.fileLinks).to.equal(undefined);
      const alice = await joinAs(url, 'alice');
      try {
        expect(await alice.call('asexor.files.upload', ['r.txt', b64('remote')])).to.deep.equal({ path: 'r.txt', size: 6 });
        expect((await alice.call('asexor.files.list') as { path: string }[]).map((f) => f.path)).to.deep.equal(['r.txt']);
        expect((await wampError(alice.call('asexor.files.link', ['r.txt']))).error).to.equal('wamp.error.no_such_procedure');
        expect((await fetchHttp(listeners[0]?.address.port ?? 0, '/files/download/x.y')).status).to.equal(404);
      } finally {
        await alice.close();
      }
    } finally {
      await worker.close();
      await router.close();
      await Promise.all(listeners.map((l) => l.close()));
    }
  });
});
