/**
 * The original ASEXOR's WAMP API (docs/legacy-wamp-api.md) with a router config that forgets the
 * worker's permissions for it: no register permission stops the server naming the procedure; no
 * publish permission is logged once (an unacknowledged PUBLISH would be dropped without a word).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { startServer, type Server } from '../../../cli/server.ts';
import type { RouterConfig } from '../../../shared/config/types.ts';
import { legacyDefaults } from '../../../shared/legacy/settings.ts';
import { createLogger, silentLogger, type Logger } from '../../../shared/logger.ts';
import { expectNothingWithin, waitFor } from '../../helpers/wait-for.ts';
import { joinAs } from '../../helpers/worker-clients.ts';
import { TASKS_MODULE, testRouterConfig } from '../../helpers/start-server.ts';

const { procedure: RUN_TASK, topic: TASK_UPDATE } = legacyDefaults.wampApi;

/** testRouterConfig without the worker's permission on `uri`. */
function without(uri: string): RouterConfig {
  const config = testRouterConfig();
  return {
    ...config,
    realms: config.realms.map((realm) => ({
      ...realm,
      roles: realm.roles.map((role) => ('permissions' in role && role.permissions !== undefined
        ? { ...role, permissions: role.permissions.filter((p) => p.uri !== uri) }
        : role)),
    })),
  };
}

describe('legacy WAMP API: the worker\'s permissions', function () {
  this.timeout(15_000);
  let filesDir: string;
  let server: Server | undefined;

  beforeEach(async () => { filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-files-')); });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(filesDir, { recursive: true, force: true });
  });

  const start = (router: RouterConfig, logger: Logger = silentLogger()): Promise<Server> => startServer({
    router, asexor: { tasksModule: TASKS_MODULE, filesDir, concurrency: 2, legacy: { wampApi: { enabled: true } } }, baseDir: process.cwd(), logger,
  });

  it('refuses to start when the worker may not register the procedure, naming it', async () => {
    let failure: unknown;
    try {
      server = await start(without(RUN_TASK));
    } catch (error) {
      failure = error;
    }
    expect(String(failure)).to.include('wamp.error.not_authorized').and.include(RUN_TASK);
  });

  it('logs once when the router refuses the updates', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new PassThrough();
    destination.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    server = await start(without(TASK_UPDATE), createLogger({ destination, level: 'error' }));
    const port = server.listeners[0]?.address.port ?? 0;
    const alice = await joinAs(`ws://127.0.0.1:${port}/ws`, 'alice');
    try {
      for (let i = 0; i < 2; i++) {
        expect(await alice.call(RUN_TASK, ['sleep', 0])).to.be.a('string');
      }
      await waitFor(() => lines.some((l) => l['topic'] === TASK_UPDATE), 'the refusal logged', 3_000);
      await expectNothingWithin(300); // the later refused updates are not logged
      const refused = lines.filter((l) => l['topic'] === TASK_UPDATE);
      expect(refused, JSON.stringify(lines)).to.have.length(1);
      expect(refused[0]?.['msg']).to.match(/refused an update/);
    } finally {
      await alice.close();
    }
  });
});
