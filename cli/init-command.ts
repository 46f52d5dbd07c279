/**
 * `asexor init [--port N] [--force]`: a starter project in the current folder for a team that
 * installed asexor as a dependency (docs/your-own-tasks.md): `config.json` (the embedded router on
 * 127.0.0.1, a demo user, the web app, `asexor.tasksModule` naming the tasks file), `tasks.ts` (a
 * command task and a custom task with progress, importing only from 'asexor') and `tsconfig.json`
 * (`npx tsc` type-checks the tasks). A `package.json` without `"type"` gets `"type": "module"` (the
 * tasks file is an ES module) and `start`/`typecheck` scripts it lacks; one with `"type": "commonjs"`
 * is left alone and the tasks file is `tasks.mts`. Existing files are kept unless --force.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Command } from './main.ts';

const usage = `Usage: asexor init [--port N] [--force]

Write a starter config.json, tasks.ts and tsconfig.json into the current folder, then:
  npx asexor serve --config config.json     # in one terminal
  npx asexor run hello Ada                  # in another
Options:
      --port N    the HTTP/WebSocket port of config.json (default 8484; 0: any free port)
      --force     overwrite the files that exist (package.json is only ever amended)`;

const DEFAULT_PORT = 8484;
/** The web app's folder in this installation (the config's "/" path serves it). */
const WEB_DIR = fileURLToPath(new URL('../web', import.meta.url));

export function starterConfig(options: { readonly port: number; readonly tasksFile: string; readonly webDir: string }): object {
  return {
    version: 2,
    controller: {},
    workers: [{
      type: 'router',
      realms: [{ name: 'asexor', roles: [{ name: 'user', authorizer: 'asexor.auth.authorize' }] }],
      transports: [{
        type: 'web',
        endpoint: { type: 'tcp', interface: '127.0.0.1', port: options.port },
        paths: {
          '/': { type: 'static', directory: options.webDir },
          ws: {
            type: 'websocket',
            serializers: ['json', 'msgpack', 'cbor'],
            auth: { ticket: { type: 'static', principals: { demo: { ticket: 'demo-ticket', role: 'user' } } } },
          },
        },
      }],
    }],
    asexor: { tasksModule: `./${options.tasksFile}`, filesDir: './files' },
  };
}

export const STARTER_TASKS = `// Your tasks: the config's "asexor.tasksModule" names this file; its default export lists them.
// Everything comes from 'asexor' (z is the zod the worker validates with). Reference: asexor's docs/tasks.md.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCustomTask, defineTask, z } from 'asexor';

/** npx asexor run hello Ada → "Hello, Ada!" */
export const hello = defineTask({
  name: 'hello',
  description: 'Greet someone (runs echo)',
  params: z.object({ name: z.string().min(1).max(100).default('world') }),
  positional: ['name'],
  command: 'echo', // looked up on PATH, run with an argv array, never a shell
  args: ({ name }) => [\`Hello, \${name}!\`],
  result: ({ stdout }) => stdout.trim(),
});

/** npx asexor run count 3 → progress 1/3, 2/3, 3/3, then { counted: 3 } */
export const count = defineCustomTask({
  name: 'count',
  description: 'Count up, one step a second, reporting progress',
  params: z.object({ to: z.number().int().min(1).max(60).default(3) }),
  positional: ['to'],
  timeoutMs: 120_000,
  run: async ({ to }, ctx) => {
    for (let i = 1; i <= to; i++) {
      await sleep(1000, undefined, { signal: ctx.signal }); // ends early on cancel and on timeout
      ctx.progress(i / to, \`\${i}/\${to}\`);
    }
    return { counted: to };
  },
});

export default [hello, count];
`;

export const STARTER_TSCONFIG = {
  compilerOptions: {
    target: 'es2024', module: 'nodenext', moduleResolution: 'nodenext', types: ['node'],
    strict: true, noEmit: true, allowImportingTsExtensions: true, erasableSyntaxOnly: true, verbatimModuleSyntax: true,
  },
  include: ['*.ts', '*.mts'],
};

interface PackageJson { type?: string; scripts?: Record<string, string>; [key: string]: unknown }

/** Creates package.json, or adds `"type": "module"` (when unset) and missing scripts; returns what it did. */
function amendPackageJson(file: string): string {
  const exists = existsSync(file);
  const pkg = exists ? JSON.parse(readFileSync(file, 'utf8')) as PackageJson : { name: path.basename(path.dirname(file)), private: true };
  const changes: string[] = [];
  if (pkg.type === undefined) {
    pkg.type = 'module';
    changes.push('"type": "module"');
  }
  pkg.scripts ??= {};
  for (const [name, command] of Object.entries({ start: 'asexor serve --config config.json', typecheck: 'tsc -p tsconfig.json' })) {
    if (pkg.scripts[name] !== undefined) continue;
    pkg.scripts[name] = command;
    changes.push(`scripts.${name}`);
  }
  if (changes.length === 0) return '';
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  return `${exists ? 'amended' : 'wrote  '}   package.json${exists ? `: ${changes.join(', ')}` : ''}`;
}

function init(argv: readonly string[]): number {
  let port: number;
  let force: boolean;
  try {
    const { values } = parseArgs({ args: [...argv], options: { port: { type: 'string' }, force: { type: 'boolean' } }, strict: true });
    port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected an integer from 0 to 65535, got ${JSON.stringify(values.port)}`);
    force = values.force === true;
  } catch (error) {
    process.stderr.write(`asexor init: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const dir = process.cwd();
  const pkgFile = path.join(dir, 'package.json');
  const commonjs = existsSync(pkgFile) && (JSON.parse(readFileSync(pkgFile, 'utf8')) as PackageJson).type === 'commonjs';
  const tasksFile = commonjs ? 'tasks.mts' : 'tasks.ts';
  const webDir = path.relative(dir, WEB_DIR) || '.';
  const files: ReadonlyArray<readonly [string, string]> = [
    ['config.json', `${JSON.stringify(starterConfig({ port, tasksFile, webDir }), null, 2)}\n`],
    [tasksFile, STARTER_TASKS],
    ['tsconfig.json', `${JSON.stringify(STARTER_TSCONFIG, null, 2)}\n`],
  ];
  for (const [name, text] of files) {
    const file = path.join(dir, name);
    if (existsSync(file) && !force) {
      process.stdout.write(`kept      ${name} (exists; --force overwrites it)\n`);
      continue;
    }
    writeFileSync(file, text);
    process.stdout.write(`wrote     ${name}\n`);
  }
  const amended = amendPackageJson(pkgFile);
  if (amended !== '') process.stdout.write(`${amended}\n`);
  process.stdout.write(`\nNext:\n  npx asexor serve --config config.json   # or: npm start\n  npx asexor run hello Ada                 # in another terminal\n`);
  return 0;
}

export const initCommand: Command = { usage, run: (argv) => Promise.resolve(init(argv)) };
