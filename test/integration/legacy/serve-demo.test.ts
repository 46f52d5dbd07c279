/**
 * What `npm start` (asexor serve without a config file) offers old ASEXOR clients: the default router
 * config (shared/config/defaults.ts) on an ephemeral port with the demo legacy section, so that the
 * demo token `demo-ticket` works on the legacy WebSocket at /ws and the long poll at /legacy-lp, on the
 * same listener as WAMP and the web app.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectClient } from '../../../cli/client.ts';
import { startServer, type Server } from '../../../cli/server.ts';
import { defaultRouterConfig } from '../../../shared/config/defaults.ts';
import type { HttpTransportConfig, RouterConfig } from '../../../shared/config/types.ts';
import { DEMO_LEGACY_SECTION } from '../../../shared/legacy/settings.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { LegacyLpClient, finished } from '../../helpers/legacy-lp-client.ts';
import { LegacyWsClient } from '../../helpers/legacy-ws-client.ts';

/** The default config on port 0. */
function onEphemeralPort(config: RouterConfig): RouterConfig {
  const [web] = config.transports as readonly HttpTransportConfig[];
  if (web === undefined) throw new Error('the default config has no web transport');
  return { ...config, transports: [{ ...web, endpoint: { ...web.endpoint, port: 0 } }] };
}

describe('the demo server\'s legacy protocols (asexor serve without --config)', function () {
  let server: Server;
  let filesDir: string;
  let port: number;
  before(async () => {
    filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-demo-'));
    server = await startServer({
      router: onEphemeralPort(defaultRouterConfig()), asexor: { legacy: DEMO_LEGACY_SECTION, filesDir, concurrency: 2 },
      baseDir: process.cwd(), logger: silentLogger(),
    });
    port = server.listeners[0]?.address.port ?? 0;
  });
  after(async () => {
    await server.close();
    await rm(filesDir, { recursive: true, force: true });
  });

  it('runs date over the legacy WebSocket with the demo token', async () => {
    const client = await LegacyWsClient.connect(`ws://127.0.0.1:${port}/ws`, 'demo-ticket', 'demo');
    client.call(1, 'date', ['%Y'], { utc: true });
    const messages = await client.finished(1);
    await client.close();
    expect(messages.map((m) => m[0])).to.deep.equal(['r', 'm', 'm']);
    expect(messages.at(-1)?.[2]).to.include({ status: 'success', result: String(new Date().getUTCFullYear()) });
  });

  it('runs date over the legacy long poll at /legacy-lp with the demo token', async () => {
    const client = new LegacyLpClient(port, { path: '/legacy-lp' });
    expect((await client.start('demo-ticket')).status).to.equal(200);
    const reply = await client.call(1, 'date', { args: ['%Y'] });
    expect(reply[0]).to.equal('r');
    const updates = await client.pollUntil((u) => finished(u, 1));
    expect(updates.at(-1)?.[2]).to.include({ status: 'success' });
  });

  it('still serves WAMP on /ws, and the demo user sees the legacy tasks in its history', async () => {
    const wamp = await connectClient({
      url: `ws://127.0.0.1:${port}/ws`, realm: 'asexor', uriPrefix: 'asexor', authid: 'demo', credential: { ticket: 'demo-ticket' },
    });
    const history = await wamp.call('asexor.control.history', []) as { task: string; status: string }[];
    await wamp.close();
    expect(history.filter((t) => t.task === 'date' && t.status === 'success').length).to.be.at.least(2);
  });
});
