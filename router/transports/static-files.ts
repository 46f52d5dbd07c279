/**
 * Static file serving for the web app (Crossbar's `static` web service). Only GET and HEAD; a
 * request never leaves `directory` (resolved real paths are checked against its real path, so
 * neither `..` nor symlinks escape); dotfiles are not served.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../shared/logger.ts';
import { sendText } from './http-reply.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, subpath: string) => Promise<void>;

/**
 * A request handler serving files under `directory`. `subpath` is the request path below the
 * service's mount point, still URL-encoded, e.g. '/js/app.js'; '' or a directory serves its index.html.
 */
export function staticFiles(directory: string, logger: Logger): StaticHandler {
  let rootPromise: Promise<string> | undefined;
  const root = (): Promise<string> => (rootPromise ??= realpath(directory));

  return async (req, res, subpath) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    const file = await resolveFile(await root().catch(() => undefined), subpath);
    if (file === undefined) {
      sendText(res, 404, 'Not Found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(file.size),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      await pipeline(createReadStream(file.path), res);
    } catch (err) {
      logger.debug({ err, path: file.path }, 'static file response aborted');
      res.destroy();
    }
  };
}

/** The regular file `subpath` names inside `root`, or undefined (missing, outside, hidden, unreadable). */
async function resolveFile(root: string | undefined, subpath: string): Promise<{ path: string; size: number } | undefined> {
  if (root === undefined) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(subpath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.split(/[/\\]/).some((segment) => segment.startsWith('.'))) return undefined;
  let candidate = path.resolve(root, `.${path.sep}${decoded}`);
  try {
    if ((await stat(candidate)).isDirectory()) candidate = path.join(candidate, 'index.html');
    const real = await realpath(candidate);
    if (!real.startsWith(root + path.sep)) return undefined;
    const info = await stat(real);
    return info.isFile() ? { path: real, size: info.size } : undefined;
  } catch {
    return undefined;
  }
}
