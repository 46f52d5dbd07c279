import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { ConfigInvalidError } from '../../../shared/errors.ts';
import { createLogger } from '../../../shared/logger.ts';
import { resolveSpawnerChoice, TaskRunner } from '../../../worker/task-runner.ts';
import { fixture } from './runner-fixtures.ts';

/** A logger whose lines are collected as parsed objects. */
function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ level: 'info', destination: stream }), lines };
}

/** Runs `body` with ASEXOR_SPAWN_HELPER set to `path`, restoring the environment afterwards. */
async function withHelperPath<T>(path: string, body: () => Promise<T>): Promise<T> {
  const saved = process.env['ASEXOR_SPAWN_HELPER'];
  process.env['ASEXOR_SPAWN_HELPER'] = path;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env['ASEXOR_SPAWN_HELPER'];
    else process.env['ASEXOR_SPAWN_HELPER'] = saved;
  }
}

describe('TaskRunner spawner choice', () => {
  it('reads ASEXOR_SPAWNER: auto (also when unset or empty), native or node; anything else is a config error naming it', () => {
    expect(resolveSpawnerChoice(undefined)).to.equal('auto');
    expect(resolveSpawnerChoice('')).to.equal('auto');
    expect(resolveSpawnerChoice('native')).to.equal('native');
    expect(resolveSpawnerChoice('node')).to.equal('node');
    expect(() => resolveSpawnerChoice('fork')).to.throw(ConfigInvalidError, /ASEXOR_SPAWNER.*one of auto, native, node, got `fork`/);
  });

  it('auto falls back to the Node spawner with one warning when the native helper is missing, and runs tasks', async function () {
    this.timeout(20_000);
    const { logger, lines } = recordingLogger();
    const runner = await withHelperPath('/nonexistent/asexor-spawn', () => TaskRunner.start({ logger, spawner: 'auto' }));
    try {
      expect(runner.backend).to.equal('node');
      const warnings = lines.filter((l) => l['level'] === 40);
      expect(warnings).to.have.length(1);
      expect(warnings[0]?.['msg']).to.equal('the native spawner is not built; using the Node spawner (build it with `npm run build:native`)');
      expect(await runner.run(fixture('exit-with.mjs', ['0']))).to.include({ kind: 'exited', exitCode: 0 });
    } finally {
      await runner.close();
    }
  });

  it('auto falls back with one warning when the helper exits before it is ready (a stale or foreign binary)', async function () {
    this.timeout(20_000);
    const { logger, lines } = recordingLogger();
    const runner = await withHelperPath('/bin/true', () => TaskRunner.start({ logger, spawner: 'auto' }));
    try {
      expect(runner.backend).to.equal('node');
      expect(lines.filter((l) => l['level'] === 40).map((l) => l['msg'])).to.deep.equal(['the native spawner did not start; using the Node spawner']);
    } finally {
      await runner.close();
    }
  });

  it('native, asked for explicitly, refuses to start without the helper instead of falling back', async () => {
    const { logger } = recordingLogger();
    const started = withHelperPath('/nonexistent/asexor-spawn', () => TaskRunner.start({ logger, spawner: 'native' }));
    try {
      await started;
      expect.fail('TaskRunner.start resolved');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigInvalidError);
      expect((error as Error).message).to.match(/native spawner was asked for, but \/nonexistent\/asexor-spawn is not there.*npm run build:native/);
    }
  });
});
