/** The `asexor.legacy` settings (shared/legacy/settings.ts), through the worker settings that carry them. */
import { expect } from 'chai';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { legacyDefaults } from '../../../../shared/legacy/settings.ts';
import { resolveWorkerSettings } from '../../../../worker/worker-settings.ts';

const resolve = (legacy: unknown, baseDir = '/srv/asexor') => resolveWorkerSettings({ legacy }, { baseDir }).legacy;

describe('asexor.legacy settings (shared/legacy/settings.ts)', () => {
  it('keeps everything off by default, with the original\'s timeouts in milliseconds', () => {
    const legacy = resolve(undefined);
    expect(legacy.websocket).to.include({ enabled: false, path: '/ws', bufferTimeoutMs: 60_000, inactiveTimeoutMs: 3_600_000, heartbeatMs: 0 });
    expect(legacy.longpoll).to.include({ enabled: false, path: '/legacy-lp', cookieName: 'ASEXOR_LP_SESSION', maxSessionTimeMs: 86_400_000, pollTimeoutMs: 600_000 });
    expect(legacy.longpoll.endpoint).to.equal(undefined);
    expect(legacy.rawsocket).to.deep.equal([]);
    expect(legacy.wampApi).to.deep.equal({ enabled: false, ...legacyDefaults.wampApi });
  });

  it('resolves raw socket listeners: TCP on loopback by default, a relative Unix path against the config directory', () => {
    const legacy = resolve({ rawsocket: [
      { endpoint: { type: 'tcp', port: 8485 } },
      { endpoint: { type: 'unix', path: 'run/asexor.sock' }, delegated: true, delegates: { backend: ['user', 'superuser'] }, noUpdate: true },
    ] });
    expect(legacy.rawsocket[0]).to.deep.include({ endpoint: { type: 'tcp', port: 8485, interface: '127.0.0.1' }, noUpdate: false, delegated: false, delegates: {} });
    expect(legacy.rawsocket[1]).to.deep.include({
      endpoint: { type: 'unix', path: '/srv/asexor/run/asexor.sock' }, noUpdate: true, delegated: true, delegates: { backend: ['user', 'superuser'] },
    });
    expect(legacy.rawsocket[1]?.maxMessageSize).to.equal(2 ** 24 - 1);
  });

  it('refuses bad sections with the JSON path of the problem', () => {
    const cases: [unknown, RegExp][] = [
      [{ websockets: {} }, /^\$\.asexor\.legacy\.websockets: unknown key/],
      [{ rawsocket: [{ endpoint: { type: 'tcp', port: 8485 }, delegated: true }] }, /^\$\.asexor\.legacy\.rawsocket\[0\]\.delegates: a delegated listener needs "delegates"/],
      [{ rawsocket: [{ endpoint: { type: 'tcp', port: 8485 }, delegates: { backend: ['user'] } }] }, /\.delegates: "delegates" only applies/],
      [{ rawsocket: [{ endpoint: { type: 'tcp', port: 8485 }, maxMessageSize: 2 ** 24 }] }, /\.maxMessageSize: expected an integer from 16 to 16777215/],
      [{ longpoll: { allowedOrigins: ['*'] } }, /\.allowedOrigins\[0\]: /],
      [{ longpoll: { cookieName: 'a b' } }, /\.cookieName: expected a cookie name/],
      [{ websocket: { path: 'ws' } }, /\.websocket\.path: /],
      [{ wampApi: { procedure: 'Not A Uri' } }, /\.wampApi\.procedure: expected a WAMP URI/],
    ];
    for (const [section, message] of cases) {
      expect(() => resolve(section), JSON.stringify(section)).to.throw(ConfigInvalidError, message);
    }
  });
});
