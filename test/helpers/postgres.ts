/**
 * A throwaway PostgreSQL server for the tests of the PostgreSQL queue store (docs/queue-store.md):
 * Debian's `postgresql` package (binaries under /usr/lib/postgresql/<version>/bin, the highest version
 * found), a fresh cluster from `initdb` in a `mkdtemp` folder, listening only on a Unix socket in that
 * folder (no TCP port), with `trust` auth and durability off (fsync, synchronous_commit: a test server
 * need not survive a power loss). PostgreSQL refuses to run as root: when the tests run as root (CI
 * does), `initdb` and `postgres` run as `nobody` through `setpriv` (util-linux, on every Debian).
 * `stop()` ends the server (SIGINT: fast shutdown), waits for its exit and removes the folder; a test
 * run that exits first kills it on the way out.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const VERSIONS_DIR = '/usr/lib/postgresql';
/** The user that owns and runs the cluster when the tests run as root. */
const UNPRIVILEGED = 'nobody';
/** The socket file is `.s.PGSQL.<port>` in the folder; no TCP listener is opened. */
const PORT = 5432;
const USER = 'asexor';
const DATABASE = 'postgres';
const START_TIMEOUT_MS = 15_000;

/** The bin folder of the highest installed PostgreSQL version that has initdb and postgres, or undefined. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(VERSIONS_DIR)) return undefined;
  const versions = readdirSync(VERSIONS_DIR).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(VERSIONS_DIR, version, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'postgres'))) return bin;
  }
  return undefined;
}

/** What describeWithTool needs to skip, or fail under CI=true, without the server. */
export const POSTGRES_TOOL = { present: postgresBinDir() !== undefined, name: 'PostgreSQL', install: 'apt-get install postgresql' } as const;

/** Connection settings for `pg` (Pool and Client accept them as they are). */
export interface PostgresConnection {
  /** The socket folder: `pg` connects over a Unix socket when `host` starts with `/`. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

export interface TestPostgres {
  readonly connection: PostgresConnection;
  /** The same as a libpq URL, e.g. for ASEXOR_PG_URL. */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** uid and gid of `name` from /etc/passwd. */
function userIds(name: string): { uid: number; gid: number } {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error(`the tests run as root and PostgreSQL must not: no user "${name}" to run it as`);
}

/** `[file, ...args]` as the unprivileged user when we are root, else as is. */
function asServerUser(file: string, args: readonly string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [file, [...args]];
  const { uid, gid } = userIds(UNPRIVILEGED);
  return ['setpriv', [`--reuid=${String(uid)}`, `--regid=${String(gid)}`, '--clear-groups', file, ...args]];
}

/** Resolves once the server logs that it accepts connections; rejects with its log when it exits first. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => { done(new Error(`PostgreSQL did not start within ${String(START_TIMEOUT_MS)} ms:\n${log}`)); }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      if (log.includes('ready to accept connections')) done(undefined);
    };
    const onExit = (code: number | null): void => { done(new Error(`PostgreSQL exited (code ${String(code)}) before it was ready:\n${log}`)); };
    function done(error: Error | undefined): void {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      // Keep reading (and dropping) the log so that the pipe never fills.
      child.stderr?.resume();
      if (error === undefined) resolve();
      else reject(error);
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Starts a fresh server; call `stop()` in the suite's `after`. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(`PostgreSQL is not installed (${POSTGRES_TOOL.install})`);
  // As root, the folder's parents must be open to the server's user: /tmp is, a private TMPDIR may not be.
  const dir = await mkdtemp(path.join(process.getuid?.() === 0 ? '/tmp' : tmpdir(), 'asexor-pg-'));
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { uid, gid } = userIds(UNPRIVILEGED);
    await chown(dir, uid, gid);
  }
  let child: ChildProcess | undefined;
  const kill = (): void => { child?.kill('SIGKILL'); };
  try {
    const [initFile, initArgs] = asServerUser(path.join(bin, 'initdb'), ['-D', data, '-U', USER, '--auth=trust', '--no-sync', '--locale=C', '--encoding=UTF8']);
    await run(initFile, initArgs, { cwd: dir });
    const [file, args] = asServerUser(path.join(bin, 'postgres'), [
      '-D', data, '-k', dir, '-p', String(PORT), '-c', 'listen_addresses=',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ]);
    child = spawn(file, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    process.once('exit', kill);
    await ready(child);
  } catch (error) {
    process.off('exit', kill);
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const server = child;
  const exited = new Promise<void>((resolve) => { server.once('exit', () => { resolve(); }); });
  let stopped: Promise<void> | undefined;
  return {
    connection: { host: dir, port: PORT, user: USER, database: DATABASE },
    url: `postgresql://${USER}@${encodeURIComponent(dir)}:${String(PORT)}/${DATABASE}`,
    pid: server.pid ?? 0,
    stop(): Promise<void> {
      stopped ??= (async () => {
        process.off('exit', kill);
        if (server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
        await exited;
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
