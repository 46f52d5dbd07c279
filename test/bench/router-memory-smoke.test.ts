/**
 * Smoke test of the RSS figures of the router benchmark (bench/router/memory-scenarios.ts,
 * docs/router-memory.md): `--quick --memory-only` runs end to end and prints every RSS figure with
 * its samples. It checks that the measurement works, not how much memory the router uses.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface BenchLine {
  readonly name: string;
  readonly serializer: string;
  readonly value: number | null;
  readonly unit: string;
  readonly runs: readonly (number | null)[];
  readonly samples?: readonly (readonly number[])[];
}

/** Rejects (with stdout and stderr on the error) on a non-zero exit; SIGTERM lets the orchestrator kill its children. */
const runBench = promisify(execFile);

describe('bench/router RSS figures (npm run bench:router -- --memory-only)', function () {
  this.timeout(100_000);

  it('runs --quick --memory-only and prints RSS per idle session and RSS after the load with its samples', async () => {
    const { stdout, stderr } = await runBench(process.execPath, ['bench/router/index.ts', '--quick', '--memory-only', '--serializers', 'json'],
      { cwd: ROOT, timeout: 90_000, killSignal: 'SIGTERM', maxBuffer: 16 * 1024 * 1024 });
    const lines = stdout.split('\n').filter((l) => l.startsWith('BENCH ')).map((l) => JSON.parse(l.slice(6)) as BenchLine);
    const named = (name: string): BenchLine => {
      const line = lines.find((l) => l.name === name && l.serializer === 'json');
      expect(line, name).to.not.equal(undefined);
      return line as BenchLine;
    };
    expect(named('rss_per_idle_session').value).to.be.a('number');
    expect(named('rss_per_idle_session').unit).to.equal('bytes');
    for (const name of ['rss_idle_baseline', 'rss_load_peak', 'rss_after_load', 'rss_after_load_ratio']) {
      expect(named(name).value, name).to.be.a('number').and.above(0);
    }
    expect(named('rss_load_peak').value).to.be.at.least(named('rss_idle_baseline').value ?? Infinity);
    const samples = named('rss_after_load').samples;
    expect(samples, 'one series per run').to.have.length(1);
    expect(samples?.[0], 'one sample a second, from 0 s to the 2 s wait of --quick').to.have.length(3);
    expect(stderr).to.match(/RSS each second after the load \(MB\): [\d. ]+/);
    expect(stdout).to.include('idle GC on as in asexor router');
  });
});
