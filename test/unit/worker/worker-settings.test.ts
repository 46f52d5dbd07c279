import { availableParallelism } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { ConfigInvalidError } from '../../../shared/errors.ts';
import { DEFAULT_TASK_MODULE } from '../../../worker/task-registry.ts';
import { resolveWorkerSettings, workerSettingsDefaults } from '../../../worker/worker-settings.ts';

describe('resolveWorkerSettings (the config file\'s asexor section)', () => {
  it('fills in the documented defaults', () => {
    const { legacy, metrics, store, cluster, ...settings } = resolveWorkerSettings(undefined, { baseDir: '/srv/asexor' });
    expect(cluster, 'several workers: 15 s to come back, 5 s per forwarded call').to.deep.equal({ lostGraceMs: 15_000, forwardTimeoutMs: 5000 });
    expect(store.type, 'the task journal (worker/journal/store-settings.ts; its own tests check its defaults)').to.be.oneOf(['memory', 'sqlite']);
    expect(metrics, 'metrics on, at /metrics, no token, no listener of their own').to.deep.equal({ enabled: true, path: '/metrics' });
    expect(legacy.websocket.enabled || legacy.longpoll.enabled || legacy.wampApi.enabled || legacy.rawsocket.length > 0,
      'the legacy protocols are off unless enabled').to.equal(false);
    expect(settings).to.deep.equal({
      realm: 'asexor', uriPrefix: 'asexor', concurrency: availableParallelism(), maxQueued: 10_000, maxQueuedBytes: 64 * 1024 * 1024,
      perUser: { maxQueued: 1000, maxRunning: availableParallelism(), maxQueuedBytes: 4 * 1024 * 1024 }, rolePriority: {}, defaultPriority: 4,
      adminRoles: ['admin'], historyPerUser: 100, filesDir: '/srv/asexor/files', tasksModule: DEFAULT_TASK_MODULE, shutdown: 'cancel', spawner: 'auto',
      maxUploadBytes: 8 * 1024 * 1024, fileLinkSeconds: 300,
      files: { sharedRoles: [], quotaBytes: null },
    });
    expect(workerSettingsDefaults).to.include({ maxQueued: 10_000, perUserMaxQueued: 1000, historyPerUser: 100, shutdown: 'cancel' });
    expect(resolveWorkerSettings(undefined, { baseDir: '/' })).to.satisfy(Object.isFrozen);
  });

  it('resolves the files section: shared roles and an optional per-user quota (null = none), frozen', () => {
    const { files } = resolveWorkerSettings({ files: { sharedRoles: ['admin', 'team'], quotaBytes: 1_000_000 } }, { baseDir: '/' });
    expect(files).to.deep.equal({ sharedRoles: ['admin', 'team'], quotaBytes: 1_000_000 });
    expect(files).to.satisfy(Object.isFrozen);
    expect(files.sharedRoles).to.satisfy(Object.isFrozen);
    expect(resolveWorkerSettings({ files: { quotaBytes: null } }, { baseDir: '/' }).files).to.deep.equal({ sharedRoles: [], quotaBytes: null });
    expect(workerSettingsDefaults.files).to.deep.equal({ sharedRoles: [], quotaBytes: null });
  });

  it('resolves filesDir and tasksModule against the config file\'s directory', () => {
    const settings = resolveWorkerSettings({ filesDir: '../data', tasksModule: 'my-tasks.ts', concurrency: 3 }, { baseDir: '/srv/asexor/conf' });
    expect(settings.filesDir).to.equal(path.resolve('/srv/asexor/data'));
    expect(settings.tasksModule).to.equal('/srv/asexor/conf/my-tasks.ts');
    expect(settings.perUser.maxRunning, 'maxRunning defaults to concurrency').to.equal(3);
  });

  it('rejects unknown keys and bad values naming the JSON path', () => {
    const cases: [unknown, RegExp][] = [
      [{ concurency: 2 }, /^\$\.asexor\.concurency: unknown key/],
      [{ concurrency: 0 }, /^\$\.asexor\.concurrency: expected a number >= 1, got 0/],
      [{ rolePriority: { user: 10 } }, /^\$\.asexor\.rolePriority\.user: expected a number <= 9/],
      [{ shutdown: 'now' }, /^\$\.asexor\.shutdown: expected 'drain' or 'cancel'/],
      [{ spawner: 'fork' }, /^\$\.asexor\.spawner: expected 'auto', 'native' or 'node'/],
      [{ perUser: { maxRunning: 1.5 } }, /^\$\.asexor\.perUser\.maxRunning: /],
      [{ maxUploadBytes: 16 * 1024 * 1024 }, /^\$\.asexor\.maxUploadBytes: expected a number <= 12000000/],
      [{ fileLinkSeconds: 0 }, /^\$\.asexor\.fileLinkSeconds: expected a number >= 1/],
      [{ files: { quotaBytes: 0 } }, /^\$\.asexor\.files\.quotaBytes: expected a number >= 1/],
      [{ files: { sharedRoles: 'admin' } }, /^\$\.asexor\.files\.sharedRoles: /],
      [{ files: { shared: true } }, /^\$\.asexor\.files\.shared: unknown key/],
      ['fast', /^\$\.asexor: expected an object/],
    ];
    for (const [section, message] of cases) {
      expect(() => resolveWorkerSettings(section, { baseDir: '/' }), JSON.stringify(section)).to.throw(ConfigInvalidError, message);
    }
  });

  it('resolves the metrics settings: a "${VAR}" token from the environment, a listener of their own', () => {
    process.env['ASEXOR_TEST_METRICS_TOKEN'] = 'scrape-me';
    try {
      const { metrics } = resolveWorkerSettings({ metrics: { path: '/prom', token: '${ASEXOR_TEST_METRICS_TOKEN}', listen: { port: 9464 } } }, { baseDir: '/' });
      expect(metrics).to.deep.equal({ enabled: true, path: '/prom', token: 'scrape-me', listen: { interface: '127.0.0.1', port: 9464 } });
    } finally {
      delete process.env['ASEXOR_TEST_METRICS_TOKEN'];
    }
    expect(resolveWorkerSettings({ metrics: { token: 'plain' } }, { baseDir: '/' }).metrics.token).to.equal('plain');
    expect(() => resolveWorkerSettings({ metrics: { token: '${ASEXOR_TEST_METRICS_UNSET}' } }, { baseDir: '/' }))
      .to.throw(ConfigInvalidError, /^\$\.asexor\.metrics\.token: environment variable 'ASEXOR_TEST_METRICS_UNSET'/);
    expect(() => resolveWorkerSettings({ metrics: { path: 'metrics' } }, { baseDir: '/' })).to.throw(ConfigInvalidError, /^\$\.asexor\.metrics\.path: /);
    expect(() => resolveWorkerSettings({ metrics: { enable: true } }, { baseDir: '/' })).to.throw(ConfigInvalidError, /^\$\.asexor\.metrics\.enable: unknown key/);
  });

  it('accepts the example section of crossbar-config/config-with-worker.json', async () => {
    const file = fileURLToPath(new URL('../../../crossbar-config/config-with-worker.json', import.meta.url));
    const { asexor } = await loadConfigFile(file);
    const settings = resolveWorkerSettings(asexor, { baseDir: path.dirname(file) });
    expect(settings).to.include({ concurrency: 4, shutdown: 'cancel', filesDir: fileURLToPath(new URL('../../../files', import.meta.url)) });
    expect(settings.perUser).to.deep.equal({ maxQueued: 1000, maxRunning: 2, maxQueuedBytes: 4 * 1024 * 1024 });
  });
});
