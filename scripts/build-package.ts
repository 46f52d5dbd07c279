/**
 * What `npm pack` ships besides the static files (package.json `prepack`; docs/your-own-tasks.md):
 * - dist/: the sources as plain JS (scripts/emit.ts, strict: a failed emit fails the pack), so
 *   installing asexor needs neither esbuild nor TypeScript;
 * - dist-types/: the declarations of the public entry points (lib/index.ts, lib/client.ts,
 *   lib/server.ts; package.json `exports`), from `tsc` with scripts/tsconfig.types.json, pruned to the
 *   files those entries reach through their imports: the router's and the worker's internals stay out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './emit.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const TYPES_DIR = path.join(ROOT, 'dist-types');
/** The public entry points, relative to the root (package.json `exports` names their emitted files). */
export const ENTRY_POINTS = ['lib/index.ts', 'lib/client.ts', 'lib/server.ts'] as const;
const RELATIVE_IMPORT = /(?:from\s+|import\()\s*(['"])(\.{1,2}\/[^'"]+)\1/g;

/** The .d.ts files reachable from `entries` through relative imports (absolute paths). */
export function reachableDeclarations(entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...entries];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    if (!existsSync(file)) throw new Error(`${path.relative(ROOT, file)} was not emitted`);
    seen.add(file);
    for (const [, , specifier = ''] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      pending.push(path.resolve(path.dirname(file), specifier.replace(/\.ts$/, '.d.ts').replace(/\.js$/, '.d.ts')));
    }
  }
  return seen;
}

function emitDeclarations(): number {
  rmSync(TYPES_DIR, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'scripts/tsconfig.types.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc exited with ${String(result.status ?? result.signal)}`);
  const keep = reachableDeclarations(ENTRY_POINTS.map((entry) => path.join(TYPES_DIR, entry.replace(/\.ts$/, '.d.ts'))));
  // Deepest first, so that a folder emptied of its files goes too.
  const entries = readdirSync(TYPES_DIR, { recursive: true, encoding: 'utf8' }).sort((a, b) => b.length - a.length);
  for (const entry of entries) {
    const file = path.join(TYPES_DIR, entry);
    if (entry.endsWith('.d.ts')) {
      if (!keep.has(file)) rmSync(file);
    } else if (readdirSync(file).length === 0) {
      rmdirSync(file);
    }
  }
  return keep.size;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stamp = await build();
  process.stdout.write(`asexor: emitted ${stamp.files} modules to dist/\n`);
  process.stdout.write(`asexor: ${emitDeclarations()} declaration files in dist-types/\n`);
}
