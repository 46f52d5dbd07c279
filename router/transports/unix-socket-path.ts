/**
 * The file of a listening Unix socket. A router that crashed leaves its socket file behind and
 * listen() then fails with EADDRINUSE; we remove such a file, but only when it is a socket and
 * nobody accepts connections on it (never a regular file, never a live router's socket).
 */
import { connect } from 'node:net';
import { lstat, unlink } from 'node:fs/promises';
import { TransportBindError } from '../../shared/errors.ts';

/** Make `path` free for listen(): nothing there, or a stale socket (removed). Throws TransportBindError. */
export async function prepareUnixPath(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return;
    throw new TransportBindError(`cannot listen on ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (!isSocket) throw new TransportBindError(`cannot listen on ${path}: the file exists and is not a socket`);
  if (await acceptsConnections(path)) throw new TransportBindError(`cannot listen on ${path}: another process is listening on it`);
  try {
    await unlink(path);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw new TransportBindError(`cannot remove the stale socket ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Remove our socket file after the server closed (if it is still there and still a socket). */
export async function removeUnixPath(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch {
    // already gone: Node removes it when the server closes
  }
}

/** Whether something listens on the socket `path`: ECONNREFUSED means a stale file. */
function acceptsConnections(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (err) => {
      probe.destroy();
      // Anything but "refused" (e.g. EACCES) may be a live socket we cannot reach: leave it alone.
      resolve(errorCode(err) !== 'ECONNREFUSED');
    });
  });
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
