import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import type { PermissionConfig, RouterConfig } from '../../../../shared/config/types.ts';
import { SHIPPED_DIR, fixture, httpTransport, setAt } from './config-fixtures.ts';

const NONE = { call: false, register: false, publish: false, subscribe: false };
const NO_DISCLOSE = { caller: false, publisher: false };
const WS_DEFAULTS = { maxMessageSize: 16 * 1024 * 1024, autoPingInterval: 30_000, autoPingTimeout: 10_000 };

function perm(uri: string, match: PermissionConfig['match'], allow: Partial<PermissionConfig['allow']> = {}): PermissionConfig {
  return { uri, match, allow: { ...NONE, ...allow }, disclose: NO_DISCLOSE, cache: false };
}

describe('fromCrossbarConfig', () => {
  it('maps a minimal websocket transport, filling in the documented defaults', () => {
    const expected: RouterConfig = {
      realms: [{ name: 'realm1', roles: [{ name: 'anonymous', permissions: [perm('com.example.', 'prefix', { call: true, subscribe: true })] }] }],
      transports: [{
        type: 'http',
        endpoint: { type: 'tcp', interface: '127.0.0.1', port: 8080 },
        services: [{ type: 'websocket', path: '/', serializers: ['json', 'msgpack', 'cbor'], options: WS_DEFAULTS }],
      }],
    };
    expect(fromCrossbarConfig(fixture('minimal.json'))).to.deep.equal({ router: expected, asexor: undefined });
  });

  it('maps every supported key (every-key.json)', () => {
    const json = fixture('every-key.json');
    const { router, asexor } = fromCrossbarConfig(json, { baseDir: '/srv/node' });
    expect(router.realms).to.deep.equal([
      {
        name: 'realm1',
        roles: [
          {
            name: 'user',
            permissions: [
              perm('com.example.exact', 'exact'),
              perm('com.example.legacy.', 'prefix', { call: true }),
              perm('', 'prefix', { subscribe: true }),
              { uri: 'com..status', match: 'wildcard', allow: { call: true, register: true, publish: true, subscribe: true }, disclose: { caller: true, publisher: true }, cache: true },
            ],
          },
          { name: 'backend', authorizer: 'com.example.authorize' },
          { name: 'nobody', permissions: [] },
        ],
      },
      { name: 'auth.realm', roles: [] },
    ]);
    expect(router.transports).to.deep.equal([
      {
        type: 'http',
        endpoint: { type: 'tcp', interface: '::1', port: 9001 },
        services: [{
          type: 'websocket', path: '/', serializers: ['cbor', 'json'],
          options: { maxMessageSize: 1048576, autoPingInterval: 0, autoPingTimeout: 5000 },
          auth: {
            anonymous: { type: 'static', role: 'anonymous' },
            ticket: { type: 'dynamic', authenticator: 'com.example.authenticate', authenticatorRealm: 'auth.realm' },
            wampcra: { type: 'dynamic', authenticator: 'com.example.authenticate' },
          },
        }],
      },
      {
        type: 'http',
        endpoint: { type: 'tcp', interface: '127.0.0.1', port: 9002 },
        services: [
          { type: 'static', path: '/', directory: resolve('/srv/node', 'static') },
          { type: 'websocket', path: '/ws', serializers: ['json', 'msgpack', 'cbor'], options: WS_DEFAULTS, auth: { anonymous: { type: 'static', role: 'user' } } },
          { type: 'websocket', path: '/dyn', serializers: ['json', 'msgpack', 'cbor'], options: WS_DEFAULTS, auth: { anonymous: { type: 'dynamic', authenticator: 'com.example.authenticate' } } },
        ],
      },
    ]);
    expect(asexor).to.equal(json['asexor']);
  });

  it('keeps a relative static directory as written when no baseDir is given', () => {
    const { router } = fromCrossbarConfig(fixture('every-key.json'));
    expect(httpTransport(router.transports[1]).services[0]).to.deep.equal({ type: 'static', path: '/', directory: 'static' });
  });

  it('returns the top-level asexor section untouched (same object)', () => {
    const json = fixture('minimal.json');
    const section = { worker: { nested: [1, { deep: true }] } };
    json['asexor'] = section;
    expect(fromCrossbarConfig(json).asexor).to.equal(section);
  });

  it('maps the shipped crossbar-config/config.json: ticket and WAMP-CRA users on /ws, the web app on /', () => {
    const json = JSON.parse(readFileSync(`${SHIPPED_DIR}config.json`, 'utf8')) as unknown;
    const { router } = fromCrossbarConfig(json, { baseDir: SHIPPED_DIR, env: {} });
    const [transport] = router.transports;
    expect(transport?.endpoint).to.deep.equal({ type: 'tcp', interface: '127.0.0.1', port: 8484 });
    expect(httpTransport(transport).services.map((s) => [s.type, s.path])).to.deep.equal([['static', '/'], ['websocket', '/ws']]);
    const ws = httpTransport(transport).services[1];
    expect(ws?.type === 'websocket' && ws.auth?.anonymous).to.equal(undefined);
    expect(router.realms[0]?.roles.map((r) => r.name)).to.deep.equal(['user', 'worker', 'admin']);
  });

  describe('legacy starred URIs (autobahn convert_starred_uri)', () => {
    const cases: [uri: string, match: string | undefined, expected: [string, string]][] = [
      ['com.example.*', undefined, ['com.example.', 'prefix']],
      ['*', undefined, ['', 'prefix']],
      ['com.example.proc', undefined, ['com.example.proc', 'exact']],
      ['com.example.', 'prefix', ['com.example.', 'prefix']],
      ['com..proc', 'wildcard', ['com..proc', 'wildcard']],
    ];
    for (const [uri, match, [expectedUri, expectedMatch]] of cases) {
      it(`maps uri '${uri}'${match ? ` with match '${match}'` : ''} to ${expectedMatch} '${expectedUri}'`, () => {
        const json = fixture('minimal.json');
        setAt(json, '$.workers[0].realms[0].roles[0].permissions[0]', match ? { uri, match } : { uri });
        const role = fromCrossbarConfig(json).router.realms[0]?.roles[0];
        const permission = role && 'permissions' in role ? role.permissions[0] : undefined;
        expect([permission?.uri, permission?.match]).to.deep.equal([expectedUri, expectedMatch]);
      });
    }
  });

  describe('secrets and ports from the environment (checkconfig.py maybe_from_env, _readenv)', () => {
    const env = { ASEXOR_TEST_PORT: '9123', ASEXOR_TEST_TICKET: 'ticket-from-env', ASEXOR_TEST_SECRET: 'secret-from-env' };

    it('reads "${NAME}" tickets and secrets and a "$NAME" port; "$NAME" secrets stay literal like in Crossbar', () => {
      const { router } = fromCrossbarConfig(fixture('env-secrets.json'), { env });
      const transport = router.transports[0];
      expect(httpTransport(transport).endpoint.port).to.equal(9123);
      const ws = httpTransport(transport).services[0];
      expect(ws?.type === 'websocket' ? ws.auth : undefined).to.deep.equal({
        ticket: { type: 'static', principals: { alice: { ticket: 'ticket-from-env', role: 'user' }, bob: { ticket: '$NOT_A_REFERENCE', role: 'user' } } },
        wampcra: { type: 'static', users: { carol: { secret: 'secret-from-env', role: 'user', salt: 'salt123', iterations: 1000, keylen: 32 } } },
      });
    });

    it('gives principals a null prototype, so an authid such as "constructor" finds nothing inherited', () => {
      const { router } = fromCrossbarConfig(fixture('env-secrets.json'), { env });
      const ws = httpTransport(router.transports[0]).services[0];
      const ticket = ws?.type === 'websocket' ? ws.auth?.ticket : undefined;
      expect(ticket && 'principals' in ticket ? Object.getPrototypeOf(ticket.principals) : 'missing').to.equal(null);
    });
  });
});
