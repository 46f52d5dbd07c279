/**
 * Bundles the web app (web/src/app.ts and what it imports) into web/app.js, an IIFE for browsers
 * with ES2022 (docs/web-app.md). The bundle is committed, so `npm start` serves it with no build
 * step; test/unit/web/app-bundle.test.ts fails when it is stale. autobahn-js is not in it: the page
 * loads web/vendor/autobahn.min.js first (global `autobahn`).
 *   node scripts/build-web-app.ts           writes web/app.js
 *   node scripts/build-web-app.ts --check   exits 1 when web/app.js differs from a fresh build
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ENTRY = path.join(ROOT, 'web', 'src', 'app.ts');
export const OUTFILE = path.join(ROOT, 'web', 'app.js');
const BANNER = '/* asexor web app: generated from web/src/*.ts by scripts/build-web-app.ts; do not edit. */';

/** The bundle's text, built in memory (deterministic: no timestamps, no absolute paths). */
export async function bundleWebApp(): Promise<string> {
  try {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: ['es2022'],
      write: false,
      charset: 'utf8',
      legalComments: 'none',
      banner: { js: BANNER },
      absWorkingDir: ROOT,
      logLevel: 'silent',
    });
    const file = result.outputFiles[0];
    if (file === undefined) throw new Error('esbuild produced no output');
    return file.text;
  } finally {
    await stop(); // esbuild's service process would otherwise outlive the caller
  }
}

async function main(): Promise<void> {
  const text = await bundleWebApp();
  const relative = path.relative(ROOT, OUTFILE);
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OUTFILE, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== text) {
      console.error(`${relative} is stale: run node scripts/build-web-app.ts and commit it`);
      process.exitCode = 1;
      return;
    }
    console.log(`${relative} is up to date`);
    return;
  }
  writeFileSync(OUTFILE, text);
  console.log(`wrote ${relative} (${text.length} bytes)`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
