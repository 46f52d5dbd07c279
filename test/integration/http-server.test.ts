/**
 * The shared HTTP listener: /health, static files (and what they must refuse), upgrade routing
 * by path, bind errors, and startTransports. Real router, real sockets on 127.0.0.1.
 */
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createRouter, type Router } from '../../router/index.ts';
import { startHttpTransport, type Listener } from '../../router/transports/http-server.ts';
import { startTransports } from '../../router/transports/index.ts';
import type { HttpTransportConfig } from '../../shared/config/types.ts';
import { TransportBindError } from '../../shared/errors.ts';
import { probeWebSocket as connect, refusedHandshake } from '../helpers/transports/websocket.ts';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One request on its own connection, the path sent exactly as given (no URL normalization). */
function httpRequest(listener: Listener, urlPath: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: listener.address.host, port: listener.address.port, path: urlPath, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }); });
    });
    req.on('error', reject);
    req.end();
  });
}

function transport(directory: string, port = 0): HttpTransportConfig {
  return {
    type: 'http',
    endpoint: { type: 'tcp', interface: '127.0.0.1', port },
    services: [
      { type: 'websocket', path: '/ws', serializers: ['json'], options: { maxMessageSize: 65536, autoPingInterval: 0, autoPingTimeout: 1000 } },
      { type: 'static', path: '/', directory },
    ],
  };
}

describe('HTTP transport', () => {
  let router: Router;
  let listener: Listener;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-http-'));
    await mkdir(path.join(dir, 'www', 'js'), { recursive: true });
    await writeFile(path.join(dir, 'www', 'index.html'), '<!doctype html><title>asexor</title>');
    await writeFile(path.join(dir, 'www', 'js', 'app.js'), 'console.log(1);');
    await writeFile(path.join(dir, 'www', '.env'), 'SECRET=1');
    await writeFile(path.join(dir, 'secret.txt'), 'outside the web root');
    await symlink(path.join(dir, 'secret.txt'), path.join(dir, 'www', 'link.txt'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    router = createRouter({ realms: [{ name: 'realm1', roles: [] }] });
    listener = await startHttpTransport(router, transport(path.join(dir, 'www')));
  });
  afterEach(async () => {
    await listener.close();
    await router.close();
  });

  it('answers GET /health with 200 {"status":"ok"}', async () => {
    const reply = await httpRequest(listener, '/health');
    expect(reply.status).to.equal(200);
    expect(reply.headers['content-type']).to.match(/^application\/json/);
    expect(JSON.parse(reply.body)).to.deep.equal({ status: 'ok' });
  });

  it('serves index.html for / and files below the static directory with their content type', async () => {
    const index = await httpRequest(listener, '/');
    expect([index.status, index.headers['content-type'], index.body]).to.deep.equal([200, 'text/html; charset=utf-8', '<!doctype html><title>asexor</title>']);
    const js = await httpRequest(listener, '/js/app.js?v=1');
    expect([js.status, js.headers['content-type'], js.body]).to.deep.equal([200, 'text/javascript; charset=utf-8', 'console.log(1);']);
    const head = await httpRequest(listener, '/js/app.js', 'HEAD');
    expect([head.status, head.headers['content-length'], head.body]).to.deep.equal([200, '15', '']);
  });

  for (const attack of ['/../secret.txt', '/%2e%2e/secret.txt', '/js/..%2f..%2fsecret.txt', '/link.txt', '/.env', '/%00', '/%E0%A4%A']) {
    it(`does not serve ${attack} (path traversal, symlink escape, dotfile or bad encoding → 404)`, async () => {
      const reply = await httpRequest(listener, attack);
      expect(reply.status).to.equal(404);
      expect(reply.body).to.not.contain('outside the web root').and.not.contain('SECRET');
    });
  }

  it('answers 404 for missing files and 405 for methods other than GET/HEAD', async () => {
    expect((await httpRequest(listener, '/missing.css')).status).to.equal(404);
    const post = await httpRequest(listener, '/index.html', 'POST');
    expect([post.status, post.headers.allow]).to.deep.equal([405, 'GET, HEAD']);
  });

  it('routes upgrades by path: /ws accepts, an unknown path gets 404, a plain GET on /ws gets 426', async () => {
    const client = await connect(listener.url('/ws', 'ws'), 'wamp.2.json');
    expect(client.protocol).to.equal('wamp.2.json');
    await client.close();
    expect((await refusedHandshake(listener.url('/nope', 'ws'), ['wamp.2.json'])).status).to.equal(404);
    expect((await httpRequest(listener, '/ws')).status).to.equal(426);
  });

  it('rejects a port that is already in use with TransportBindError naming the address', async () => {
    const error = await startHttpTransport(router, transport(dir, listener.address.port)).then(() => undefined, (err: unknown) => err);
    expect(error).to.be.instanceOf(TransportBindError);
    expect((error as TransportBindError).message).to.contain(`127.0.0.1:${listener.address.port}`);
  });

  it('startTransports starts one listener per transport and url() points at it', async () => {
    const listeners = await startTransports(router, [transport(dir), transport(dir)]);
    try {
      expect(listeners).to.have.length(2);
      const [first] = listeners;
      expect(first?.url('/health')).to.equal(`http://127.0.0.1:${first?.address.port}/health`);
      expect((await httpRequest(first!, '/health')).status).to.equal(200);
    } finally {
      await Promise.all(listeners.map((l) => l.close()));
    }
  });
});
