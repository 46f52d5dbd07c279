/**
 * The server under test, exactly as `npm start` runs it: `node bin/asexor.mjs serve --config FILE`
 * (the plain-JS emit in dist/, no type stripper; bin/asexor.mjs rebuilds a stale dist/ or falls back to
 * the TypeScript sources and says so on stderr, which we detect and report). FILE, in a temporary
 * folder: realm `asexor` with roles `user` (the worker's dynamic authorizer) and `worker`, as in
 * crossbar-config/config.json; one web transport on 127.0.0.1, an ephemeral port, with the web app at
 * `/` and WAMP at `/ws` (no keep-alive pings), ticket principal `bench`; the shipped tasks; worker
 * concurrency, queue limits, `shutdown: cancel` and a files folder in the same temporary folder.
 * The spawner path is the worker's own choice: we only set ASEXOR_SPAWNER in the environment, and
 * read the path it took from its `worker started` log line. Logs (pino, info) are read from stdout.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackProgram } from '../router/children.ts';
import { BENCH_LEGACY_SOCKET, BENCH_LEGACY_USERS, BENCH_REALM, BENCH_USER } from './bench-user.ts';
import type { SpawnerChoice } from './options.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Temporary folders of servers not stopped yet: removed at exit too (Ctrl-C, watchdog, failure). */
const folders = new Set<string>();
process.once('exit', () => { for (const dir of folders) rmSync(dir, { recursive: true, force: true }); });

export interface ServeOptions {
  readonly concurrency: number;
  readonly maxQueued: number;
  readonly choice: SpawnerChoice;
  /** Also serve the legacy WebSocket and a legacy raw socket (Unix, BENCH_LEGACY_SOCKET in the folder). */
  readonly legacy: boolean;
  /** The task journal (`asexor.store`, docs/durability.md): undefined = npm start's default (SQLite, asexor.db in the folder). */
  readonly store?: 'memory' | 'sqlite' | undefined;
  /** More ticket principals of role `user` (the soak's users). */
  readonly users?: readonly { readonly authid: string; readonly ticket: string }[];
  /** `perUser.maxQueued`; @default maxQueued */
  readonly perUserMaxQueued?: number;
}

/** A running `asexor serve`; `spawner` is the path its worker logged ('native' | 'node'). */
export interface Serve {
  readonly pid: number;
  readonly url: string;
  readonly spawner: string | undefined;
  /** True when bin/asexor.mjs ran the TypeScript sources instead of dist/ (more memory). */
  readonly fromSource: boolean;
  /** The legacy raw socket's path (when `legacy`). */
  readonly legacySocket: string | undefined;
  /** SIGTERM (graceful: the worker cancels its tasks), SIGKILL after `timeoutMs`; removes the temporary folder. */
  stop(timeoutMs: number): Promise<void>;
}

function config(dir: string, o: ServeOptions): object {
  const allow = (uri: string, ...what: string[]): object => ({ uri, match: 'prefix', allow: Object.fromEntries(what.map((w) => [w, true])) });
  return {
    version: 2,
    workers: [{
      type: 'router',
      realms: [{ name: BENCH_REALM, roles: [
        { name: 'user', authorizer: 'asexor.auth.authorize' },
        { name: 'worker', permissions: [
          allow('asexor.task.', 'register'), allow('asexor.control.', 'register'),
          allow('asexor.auth.', 'register'), allow('asexor.status.', 'publish', 'subscribe'),
          // As the built-in defaults: what several workers on one realm need (docs/many-workers.md).
          allow('asexor.worker.', 'call', 'register', 'publish', 'subscribe'), { ...allow('wamp.session.on_leave', 'subscribe'), match: 'exact' },
        ] },
      ] }],
      transports: [{
        type: 'web',
        endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
        paths: {
          '/': { type: 'static', directory: path.join(ROOT, 'web') },
          ws: {
            type: 'websocket', serializers: ['json', 'msgpack', 'cbor'],
            options: { max_message_size: 16 * 1024 * 1024, auto_ping_interval: 0, auto_ping_timeout: 10_000 },
            auth: { ticket: { type: 'static', principals: {
              [BENCH_USER.authid]: { ticket: BENCH_USER.ticket, role: 'user' },
              ...(o.legacy ? Object.fromEntries(Object.values(BENCH_LEGACY_USERS).map((u) => [u.authid, { ticket: u.ticket, role: 'user' }])) : {}),
              ...Object.fromEntries((o.users ?? []).map((u) => [u.authid, { ticket: u.ticket, role: 'user' }])),
            } } },
          },
        },
      }],
    }],
    asexor: {
      concurrency: o.concurrency, maxQueued: o.maxQueued, perUser: { maxQueued: o.perUserMaxQueued ?? o.maxQueued },
      filesDir: path.join(dir, 'files'), shutdown: 'cancel',
      ...(o.store === undefined ? {} : { store: o.store === 'memory' ? { type: 'memory' } : { type: 'sqlite', path: 'asexor.db' } }),
      ...(o.legacy ? { legacy: {
        websocket: { enabled: true, inactiveTimeoutMs: 0 },
        rawsocket: [{ endpoint: { type: 'unix', path: path.join(dir, BENCH_LEGACY_SOCKET) } }],
      } } : {}),
    },
  };
}

function env(choice: SpawnerChoice): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  delete out['ASEXOR_FROM_SOURCE'];
  delete out['ASEXOR_STORE']; // the config decides (the test suite sets it to memory)
  if (choice !== 'default') out['ASEXOR_SPAWNER'] = choice;
  return out;
}

/** Resolves at the `listening` log line with the URL and the spawner path; rejects on exit or timeout. */
function listening(proc: ChildProcess, timeoutMs: number): Promise<{ url: string; spawner: string | undefined }> {
  return new Promise((resolve, reject) => {
    let spawner: string | undefined;
    const timer = setTimeout(() => { reject(new Error(`asexor serve did not log 'listening' within ${timeoutMs} ms`)); }, timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`asexor serve exited (${String(code ?? signal)}) before listening`));
    });
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (entry['msg'] === 'worker started' && typeof entry['spawner'] === 'string') spawner = entry['spawner'];
      if (entry['msg'] === 'listening' && typeof entry['url'] === 'string') {
        clearTimeout(timer);
        resolve({ url: `${entry['url'].replace(/^http/, 'ws')}ws`, spawner });
      }
    });
  });
}

export async function startServe(o: ServeOptions): Promise<Serve> {
  const dir = await mkdtemp(path.join(tmpdir(), 'asexor-bench-'));
  folders.add(dir);
  const file = path.join(dir, 'config.json');
  await writeFile(file, JSON.stringify(config(dir, o)));
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/asexor.mjs'), 'serve', '--config', file], {
    cwd: dir, env: env(o.choice), stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackProgram(proc);
  const exited = new Promise<void>((resolve) => { proc.once('exit', () => { resolve(); }); });
  let fromSource = false;
  createInterface({ input: proc.stderr }).on('line', (line) => {
    if (line.includes('running from the TypeScript sources')) fromSource = true;
    process.stderr.write(`[asexor serve ${proc.pid ?? '?'}] ${line}\n`);
  });
  const stop = async (timeoutMs: number): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
    folders.delete(dir);
  };
  try {
    const { url, spawner } = await listening(proc, 120_000);
    const legacySocket = o.legacy ? path.join(dir, BENCH_LEGACY_SOCKET) : undefined;
    return { pid: proc.pid ?? 0, url, spawner, legacySocket, get fromSource() { return fromSource; }, stop };
  } catch (error) {
    await stop(5000);
    throw error;
  }
}
