import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadConfigFile } from '../../../../shared/config/load.ts';
import { ConfigInvalidError, ConfigUnsupportedError } from '../../../../shared/errors.ts';
import { SHIPPED_DIR, httpTransport } from './config-fixtures.ts';

const REPO_WEB = fileURLToPath(new URL('../../../../web', import.meta.url));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('loadConfigFile', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'asexor-config-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('loads the shipped config and resolves static directories against the file\'s directory, like Crossbar\'s node directory', async () => {
    const { router, asexor } = await loadConfigFile(join(SHIPPED_DIR, 'config.json'));
    expect(httpTransport(router.transports[0]).services[0]).to.deep.equal({ type: 'static', path: '/', directory: REPO_WEB });
    expect(asexor).to.equal(undefined);
  });

  it('deep-freezes the result, including the asexor section', async () => {
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify({
      version: 2,
      workers: [{ type: 'router', realms: [{ name: 'realm1' }], transports: [{ type: 'websocket', endpoint: { type: 'tcp', port: 0 }, auth: { ticket: { type: 'static', principals: { alice: { ticket: 't', role: 'user' } } } } }] }],
      asexor: { worker: { tasks: ['convert'] } },
    }));
    const { router, asexor } = await loadConfigFile(file);
    const service = httpTransport(router.transports[0]).services[0];
    const ticket = service?.type === 'websocket' ? service.auth?.ticket : undefined;
    const principals = ticket && 'principals' in ticket ? ticket.principals : undefined;
    for (const value of [router, router.realms, router.transports[0]?.endpoint, service, principals, principals?.['alice'], asexor, asexor?.['worker']]) {
      expect(value).to.satisfy(Object.isFrozen);
    }
    expect(() => { (router.realms as unknown[]).push({}); }).to.throw(TypeError);
  });

  it('reports a JSON syntax error with the file name, line, column and position', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{\n  "version": 2,\n  "workers": [\n}\n');
    const err = await rejection(loadConfigFile(file));
    expect(err).to.be.instanceOf(ConfigInvalidError);
    expect((err as ConfigInvalidError).message).to.equal(`${file}:4:1: invalid JSON at position 33: Unexpected token '}'`);
  });

  it('reports a trailing comma at its position', async () => {
    const file = join(dir, 'comma.json');
    await writeFile(file, '{"version": 2,}');
    const err = await rejection(loadConfigFile(file));
    expect((err as ConfigInvalidError).message).to.equal(`${file}:1:15: invalid JSON at position 14: Expected double-quoted property name`);
  });

  it('reports a missing file as ConfigInvalidError naming it', async () => {
    const file = join(dir, 'missing.json');
    const err = await rejection(loadConfigFile(file));
    expect(err).to.be.instanceOf(ConfigInvalidError);
    expect((err as ConfigInvalidError).message).to.match(new RegExp(`^cannot read config file ${file}: ENOENT`));
  });

  it('rejects YAML node configs as unsupported', async () => {
    const err = await rejection(loadConfigFile(join(dir, 'config.yaml')));
    expect(err).to.be.instanceOf(ConfigUnsupportedError);
    expect((err as ConfigUnsupportedError).message).to.match(/YAML node configs are not supported/);
  });

  it('passes mapping errors through with their JSON path', async () => {
    const file = join(dir, 'tls.json');
    await writeFile(file, JSON.stringify({ version: 2, workers: [{ type: 'router', realms: [{ name: 'realm1' }], transports: [{ type: 'websocket', endpoint: { type: 'tcp', port: 443, tls: {} } }] }] }));
    const err = await rejection(loadConfigFile(file));
    expect(err).to.be.instanceOf(ConfigUnsupportedError);
    expect((err as ConfigUnsupportedError).path).to.equal('$.workers[0].transports[0].endpoint.tls');
  });
});
