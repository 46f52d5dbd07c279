/**
 * Smoke test of the soak (`npm run bench:soak`, bench/tasks/soak.ts): a short run against a real
 * `asexor serve` process, checking that it reports every figure and that every accepted id ended
 * exactly once. It checks that the soak works, not how fast the server is.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('bench:soak (short run)', function () {
  this.timeout(120_000);

  it('floods, samples RSS, times the light user and finds one terminal event per accepted id', async () => {
    const child = spawn(process.execPath, ['bench/tasks/soak.ts', '--seconds', '6', '--flooders', '3', '--per-user', '10', '--sample-ms', '1000'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, stdout).to.equal(0);
    const lines = stdout.split('\n').filter((l) => l.startsWith('BENCH ')).map((l) => JSON.parse(l.slice(6)) as { name: string; value: number; pass?: boolean });
    expect(lines.map((l) => l.name)).to.deep.equal(['soak_light_latency_p95', 'soak_rss_idle', 'soak_rss_peak', 'soak_rss_after', 'soak_accepted']);
    expect(lines.find((l) => l.name === 'soak_accepted')).to.include({ pass: true });
    expect(lines.every((l) => Number.isFinite(l.value) && l.value > 0), stdout).to.equal(true);
  });
});
