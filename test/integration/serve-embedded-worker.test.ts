/**
 * The embedded worker of `serve` (cli/embedded-worker-role.ts, cli/server.ts): it joins without a
 * `worker` role in the user's config, and nobody else gets the role it joins with; `/health` says
 * whether it is connected (200 connected, 503 degraded while it is away). A router alone (`asexor
 * router`) says that no worker is connected when a call needs the worker's dynamic authorizer
 * (router/authz/dynamic-authorizer.ts), and its /health reports the router only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { createRouter } from '../../router/index.ts';
import { startTransports } from '../../router/transports/index.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { AbResult } from '../../shared/autobahn.ts';
import { LOCAL_WORKER_AUTHID, resolveWorkerSettings, startWorker } from '../../worker/index.ts';
import { serveConfig } from '../helpers/cli-fixture.ts';
import { REALM, startTestServer, TASKS_MODULE, testRouterConfig, USERS, type TestServer } from '../helpers/start-server.ts';
import { connectWebSocket } from '../helpers/transports/websocket.ts';
import { ticketAuth, WampAbort, WampTestClient } from '../helpers/wamp-test-client.ts';
import { joinAs, wampError } from '../helpers/worker-clients.ts';

const BIN = fileURLToPath(new URL('../../bin/asexor.ts', import.meta.url));

async function health(origin: string): Promise<{ status: number; body: unknown }> {
  const reply = await fetch(`${origin}/health`);
  return { status: reply.status, body: await reply.json() };
}

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('asexor serve --config with a Crossbar config whose realm has no worker role', function () {
  this.timeout(30_000);
  let dir: string;
  let serve: ChildProcess;
  let origin: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-serve-'));
    const config = serveConfig({ tasksModule: TASKS_MODULE, filesDir: 'files', concurrency: 1 });
    const [router] = config['workers'] as { realms: { roles: { name: string }[] }[] }[];
    const realm = router?.realms[0];
    if (realm === undefined) throw new Error('serveConfig has no realm');
    realm.roles = realm.roles.filter((role) => role.name !== 'worker');
    const file = path.join(dir, 'config.json');
    await writeFile(file, JSON.stringify(config));
    serve = spawn(process.execPath, [BIN, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    for await (const line of createInterface({ input: serve.stdout! })) {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url !== undefined) {
        origin = entry.url.replace(/\/$/, '');
        break;
      }
    }
    serve.stdout?.resume();
  });
  after(async () => {
    if (serve.exitCode === null) serve.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('starts, serves tasks and reports the worker connected on /health', async () => {
    expect(await health(origin)).to.deep.equal({ status: 200, body: { status: 'ok', worker: 'connected' } });
    const alice = await joinAs(`${origin.replace(/^http/, 'ws')}/ws`, 'alice');
    try {
      const final = await alice.call('asexor.task.date', [], { utc: true }, { receive_progress: true }) as AbResult;
      expect(final.kwargs['status']).to.equal('success');
    } finally {
      await alice.close();
    }
  });

  it('grants the worker\'s role to no configured principal: one configured with role "worker" is refused', async () => {
    const connection = await connectWebSocket(`${origin.replace(/^http/, 'ws')}/ws`, 'json');
    let refused: unknown;
    try {
      await WampTestClient.join(connection, { realm: REALM, ...ticketAuth('worker', USERS.worker.ticket) });
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(WampAbort);
    expect((refused as WampAbort).reason).to.equal('wamp.error.no_such_role');
  });

  it('stops on SIGINT with exit code 0', async () => {
    const exited = once(serve, 'exit');
    serve.kill('SIGINT');
    const [code] = await exited as [number | null];
    expect(code).to.equal(0);
  });
});

describe('/health of serve follows the embedded worker', function () {
  this.timeout(15_000);
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.close(); });

  it('answers 503 degraded while the worker is away, then 200 once it has joined again', async () => {
    expect(await health(server.origin)).to.deep.equal({ status: 200, body: { status: 'ok', worker: 'connected' } });
    const root = await joinAs(server.url, 'root');
    try {
      const sessions = await root.call('wamp.session.list') as number[];
      const details = await Promise.all(sessions.map(async (id) => ({ id, info: await root.call('wamp.session.get', [id]) as { authid: string } })));
      const worker = details.find((entry) => entry.info.authid === LOCAL_WORKER_AUTHID);
      expect(worker, 'the worker session').not.to.equal(undefined);
      const registered = once(server.server.worker.events, 'registered');
      await root.call('wamp.session.kill', [worker?.id]);
      await until(async () => (await health(server.origin)).status === 503);
      expect(await health(server.origin)).to.deep.equal({ status: 503, body: { status: 'degraded', worker: 'disconnected' } });
      await registered; // reconnects after its backoff (about 1 s)
      expect(await health(server.origin)).to.deep.equal({ status: 200, body: { status: 'ok', worker: 'connected' } });
    } finally {
      await root.close();
    }
  });
});

describe('a router alone (asexor router): no worker connected', function () {
  this.timeout(15_000);

  it('answers a user\'s call with a clear "no asexor worker is connected" error until a worker joins; /health is the router\'s only', async () => {
    const config = testRouterConfig(0);
    const router = createRouter({ realms: config.realms });
    const listeners = await startTransports(router, config.transports);
    const port = listeners[0]?.address.port ?? 0;
    const url = `ws://127.0.0.1:${port}/ws`;
    const filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-files-'));
    const alice = await joinAs(url, 'alice');
    try {
      expect(await health(`http://127.0.0.1:${port}`)).to.deep.equal({ status: 200, body: { status: 'ok' } });
      const error = await wampError(alice.call('asexor.task.date'));
      expect(error.error).to.equal(WampErrorUri.authorizationFailed);
      expect(error.args[0]).to.equal('authorization of call on "asexor.task.date" failed: no asexor worker is connected to realm "asexor" ' +
        '(the dynamic authorizer "asexor.auth.authorize" is not registered; whatever serves it is not connected)');
      const settings = resolveWorkerSettings({ tasksModule: TASKS_MODULE, filesDir, concurrency: 1 }, { baseDir: process.cwd() });
      const worker = await startWorker({ settings, connect: { url, authid: 'worker', ticket: USERS.worker.ticket } });
      try {
        await worker.whenRegistered();
        expect(await alice.call('asexor.task.date')).to.be.a('string');
      } finally {
        await worker.close();
      }
    } finally {
      await alice.close();
      await router.close();
      await Promise.all(listeners.map((listener) => listener.close()));
      await rm(filesDir, { recursive: true, force: true });
    }
  });
});
