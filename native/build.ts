/**
 * Builds the native helpers at install time (`npm ci` runs this as the package's `install` script):
 * - `asexor-spawn`: the worker's spawn helper (worker/spawner/native-client.ts speaks to it);
 * - `spawn-ceiling`: the C `posix_spawn` loop that `npm run bench:tasks` measures as its ceiling;
 * - `asexor-memtrim.node`: a Node-API addon that returns free malloc memory to the OS, called by the
 *   idle GC (cli/malloc-trim.ts); it needs the Node-API headers (`node_api.h`): those of the npm
 *   package `node-api-headers` (a dependency, published by the Node.js project), else next to the
 *   running node, in /usr/include/node or /usr/local/include/node (`ASEXOR_NODE_INCLUDE` names
 *   another folder, tried first).
 * Each is one C file compiled with the machine's C compiler (`$CC`, else `cc`) into native/build/.
 * A failed build never fails the install: it prints one line, and the code that uses the helper
 * takes its pure-Node path (docs/worker.md, "Runner"; docs/router-memory.md, "malloc_trim").
 * `ASEXOR_SKIP_NATIVE=1` skips the build (to try the fallbacks).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'build');
const CFLAGS = ['-O2', '-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Wno-unused-parameter'];

interface Target {
  readonly source: string;
  readonly output: string;
  /** Extra compiler arguments, or why the target cannot be built here. */
  readonly flags: () => readonly string[] | string;
  readonly fallback: string;
}

/** The include folder of the node-api-headers package, or undefined when it is not installed. */
function packagedHeaders(): string | undefined {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve('node-api-headers')), 'include');
  } catch {
    return undefined;
  }
}

/** The folder holding node_api.h, or undefined. */
function nodeHeaders(): string | undefined {
  const candidates = [
    process.env['ASEXOR_NODE_INCLUDE'],
    packagedHeaders(),
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((dir) => dir !== undefined && dir !== '' && existsSync(path.join(dir, 'node_api.h')));
}

const TARGETS: readonly Target[] = [
  { source: 'asexor-spawn.c', output: 'asexor-spawn', flags: () => [], fallback: 'the worker will use the Node spawner' },
  { source: 'spawn-ceiling.c', output: 'spawn-ceiling', flags: () => [], fallback: 'bench:tasks will skip the C ceiling' },
  {
    source: 'asexor-memtrim.c',
    output: 'asexor-memtrim.node',
    // Node-API version 8 (Node 12.22+): the addon runs on any later Node without a rebuild.
    flags: () => {
      const include = nodeHeaders();
      return include === undefined ? 'node_api.h not found' : ['-shared', '-fPIC', '-DNAPI_VERSION=8', '-I', include];
    },
    fallback: 'the idle GC will not return freed malloc memory to the OS',
  },
];

function build(target: Target, cc: string): string | undefined {
  const output = path.join(OUT, target.output);
  rmSync(output, { force: true });
  const flags = target.flags();
  if (typeof flags === 'string') return flags;
  const result = spawnSync(cc, [...CFLAGS, ...flags, '-o', output, path.join(HERE, target.source)], { encoding: 'utf8' });
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
  for (const target of TARGETS) {
    const failure = build(target, cc);
    if (failure === undefined) process.stdout.write(`asexor: built native/build/${target.output}\n`);
    else process.stdout.write(`asexor: could not build native/build/${target.output} (${failure}); ${target.fallback}\n`);
  }
}

main();
