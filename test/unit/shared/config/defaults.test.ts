import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import { configDefaults, defaultRouterConfig } from '../../../../shared/config/defaults.ts';
import { SHIPPED_DIR, httpTransport } from './config-fixtures.ts';

describe('defaultRouterConfig', () => {
  it('equals the mapping of crossbar-config/config.json (docs/conventions.md: defaults and the shipped config agree)', () => {
    const json = JSON.parse(readFileSync(`${SHIPPED_DIR}config.json`, 'utf8')) as unknown;
    expect(defaultRouterConfig()).to.deep.equal(fromCrossbarConfig(json, { baseDir: SHIPPED_DIR, env: {} }).router);
  });

  it('allows no anonymous sessions and listens on loopback only', () => {
    const [transport] = defaultRouterConfig().transports;
    expect(transport?.endpoint).to.deep.equal({ type: 'tcp', interface: '127.0.0.1', port: 8484 });
    for (const service of httpTransport(transport).services) {
      if (service.type === 'websocket') expect(service.auth?.anonymous).to.equal(undefined);
    }
  });

  it('is frozen', () => {
    expect(defaultRouterConfig().realms).to.satisfy(Object.isFrozen);
  });
});

describe('configDefaults', () => {
  it('matches the values documented with @default', () => {
    expect(configDefaults).to.include({
      interface: '127.0.0.1', maxMessageSize: 16 * 1024 * 1024, autoPingInterval: 30_000, autoPingTimeout: 10_000,
      anonymousRole: 'anonymous', match: 'exact', cache: false, craIterations: 1000, craKeylen: 32,
    });
    expect(configDefaults.serializers).to.deep.equal(['json', 'msgpack', 'cbor']);
  });
});
