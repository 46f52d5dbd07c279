/**
 * Smoke test of the router benchmark: `node bench/router/index.ts --quick` runs end to end against
 * the embedded router (own process, loopback, ephemeral port) and reports every figure.
 * It checks that the benchmark works, not how fast the router is (DESIGN: no timed tests).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIGURES = [
  'rpc_latency_p50', 'rpc_latency_p99', 'rpc_throughput', 'pubsub_fanout',
  'longpoll_rpc_latency_p50', 'longpoll_rpc_latency_p99',
  'rawsocket_tcp_rpc_latency_p50', 'rawsocket_tcp_rpc_latency_p99', 'rawsocket_tcp_rpc_throughput',
  'rawsocket_unix_rpc_latency_p50', 'rawsocket_unix_rpc_latency_p99', 'rawsocket_unix_rpc_throughput',
  'memory_per_session_heap', 'memory_per_session_rss',
] as const;
const SERIALIZERS = ['json', 'msgpack'] as const;

interface BenchLine {
  readonly name: string;
  readonly serializer: string;
  readonly value: number;
  readonly unit: string;
  readonly runs: readonly number[];
}

function runBench(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/router/index.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // SIGTERM lets the orchestrator kill its own children before it exits.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('bench/router (npm run bench:router)', function () {
  this.timeout(100_000); // the quick run starts ~30 load-generator processes (WebSocket, long-poll, RawSocket TCP and Unix)

  it('runs --quick to completion and prints a positive BENCH line for every figure and serializer', async () => {
    const { code, stdout, stderr } = await runBench(['--quick'], 90_000);
    expect(code, `exit code; stderr:\n${stderr}`).to.equal(0);
    const lines = stdout.split('\n').filter((l) => l.startsWith('BENCH ')).map((l) => JSON.parse(l.slice(6)) as BenchLine);
    for (const name of FIGURES) {
      for (const serializer of SERIALIZERS) {
        const line = lines.find((l) => l.name === name && l.serializer === serializer);
        expect(line, `${name} ${serializer}`).to.not.equal(undefined);
        expect(line?.value, `${name} ${serializer}`).to.be.a('number').and.above(0);
        expect(line?.runs.length, `${name} ${serializer} runs`).to.be.at.least(1);
      }
    }
    expect(stdout).to.include('not autobahn-js');
  });

  it('rejects a non-loopback --url with exit code 2 and the usage text', async () => {
    const { code, stderr } = await runBench(['--url', 'ws://192.0.2.1:8080/ws'], 10_000);
    expect(code).to.equal(2);
    expect(stderr).to.include('loopback');
    expect(stderr).to.include('Usage:');
  });
});
