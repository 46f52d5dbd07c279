/**
 * Crossbar's `allowed_origins` on a WebSocket path, through a real HTTP listener on 127.0.0.1, port 0
 * and real `ws` clients (router/transports/origin-policy.ts, docs/fairness-and-abuse.md).
 */
import { expect } from 'chai';
import { request } from 'node:http';
import { createRouter, type Router } from '../../router/index.ts';
import { startHttpTransport, type Listener } from '../../router/transports/http-server.ts';
import type { WebSocketOptions } from '../../shared/config/types.ts';
import type { Logger } from '../../shared/logger.ts';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { probeWebSocket as connect } from '../helpers/transports/websocket.ts';
import { recordingLogger } from '../helpers/recording-logger.ts';
import { logFlushed } from '../helpers/wait-for.ts';
import { openRealm } from '../helpers/router-fixtures.ts';

const BASE_OPTIONS = { maxMessageSize: 1024 * 1024, autoPingInterval: 0, autoPingTimeout: 10_000 };

/** The raw HTTP answer to an upgrade request with `origin`: status and body. */
function upgradeStatus(port: number, origin: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path: '/ws',
      headers: {
        connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-protocol': 'wamp.2.json', ...(origin === undefined ? {} : { origin }),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; }).on('end', () => { resolve({ status: res.statusCode ?? 0, body }); });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('WebSocket allowed_origins (Crossbar option) over a real listener', () => {
  let router: Router;
  let listener: Listener;
  let lines: Record<string, unknown>[] = [];
  let logger: Logger;

  async function start(options: Partial<WebSocketOptions>): Promise<void> {
    const recorder = recordingLogger('info');
    ({ lines, logger } = recorder);
    router = createRouter({ realms: [openRealm()] });
    listener = await startHttpTransport(router, {
      type: 'http', endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
      services: [{ type: 'websocket', path: '/ws', serializers: ['json'], options: { ...BASE_OPTIONS, ...options } }],
    }, { logger: recorder.logger });
  }

  afterEach(async () => {
    await router.close();
    await listener.close();
  });

  it('refuses an upgrade whose Origin matches no pattern with HTTP 403, and joins a matching one', async () => {
    await start({ allowedOrigins: ['https://*.example.com', 'http://localhost:*'] });
    const refused = await upgradeStatus(listener.address.port, 'http://evil.example');
    expect(refused.status).to.equal(403);
    expect(refused.body).to.equal('This origin is not allowed to open a WebSocket here (allowed_origins).\n');
    for (const origin of ['https://app.example.com', 'http://localhost:5173']) {
      const client = await connect(listener.url('/ws', 'ws'), 'wamp.2.json', { origin });
      client.send([M.HELLO, 'realm1', { roles: { caller: {} } }]);
      expect((await client.next())[0], origin).to.equal(M.WELCOME);
      await client.close();
    }
  });

  it('lets a client without an Origin header (not a browser page) join', async () => {
    await start({ allowedOrigins: ['https://app.example.com'] });
    expect((await upgradeStatus(listener.address.port, undefined)).status).to.equal(101);
    const client = await connect(listener.url('/ws', 'ws'), 'wamp.2.json');
    client.send([M.HELLO, 'realm1', { roles: { caller: {} } }]);
    expect((await client.next())[0]).to.equal(M.WELCOME);
    await client.close();
  });

  it('refuses Origin: null unless allowNullOrigin', async () => {
    await start({ allowedOrigins: ['*'] });
    expect((await upgradeStatus(listener.address.port, 'null')).status).to.equal(403);
    expect((await upgradeStatus(listener.address.port, 'http://anything.example')).status).to.equal(101);
    await router.close();
    await listener.close();
    await start({ allowedOrigins: ['*'], allowNullOrigin: true });
    expect((await upgradeStatus(listener.address.port, 'null')).status).to.equal(101);
  });

  it('accepts any Origin when allowed_origins is not configured (as before)', async () => {
    await start({});
    expect((await upgradeStatus(listener.address.port, 'http://evil.example')).status).to.equal(101);
  });

  it('logs refused origins at warn once per minute with a count, not once per request', async () => {
    await start({ allowedOrigins: ['https://app.example.com'] });
    for (let i = 0; i < 20; i++) expect((await upgradeStatus(listener.address.port, `http://evil${i}.example`)).status).to.equal(403);
    await logFlushed(logger, lines);
    const warnings = lines.filter((l) => l['level'] === 40);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include({ origin: 'http://evil0.example', occurrences: 1 });
  });
});
