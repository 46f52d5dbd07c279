/** `asexor.store` (worker/journal/store-settings.ts): defaults, paths, ASEXOR_STORE, the PostgreSQL connection from the environment, errors naming the JSON path. */
import { expect } from 'chai';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { postgresSettingsDefaults, resolveStoreSettings, storeDefaults } from '../../../../worker/journal/store-settings.ts';
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
      [{ store: { type: 'mysql' } }, /^\$\.asexor\.store\.type: /],
      [{ store: { type: 'postgres', leaseMs: 10 } }, /^\$\.asexor\.store\.leaseMs: /],
      [{ store: { type: 'postgres', schema: 'Bad-Name' } }, /^\$\.asexor\.store\.schema: /],
      [{ store: { type: 'postgres', url: 'postgresql://u:secret@db/asexor' } }, /^\$\.asexor\.store\.url: unknown key/],
      [{ store: { type: 'sqlite', synchronous: 'off' } }, /^\$\.asexor\.store\.synchronous: /],
      [{ store: { type: 'sqlite', retention: { maxTasks: 0 } } }, /^\$\.asexor\.store\.retention\.maxTasks: /],
      [{ store: { type: 'memory', path: 'x.db' } }, /^\$\.asexor\.store\.path: unknown key/],
    ];
    for (const [section, message] of cases) expect(() => resolveWorkerSettings(section, { baseDir: '/' }), JSON.stringify(section)).to.throw(ConfigInvalidError, message);
  });

  describe('type postgres', () => {
    it('takes the connection from ASEXOR_PG_URL, with documented defaults', () => {
      const url = 'postgresql://asexor:secret@db.internal/asexor';
      expect(resolveStoreSettings({ type: 'postgres' }, '/x', { ASEXOR_PG_URL: url })).to.deep.equal({
        type: 'postgres', url, schema: 'asexor', poolSize: 4, leaseMs: 30_000, heartbeatMs: 10_000, retention: { maxTasks: 10_000, maxAgeDays: 30 },
      });
      expect(postgresSettingsDefaults).to.include({ schema: 'asexor', poolSize: 4, leaseMs: 30_000, heartbeatMs: 10_000 });
    });

    it('leaves the connection to the PG* variables when ASEXOR_PG_URL is unset', () => {
      expect(resolveStoreSettings({ type: 'postgres', schema: 'team_a', poolSize: 8 }, '/x', { PGHOST: '/run/postgresql' })).to.include({ url: undefined, schema: 'team_a', poolSize: 8 });
    });

    it('refuses a postgres store without a connection in the environment, naming ASEXOR_PG_URL', () => {
      expect(() => resolveStoreSettings({ type: 'postgres' }, '/x', { ASEXOR_PG_URL: '' })).to.throw(ConfigInvalidError, /ASEXOR_PG_URL/);
    });

    it('defaults the heartbeat to a third of a short lease and refuses one over half of it', () => {
      const env = { ASEXOR_PG_URL: 'postgresql://db/asexor' };
      expect(resolveStoreSettings({ type: 'postgres', leaseMs: 3000 }, '/x', env)).to.include({ leaseMs: 3000, heartbeatMs: 1000 });
      expect(() => resolveStoreSettings({ type: 'postgres', leaseMs: 3000, heartbeatMs: 2000 }, '/x', env)).to.throw(ConfigInvalidError, /heartbeatMs \(2000\) to be at most half of leaseMs/);
    });

    it('is still overridden by ASEXOR_STORE=memory', () => {
      expect(resolveStoreSettings({ type: 'postgres' }, '/x', { ASEXOR_STORE: 'memory' })).to.deep.equal({ type: 'memory' });
    });
  });
});
