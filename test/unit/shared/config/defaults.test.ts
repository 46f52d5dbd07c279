import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import { configDefaults, defaultRouterConfig } from '../../../../shared/config/defaults.ts';
import type { RouterConfig } from '../../../../shared/config/types.ts';
import { SHIPPED_DIR, httpTransport } from './config-fixtures.ts';

function shippedRouter(name: string): RouterConfig {
  const json = JSON.parse(readFileSync(`${SHIPPED_DIR}${name}`, 'utf8')) as unknown;
  return fromCrossbarConfig(json, { baseDir: SHIPPED_DIR, env: {} }).router;
}

describe('defaultRouterConfig', () => {
  it('equals the router part of crossbar-config/config-with-worker.json (docs/conventions.md: defaults and the shipped config agree)', () => {
    expect(defaultRouterConfig()).to.deep.equal(shippedRouter('config-with-worker.json'));
  });

  it('is crossbar-config/config.json (which Crossbar also runs) plus the long-poll path /lp, with the auth of /ws', () => {
    const defaults = defaultRouterConfig();
    const [transport] = defaults.transports;
    const services = httpTransport(transport).services;
    const withoutLongPoll = { ...defaults, transports: [{ ...httpTransport(transport), services: services.filter((s) => s.path !== '/lp') }] };
    expect(withoutLongPoll).to.deep.equal(shippedRouter('config.json'));
    const ws = services.find((s) => s.path === '/ws');
    const lp = services.find((s) => s.path === '/lp');
    expect(lp).to.deep.include({ type: 'longpoll', serializers: ['json', 'msgpack'] });
    expect(lp?.type === 'longpoll' && lp.auth).to.deep.equal(ws?.type === 'websocket' && ws.auth);
  });

  it('allows no anonymous sessions and listens on loopback only', () => {
    const [transport] = defaultRouterConfig().transports;
    expect(transport?.endpoint).to.deep.equal({ type: 'tcp', interface: '127.0.0.1', port: 8484 });
    for (const service of httpTransport(transport).services) {
      if (service.type !== 'static') expect(service.auth?.anonymous).to.equal(undefined);
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
