// npm's `install` hook, for a checkout (`npm ci`) and for a project that installed the asexor package
// (docs/your-own-tasks.md). Plain JavaScript: Node strips no types under node_modules/.
// - Builds the native helpers (native/build.ts; failures only print a line, the fallbacks run).
//   In an installed package its types are stripped into native/build.mjs first (node:module).
// - In a checkout (the TypeScript sources are there), emits dist/ (scripts/emit.ts); the package
//   ships dist/ ready-made (scripts/build-package.ts, at `npm pack`).
// Never fails the install: on a Node older than package.json `engines` it says so in one line and
// skips both (the `asexor` command then refuses to start with the same line).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeTooOld } from '../bin/node-version.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const run = (file) => spawnSync(process.execPath, [file], { cwd: ROOT, stdio: 'inherit' });

const tooOld = nodeTooOld();
if (tooOld !== undefined) {
  process.stdout.write(`${tooOld}; native helpers not built\n`);
} else if (existsSync(`${ROOT}bin/asexor.ts`)) {
  run('native/build.ts');
  run('scripts/emit.ts');
} else {
  const { stripTypeScriptTypes } = await import('node:module');
  process.removeAllListeners('warning'); // stripTypeScriptTypes is "experimental": nothing a user can act on
  writeFileSync(`${ROOT}native/build.mjs`, stripTypeScriptTypes(readFileSync(`${ROOT}native/build.ts`, 'utf8')));
  run('native/build.mjs');
}
