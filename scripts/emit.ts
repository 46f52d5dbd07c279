/**
 * Emits the runtime sources as plain JavaScript into dist/, one .js file per .ts file, same tree
 * (bin/asexor.mjs runs it; `npm ci` builds it, `npm run build` rebuilds it). Running JS spares the
 * server Node's type stripper (amaro/swc wasm), about 20 MB of RSS (docs/worker.md, "Memory").
 * - esbuild strips the types file by file; nothing is bundled or minified, so every module, class
 *   name and npm package is the same as when running the sources;
 * - relative `./x.ts` imports become `./x.js`;
 * - `new URL('…', import.meta.url)` keeps pointing where it points in the sources: at the emitted
 *   .js for a .ts target (the default tasks module, the Node spawner), else at the source tree
 *   (package.json, web/, tasks/convert-guard.lua);
 * - dist/emit.json records the sources it was built from; bin/asexor.mjs rebuilds when they change.
 * The new tree is written next to dist/ and swapped in, so a running server never sees half of it.
 * It never fails an install: on error it prints one line and exits 0 (with --strict: exits 1), and
 * bin/asexor.mjs then runs the TypeScript sources.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** The directories the server and the CLI load at run time (tests and benches run from source). */
export const EMIT_ROOTS = ['bin', 'cli', 'shared', 'router', 'worker', 'tasks', 'lib'] as const;
const DIST = path.join(ROOT, 'dist');
const URL_PATTERN = /new URL\((['"])([^'"]+)\1, import\.meta\.url\)/g;

/** What dist/emit.json holds; bin/asexor.mjs compares it with the sources before using dist/. */
export interface EmitStamp {
  readonly roots: readonly string[];
  /** Number of .ts files under the roots. */
  readonly files: number;
  /** Newest mtime (ms) among them. */
  readonly newest: number;
}

export function sourceFiles(): string[] {
  const files: string[] = [];
  for (const root of EMIT_ROOTS) {
    for (const entry of readdirSync(path.join(ROOT, root), { recursive: true, encoding: 'utf8' })) {
      if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) files.push(path.join(ROOT, root, entry));
    }
  }
  return files.sort();
}

/**
 * What a relative `target` of the source `file` becomes in the file's emitted copy: the emitted .js
 * of a .ts under the roots (same relative path), else the same file in the source tree.
 */
function emittedTarget(target: string, file: string): string {
  const absolute = path.resolve(path.dirname(file), target);
  const [top] = path.relative(ROOT, absolute).split(path.sep);
  if (target.endsWith('.ts') && (EMIT_ROOTS as readonly string[]).includes(top ?? '')) return target.replace(/\.ts$/, '.js');
  const relative = path.relative(path.dirname(path.join(DIST, path.relative(ROOT, file))), absolute);
  return `${relative.startsWith('.') ? '' : './'}${relative}${target.endsWith('/') ? '/' : ''}`;
}

/** Rewrites each `new URL(target, import.meta.url)` of `file` for its emitted copy. */
function rewriteUrls(source: string, file: string): string {
  return source.replace(URL_PATTERN, (_match, quote: string, target: string) => `new URL(${quote}${emittedTarget(target, file)}${quote}, import.meta.url)`);
}

async function emit(files: readonly string[], outdir: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: files.map((file) => path.relative(ROOT, file)),
    outdir,
    outbase: ROOT,
    bundle: true, // only so that the plugin sees every import: all of them stay external
    format: 'esm',
    platform: 'node',
    target: 'node22',
    logLevel: 'error',
    plugins: [{
      name: 'asexor-emit',
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          if (!args.path.startsWith('.')) return { path: args.path, external: true }; // npm packages, node: builtins
          return { path: emittedTarget(args.path, args.importer), external: true };
        });
        build.onLoad({ filter: /\.ts$/ }, (args) => ({ contents: rewriteUrls(readFileSync(args.path, 'utf8'), args.path), loader: 'ts' }));
      },
    }],
  });
}

export async function build(): Promise<EmitStamp> {
  const files = sourceFiles();
  const stamp: EmitStamp = { roots: EMIT_ROOTS, files: files.length, newest: Math.max(...files.map((file) => statSync(file).mtimeMs)) };
  const next = `${DIST}.next-${process.pid}`;
  const old = `${DIST}.old-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  mkdirSync(next, { recursive: true });
  try {
    await emit(files, next);
    writeFileSync(path.join(next, 'emit.json'), `${JSON.stringify(stamp)}\n`);
    rmSync(old, { recursive: true, force: true });
    try {
      renameSync(DIST, old);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    renameSync(next, DIST);
  } finally {
    rmSync(next, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
  return stamp;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const strict = process.argv.includes('--strict');
  try {
    const stamp = await build();
    if (!process.argv.includes('--quiet')) process.stdout.write(`asexor: emitted ${stamp.files} modules to dist/\n`);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
    // --quiet (bin/asexor.mjs): only the reason, the caller says what happens next.
    process.stderr.write(process.argv.includes('--quiet') ? `${reason}\n` : `asexor: could not emit dist/ (${reason}); asexor will run from the TypeScript sources\n`);
    process.exitCode = strict ? 1 : 0;
  }
}
