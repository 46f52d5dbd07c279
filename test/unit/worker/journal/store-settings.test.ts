/** `asexor.store` (worker/journal/store-settings.ts): defaults, paths, ASEXOR_STORE, errors naming the JSON path. */
import { expect } from 'chai';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { resolveStoreSettings, storeDefaults } from '../../../../worker/journal/store-settings.ts';
import { resolveWorkerSettings } from '../../../../worker/worker-settings.ts';

describe('asexor.store settings', () => {
  const noEnv = {};

  it('defaults to ./asexor.db next to the config file, WAL synchronous normal, 10 000 finished tasks, 30 days', () => {
    expect(resolveStoreSettings(undefined, '/srv/asexor', noEnv)).to.deep.equal({
      type: 'sqlite', path: '/srv/asexor/asexor.db', synchronous: 'normal', retention: { maxTasks: 10_000, maxAgeDays: 30 },
    });
    expect(storeDefaults).to.include({ type: 'sqlite', path: 'asexor.db', synchronous: 'normal', maxTasks: 10_000, maxAgeDays: 30 });
  });

  it('resolves a relative path against the config file\'s directory, keeps :memory:, and turns it off with memory', () => {
    const custom = resolveStoreSettings({ type: 'sqlite', path: '../data/j.db', synchronous: 'full', retention: { maxTasks: 5 } }, '/srv/asexor/conf', noEnv);
    expect(custom).to.deep.equal({ type: 'sqlite', path: '/srv/asexor/data/j.db', synchronous: 'full', retention: { maxTasks: 5, maxAgeDays: 30 } });
    expect(resolveStoreSettings({ type: 'sqlite', path: ':memory:' }, '/x', noEnv)).to.include({ path: ':memory:' });
    expect(resolveStoreSettings({ type: 'memory' }, '/x', noEnv)).to.deep.equal({ type: 'memory' });
  });

  it('ASEXOR_STORE=memory overrides the config; any other value is an error', () => {
    expect(resolveStoreSettings({ type: 'sqlite' }, '/x', { ASEXOR_STORE: 'memory' })).to.deep.equal({ type: 'memory' });
    expect(() => resolveStoreSettings(undefined, '/x', { ASEXOR_STORE: 'disk' })).to.throw(ConfigInvalidError, /ASEXOR_STORE/);
  });

  it('rejects bad values naming the JSON path', () => {
    const cases: [unknown, RegExp][] = [
      [{ store: { type: 'postgres' } }, /^\$\.asexor\.store\.type: /],
      [{ store: { type: 'sqlite', synchronous: 'off' } }, /^\$\.asexor\.store\.synchronous: /],
      [{ store: { type: 'sqlite', retention: { maxTasks: 0 } } }, /^\$\.asexor\.store\.retention\.maxTasks: /],
      [{ store: { type: 'memory', path: 'x.db' } }, /^\$\.asexor\.store\.path: unknown key/],
    ];
    for (const [section, message] of cases) expect(() => resolveWorkerSettings(section, { baseDir: '/' }), JSON.stringify(section)).to.throw(ConfigInvalidError, message);
  });
});
