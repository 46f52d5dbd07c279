/**
 * The raw spawn ceiling: a bare Node process (only execa and node: built-ins loaded, nothing of
 * asexor) spawning `true` with execa, output captured (execa's default buffering), `--concurrency` at a
 * time. After `--warmup` unmeasured spawns it times `--n` spawns (bounded by `--max-ms`) and reports
 * `{evt: 'result', count, elapsedMs, cpuMs}` over the IPC channel, then exits (`cpuMs`: this process's
 * own user + system CPU time during the measured spawns). A failed spawn fails the run.
 * Usage (forked by index.ts): raw-spawn.ts --n N --concurrency C [--warmup W] [--max-ms MS]
 */
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import type { Report } from '../router/protocol.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '20' },
    'max-ms': { type: 'string', default: '60000' },
  },
  strict: true,
});

/** Resolves once the report was written to the channel (or stdout when not forked). */
function send(report: Report): Promise<void> {
  const parent = process.send?.bind(process);
  if (parent === undefined) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return Promise.resolve();
  }
  return new Promise((resolve) => { parent(report, undefined, undefined, () => { resolve(); }); });
}

async function spawnTrue(): Promise<void> {
  const result = await execa('true', [], { reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0) throw new Error(`\`true\` failed: ${result.shortMessage ?? result.message}`);
}

/** Spawns `total` times, `concurrency` at a time, until done or `maxMs` passed. */
async function pump(total: number, concurrency: number, maxMs: number): Promise<{ count: number; elapsedMs: number }> {
  const start = performance.now();
  let started = 0;
  let count = 0;
  const lane = async (): Promise<void> => {
    while (started < total && performance.now() - start < maxMs) {
      started += 1;
      await spawnTrue();
      count += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { count, elapsedMs: performance.now() - start };
}

// The orchestrator went away: stop at once (the spawns in flight are `true`, they end by themselves).
const orphaned = (): never => process.exit(2);
process.on('disconnect', orphaned);
try {
  const concurrency = Number(values.concurrency);
  const maxMs = Number(values['max-ms']);
  await pump(Number(values.warmup), concurrency, maxMs);
  const cpuBefore = process.cpuUsage();
  const measured = await pump(Number(values.n), concurrency, maxMs);
  const cpu = process.cpuUsage(cpuBefore);
  const report = { evt: 'result' as const, ...measured, cpuMs: (cpu.user + cpu.system) / 1000 };
  await send(report);
} catch (error) {
  await send({ evt: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
}
process.off('disconnect', orphaned);
process.disconnect?.();
