import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIdleGc } from '../../../cli/idle-gc.ts';
import { createLogger, type Logger } from '../../../shared/logger.ts';

function recordingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ level: 'debug', destination: stream }), lines };
}

describe('idle GC of the long-running commands (cli/idle-gc.ts)', () => {
  it('collects once when the process goes idle after start-up, then not again until it was busy', async () => {
    const { logger, lines } = recordingLogger();
    const exposed: unknown = Reflect.get(globalThis, 'gc');
    let trims = 0;
    const trimMalloc = (): boolean => { trims += 1; return true; };
    const idleGc = startIdleGc({ logger, enabled: true, firstCheckMs: 20, checkMs: 30, busyBelow: 0.5, trimMalloc });
    try {
      await sleep(200);
      const collections = lines.filter((line) => line['msg'] === 'idle gc');
      expect(collections).to.have.length(1);
      expect(collections[0]).to.include.keys('ms', 'rssMB', 'afterMB');
      expect(collections[0]?.['trimmed']).to.equal(true);
      expect(trims).to.equal(1); // malloc_trim right after the collection
      expect(Reflect.get(globalThis, 'gc')).to.equal(exposed); // the main context does not get `gc`
      const until = performance.now() + 60;
      while (performance.now() < until); // a busy period
      await sleep(200);
      expect(lines.filter((line) => line['msg'] === 'idle gc')).to.have.length(2);
      expect(trims).to.equal(2);
    } finally {
      idleGc.stop();
    }
  });

  it('collects without trimming on the pure-Node path (trimMalloc: null)', async () => {
    const { logger, lines } = recordingLogger();
    const idleGc = startIdleGc({ logger, enabled: true, firstCheckMs: 20, checkMs: 30, busyBelow: 0.5, trimMalloc: null });
    try {
      await sleep(120);
      const collections = lines.filter((line) => line['msg'] === 'idle gc');
      expect(collections).to.have.length(1);
      expect(collections[0]).to.not.have.property('trimmed');
    } finally {
      idleGc.stop();
    }
  });

  it('does nothing when disabled (ASEXOR_IDLE_GC=0)', async () => {
    const { logger, lines } = recordingLogger();
    const saved = process.env['ASEXOR_IDLE_GC'];
    process.env['ASEXOR_IDLE_GC'] = '0';
    try {
      const idleGc = startIdleGc({ logger, firstCheckMs: 10 });
      await sleep(60);
      idleGc.stop();
    } finally {
      if (saved === undefined) delete process.env['ASEXOR_IDLE_GC'];
      else process.env['ASEXOR_IDLE_GC'] = saved;
    }
    expect(lines).to.deep.equal([]);
  });
});
