/**
 * Run one autobahn-python client script (test/interop/python/*.py) with Debian's /usr/bin/python3
 * and collect the JSON lines it prints. The script is killed if it outlives `timeoutMs`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter: the python3 first on PATH may be a build without python3-autobahn. */
export const PYTHON = '/usr/bin/python3';
const SCRIPTS = fileURLToPath(new URL('./python/', import.meta.url));

export type Observation = Readonly<Record<string, unknown>>;

export interface ScriptRun {
  readonly observations: readonly Observation[];
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Whether autobahn-python (asyncio flavour) and the msgpack/cbor codecs import. */
export function autobahnPythonAvailable(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import autobahn.asyncio.component, msgpack, cbor2'], { stdio: 'ignore', timeout: 10_000 });
  return probe.status === 0;
}

export function runPythonScript(script: string, args: readonly string[], timeoutMs = 30_000): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [script, ...args], {
      cwd: SCRIPTS,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const observations = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Observation);
      resolve({ observations, exitCode, signal, stderr });
    });
  });
}

/** The one observation whose `key` equals `value`; fails with the script's output otherwise. */
export function observed(run: ScriptRun, key: string, value: string): Observation {
  const found = run.observations.filter((o) => o[key] === value);
  if (found.length !== 1 || found[0] === undefined) {
    throw new Error(`expected one observation with ${key}=${value}, got ${found.length}\n` +
      `observations: ${JSON.stringify(run.observations)}\nexit: ${run.exitCode ?? run.signal}\nstderr:\n${run.stderr.slice(-4000)}`);
  }
  return found[0];
}
