/**
 * asexor as a dependency, end to end (docs/your-own-tasks.md): `npm pack` here, `npm install
 * ./asexor-x.y.z.tgz` into an empty project in the temporary folder, `npx asexor init`, a task of the
 * project's own that imports a package of the project and a sibling .ts file, `npx tsc` against the
 * package's declarations, a bad definition refused with one line, `asexor serve --config config.json`,
 * then the tasks run over WAMP (the installed `asexor/client`) and with `npx asexor run`.
 * The install takes the registry's packages from npm's cache when it has them (--prefer-offline).
 * The server that stays up is the installed bin run by node (npx would hide its exit code behind npm's
 * own); every other command goes through npx as a user types it.
 * Slow (about a minute): run by `npm run test:package`, not `npm test`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
/** The versions this checkout uses, so that npm finds them in its cache. */
const TYPESCRIPT = (require('typescript/package.json') as { version: string }).version;
const TYPES_NODE = (require('@types/node/package.json') as { version: string }).version;
/** The parent npm's settings (npm_config_local_prefix=<this checkout>…) must not reach the project's npm. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') && !name.startsWith('ASEXOR_')));

interface Ran { readonly code: number; readonly stdout: string; readonly stderr: string }

/** Runs a program to its end; never rejects for a non-zero exit. */
function run(file: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env: ENV, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') reject(new Error(`cannot run ${file}`, { cause: error }));
      else resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

async function ok(file: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(file, args, cwd);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

const LOCAL_PACKAGE = {
  'package.json': JSON.stringify({ name: 'local-words', version: '1.0.0', type: 'module', exports: { '.': { types: './index.d.ts', default: './index.js' } } }),
  'index.js': 'export function shout(word) { return word.toUpperCase(); }\n',
  'index.d.ts': 'export declare function shout(word: string): string;\n',
};

const WORDS_TS = 'export function exclaim(text: string): string {\n  return `${text}!`;\n}\n';

/** The project's own task, appended to the starter tasks.ts. */
const SHOUT_TASK = `
import { shout } from 'local-words';
import { exclaim } from './words.ts';

export const shoutTask = defineCustomTask({
  name: 'shout',
  description: 'Upper-case a word with a package of this project',
  params: z.object({ word: z.string().min(1).max(50) }),
  positional: ['word'],
  run: async ({ word }) => exclaim(shout(word)),
});

export default [hello, count, shoutTask];
`;

/** Compiles only if the package's declarations are real: each @ts-expect-error must meet an error. */
const TYPE_PROBE = `import { defineTask, z } from 'asexor';
import { connect } from 'asexor/client';
import { startServer } from 'asexor/server';

export const probe = defineTask({
  name: 'probe', description: 'types only', params: z.object({ n: z.number() }), command: 'true',
  // @ts-expect-error: m is not a param
  args: ({ m }) => [String(m)],
});

export async function probeApis(): Promise<string> {
  const client = await connect({ authid: 'demo', ticket: 'demo-ticket' });
  // @ts-expect-error: a task id is a string
  await client.status(42);
  const server = await startServer({ config: 'config.json' });
  await server.close();
  return (await client.run('hello', { name: 'x' })).task_id;
}
`;

const CLIENT_MJS = `import { connect } from 'asexor/client';
const client = await connect({ url: process.argv[2], authid: 'demo', ticket: 'demo-ticket' });
try {
  const events = [];
  const done = await client.run('count', { to: 2 }, { onEvent: (e) => events.push(e.status === 'progress' ? e.message : e.status) });
  const shouted = await client.run('shout', { word: 'wamp' });
  process.stdout.write(JSON.stringify({ events, count: done.result, shout: shouted.result }));
} finally {
  await client.close();
}
`;

const BAD_TASKS = `import { defineTask, z } from 'asexor';
export default [defineTask({
  name: 'broken', description: 'A positional that is not a param', params: z.object({ n: z.number() }),
  positional: ['count'] as never, command: 'true', args: () => [],
})];
`;

describe('asexor as a package: pack, install into an empty project, init, own task, serve, run', function () {
  this.timeout(180_000);
  let dir: string;
  let project: string;
  let serve: ChildProcess | undefined;
  let wsUrl: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-package-'));
    project = path.join(dir, 'project');
    await mkdir(path.join(project, 'local-words'), { recursive: true });
    await ok('npm', ['pack', '--pack-destination', project, '--loglevel=error'], ROOT);
    const [tarball] = (await readdir(project)).filter((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new Error('npm pack wrote no tarball');
    for (const [name, text] of Object.entries(LOCAL_PACKAGE)) await writeFile(path.join(project, 'local-words', name), text);
    await ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error',
      `./${tarball}`, './local-words', `typescript@${TYPESCRIPT}`, `@types/node@${TYPES_NODE}`], project);
  });
  after(async () => {
    if (serve !== undefined && serve.exitCode === null && serve.signalCode === null) {
      serve.kill('SIGKILL');
      await once(serve, 'exit');
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('ships dist/ and the public declarations, not the TypeScript sources; internals cannot be imported', async () => {
    const installed = path.join(project, 'node_modules', 'asexor');
    const top = await readdir(installed);
    expect(top).to.include.members(['bin', 'dist', 'dist-types', 'native', 'web', 'package.json']);
    expect(top).not.to.include.members(['router', 'worker', 'shared', 'test']);
    expect(await readdir(path.join(installed, 'dist-types', 'lib'))).to.have.members(['index.d.ts', 'client.d.ts', 'server.d.ts']);
    expect(await readdir(path.join(installed, 'dist-types'))).not.to.include('router');
    const deep = await run(process.execPath, ['--input-type=module', '-e', "await import('asexor/dist/worker/index.js')"], project);
    expect(deep.code).to.equal(1);
    expect(deep.stderr).to.include('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('npx asexor init writes config.json, tasks.ts and tsconfig.json and makes the project an ES module one', async () => {
    const out = await ok('npx', ['asexor', 'init', '--port', '0'], project);
    expect(out).to.match(/^wrote {5}config\.json$/m).and.match(/^wrote {5}tasks\.ts$/m).and.match(/^amended {3}package\.json: "type": "module"/m);
    const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as { type: string; scripts: Record<string, string> };
    expect(pkg.type).to.equal('module');
    expect(pkg.scripts['start']).to.equal('asexor serve --config config.json');
    const config = JSON.parse(await readFile(path.join(project, 'config.json'), 'utf8')) as { asexor: { tasksModule: string } };
    expect(config.asexor.tasksModule).to.equal('./tasks.ts');
    const again = await ok('npx', ['asexor', 'init'], project);
    expect(again).to.match(/^kept {6}tasks\.ts \(exists; --force overwrites it\)$/m);
  });

  it('type-checks the project\'s tasks against the package\'s declarations (npx tsc)', async () => {
    const tasksFile = path.join(project, 'tasks.ts');
    const starter = await readFile(tasksFile, 'utf8');
    await writeFile(tasksFile, starter.replace('export default [hello, count];\n', SHOUT_TASK));
    await writeFile(path.join(project, 'words.ts'), WORDS_TS);
    await writeFile(path.join(project, 'type-probe.ts'), TYPE_PROBE);
    const result = await run('npx', ['tsc', '-p', 'tsconfig.json'], project);
    expect(result.stdout + result.stderr).to.equal('');
    expect(result.code).to.equal(0);
  });

  it('refuses a bad definition in one line naming the file, the task and the field', async () => {
    await writeFile(path.join(project, 'bad-tasks.ts'), BAD_TASKS);
    const config = JSON.parse(await readFile(path.join(project, 'config.json'), 'utf8')) as { asexor: Record<string, unknown> };
    config.asexor['tasksModule'] = './bad-tasks.ts';
    await writeFile(path.join(project, 'bad-config.json'), JSON.stringify(config));
    const result = await run('npx', ['asexor', 'serve', '--config', 'bad-config.json'], project);
    expect(result.code).to.equal(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^asexor serve: task module ".*\/bad-tasks\.ts": task "broken": positional: "count" is not a param \(params: n\)$/u);
  });

  it('tells a Node older than engines.node so in one line (the machine\'s own node, when it is older)', async function () {
    const system = await run('/usr/bin/node', ['--version'], project).catch(() => undefined);
    const [major = 0, minor = 0] = (system?.stdout.trim().slice(1) ?? '99.0').split('.').map(Number);
    if (major > 22 || (major === 22 && minor >= 18)) this.skip();
    const result = await run('/usr/bin/node', [path.join(project, 'node_modules', '.bin', 'asexor'), 'serve'], project);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^asexor: needs Node\.js >=22\.18, this is \d+\.\d+\.\d+ \(\/usr\/bin\/node\)\n$/);
  });

  describe('asexor serve --config config.json', () => {
    before(async () => {
      serve = spawn(process.execPath, [path.join(project, 'node_modules', '.bin', 'asexor'), 'serve', '--config', 'config.json'], { cwd: project, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      serve.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
      for await (const line of createInterface({ input: serve.stdout! })) {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url !== undefined) {
          wsUrl = `${entry.url.replace(/^http/, 'ws')}ws`;
          break;
        }
      }
      serve.stdout?.resume();
      if (wsUrl === undefined) throw new Error(`asexor serve ended before listening: ${stderr}`);
    });

    it('runs the project\'s tasks over WAMP with asexor/client: progress, result, a package of the project', async () => {
      await writeFile(path.join(project, 'client.mjs'), CLIENT_MJS);
      const out = JSON.parse(await ok(process.execPath, ['client.mjs', wsUrl], project)) as unknown;
      expect(out).to.deep.equal({ events: ['queued', 'started', '1/2', '2/2', 'success'], count: { counted: 2 }, shout: 'WAMP!' });
    });

    it('runs them with the CLI: npx asexor run prints the result', async () => {
      expect(await ok('npx', ['asexor', 'run', '--url', wsUrl, 'hello', 'Ada'], project)).to.equal('"Hello, Ada!"\n');
      expect(await ok('npx', ['asexor', 'run', '--url', wsUrl, 'shout', 'cli'], project)).to.equal('"CLI!"\n');
    });

    it('stops on SIGTERM with exit code 0', async () => {
      const exited = once(serve!, 'exit');
      serve!.kill('SIGTERM');
      expect(await exited).to.deep.equal([0, null]);
    });
  });
});
