/**
 * Builds the native helpers at install time (`npm ci` runs this as the package's `install` script):
 * - `asexor-spawn`: the worker's spawn helper (worker/spawner/native-client.ts speaks to it);
 * - `spawn-ceiling`: the C `posix_spawn` loop that `npm run bench:tasks` measures as its ceiling.
 * Each is one C file compiled with the machine's C compiler (`$CC`, else `cc`) into native/build/.
 * A failed build never fails the install: it prints one line, and the worker then uses its Node
 * spawner (docs/worker.md, "Runner"). `ASEXOR_SKIP_NATIVE=1` skips the build (to try the fallback).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'build');
const TARGETS = ['asexor-spawn', 'spawn-ceiling'] as const;
const CFLAGS = ['-O2', '-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Wno-unused-parameter'];

function build(name: string, cc: string): string | undefined {
  const output = path.join(OUT, name);
  rmSync(output, { force: true });
  const result = spawnSync(cc, [...CFLAGS, '-o', output, path.join(HERE, `${name}.c`)], { encoding: 'utf8' });
  if (result.error !== undefined) return `${cc}: ${result.error.message}`;
  if (result.status !== 0) return (result.stderr.trim().split('\n').find((line) => line.includes('error')) ?? result.stderr.trim()) || `${cc} exited with ${String(result.status)}`;
  return undefined;
}

function main(): void {
  if (process.env['ASEXOR_SKIP_NATIVE'] === '1') {
    process.stdout.write('asexor: ASEXOR_SKIP_NATIVE=1, native helpers not built; the worker will use the Node spawner\n');
    rmSync(OUT, { recursive: true, force: true });
    return;
  }
  mkdirSync(OUT, { recursive: true });
  const cc = process.env['CC'] ?? 'cc';
  for (const name of TARGETS) {
    const failure = build(name, cc);
    if (failure === undefined) process.stdout.write(`asexor: built native/build/${name}\n`);
    else process.stdout.write(`asexor: could not build native/build/${name} (${failure}); ${name === 'asexor-spawn' ? 'the worker will use the Node spawner' : 'bench:tasks will skip the C ceiling'}\n`);
  }
}

main();
