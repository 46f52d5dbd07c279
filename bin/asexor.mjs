#!/usr/bin/env node
// The `asexor` command (npm start, npx asexor). Runs the plain-JS emit of the sources in dist/
// (scripts/emit.ts, built by `npm ci`): the same modules without Node's type stripper, about 20 MB
// less RSS. When a source is newer than dist/ it rebuilds dist/ first; when dist/ cannot be built,
// or ASEXOR_FROM_SOURCE=1, it runs the TypeScript sources (bin/asexor.ts) and says so on stderr.
// An installed package (docs/your-own-tasks.md) ships dist/ without the sources: it always runs dist/.
// Plain JavaScript on purpose: importing any .ts file loads the type stripper. A Node older than
// package.json `engines` gets one line on stderr and exit code 1 (bin/node-version.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import nodeModule from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nodeTooOld } from './node-version.mjs';

const tooOld = nodeTooOld();
if (tooOld !== undefined) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(1);
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = `${ROOT}dist/`;
/** A checkout has the TypeScript sources next to dist/; an installed package has dist/ only. */
const CHECKOUT = existsSync(`${ROOT}bin/asexor.ts`);

/** null when dist/ matches the sources (same .ts files, none newer), else why not. */
function staleReason() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(`${DIST}emit.json`, 'utf8'));
  } catch {
    return 'dist/ is missing';
  }
  let files = 0;
  for (const root of stamp.roots) {
    for (const entry of readdirSync(`${ROOT}${root}`, { recursive: true, encoding: 'utf8' })) {
      if (!entry.endsWith('.ts') || entry.endsWith('.d.ts')) continue;
      files += 1;
      if (statSync(`${ROOT}${root}/${entry}`).mtimeMs > stamp.newest) return `${root}/${entry} changed`;
    }
  }
  return files === stamp.files ? null : 'source files were added or removed';
}

function useDist() {
  if (!CHECKOUT) return true;
  if (process.env.ASEXOR_FROM_SOURCE === '1') return false;
  const reason = staleReason();
  if (reason === null) return true;
  const built = spawnSync(process.execPath, [`${ROOT}scripts/emit.ts`, '--strict', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (built.status === 0) return true;
  const why = (built.stderr || built.error?.message || '').trim().split('\n').pop();
  process.stderr.write(`asexor: ${reason} and could not be rebuilt (${why}); running from the TypeScript sources (about 20 MB more memory)\n`);
  return false;
}

if (useDist()) {
  // A task module from the sources' world (e.g. a config's tasksModule importing ../shared/task.ts)
  // gets the emitted modules: one copy of each class (instanceof AppError) and no type stripping for them.
  const roots = JSON.parse(readFileSync(`${DIST}emit.json`, 'utf8')).roots.map((root) => pathToFileURL(`${ROOT}${root}/`).href);
  const distUrl = pathToFileURL(DIST).href;
  const rootUrl = pathToFileURL(ROOT).href;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      const { url } = resolved;
      if (!url.endsWith('.ts') || !roots.some((root) => url.startsWith(root))) return resolved;
      const emitted = `${distUrl}${url.slice(rootUrl.length, -3)}.js`;
      return existsSync(fileURLToPath(emitted)) ? { ...resolved, url: emitted, format: 'module' } : resolved;
    },
  });
  await import('../dist/bin/asexor.js');
} else {
  await import('./asexor.ts');
}
