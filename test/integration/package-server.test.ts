/**
 * `asexor/server` (lib/server.ts) and `asexor init` (cli/init-command.ts) without packing
 * (test/package/pack-install.test.ts does the whole path): startServer from a config file serves its
 * tasks module until close(); init in a `"type": "commonjs"` project writes tasks.mts and leaves the
 * type alone, and keeps existing files unless --force.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { connect } from '../../lib/client.ts';
import { startServer } from '../../lib/server.ts';
import { silentLogger } from '../../shared/logger.ts';
import { serveConfig } from '../helpers/cli-fixture.ts';
import { TASKS_MODULE, USERS } from '../helpers/start-server.ts';

const BIN = fileURLToPath(new URL('../../bin/asexor.ts', import.meta.url));
const execFileAsync = promisify(execFile);

describe('asexor/server startServer (lib/server.ts)', function () {
  this.timeout(20_000);
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'asexor-lib-server-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('serves the tasks of the config file (paths relative to it) until close()', async () => {
    const config = path.join(dir, 'config.json');
    await writeFile(config, JSON.stringify(serveConfig({ tasksModule: path.relative(dir, TASKS_MODULE), filesDir: 'files', store: { type: 'memory' } })));
    const server = await startServer({ config, logger: silentLogger() });
    try {
      expect(server.urls).to.have.length(1);
      expect(server.urls[0]).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const alice = await connect({ url: server.wsUrl('/ws'), authid: 'alice', ticket: USERS.alice.ticket });
      try {
        const done = await alice.run('progress', { steps: 1, delay: 1 });
        expect(done.result).to.equal('done');
      } finally {
        await alice.close();
      }
    } finally {
      await server.close();
    }
  });
});

describe('asexor init (cli/init-command.ts)', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'asexor-init-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  const init = (...args: string[]): Promise<{ stdout: string }> => execFileAsync(process.execPath, [BIN, 'init', ...args], { cwd: dir });

  it('in a "type": "commonjs" project writes tasks.mts, names it in config.json and leaves the type alone', async () => {
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'conversions', type: 'commonjs', scripts: { start: 'node app.js' } }));
    const { stdout } = await init();
    expect(stdout).to.match(/^wrote {5}tasks\.mts$/m).and.match(/^amended {3}package\.json: scripts\.typecheck$/m);
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { type: string; scripts: Record<string, string> };
    expect(pkg).to.deep.equal({ name: 'conversions', type: 'commonjs', scripts: { start: 'node app.js', typecheck: 'tsc -p tsconfig.json' } });
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { asexor: { tasksModule: string } };
    expect(config.asexor.tasksModule).to.equal('./tasks.mts');
  });

  it('without package.json writes one; keeps existing files unless --force; refuses a bad --port', async () => {
    await writeFile(path.join(dir, 'tasks.ts'), '// mine\n');
    const first = await init('--port', '9000');
    expect(first.stdout).to.match(/^kept {6}tasks\.ts/m).and.match(/^wrote {5}package\.json$/m);
    expect(await readFile(path.join(dir, 'tasks.ts'), 'utf8')).to.equal('// mine\n');
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { workers: { transports: { endpoint: { port: number } }[] }[] };
    expect(config.workers[0]?.transports[0]?.endpoint.port).to.equal(9000);
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { type: string };
    expect(pkg.type).to.equal('module');
    const forced = await init('--force');
    expect(forced.stdout).to.match(/^wrote {5}tasks\.ts$/m);
    expect(await readFile(path.join(dir, 'tasks.ts'), 'utf8')).to.include("from 'asexor'");
    const bad: unknown = await init('--port', 'x').then(() => undefined, (error: unknown) => error);
    expect(bad).to.include({ code: 2 });
    expect((bad as { stderr: string }).stderr).to.match(/^asexor init: --port: expected an integer from 0 to 65535, got "x"\n/);
  });
});
