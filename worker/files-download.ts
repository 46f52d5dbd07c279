/**
 * `GET|HEAD /files/download/<token>` (docs/web-api.md): serves the file a `files.link` token grants
 * (worker/file-link-token.ts), mounted on the HTTP listener by cli/server.ts.
 * - 403 for a token that is malformed, wrongly signed or expired; 404 when the file is gone (or no
 *   longer a regular file inside the folder); 405 for other methods.
 * - The path is resolved again at download time (symlinks followed) and must stay inside the real
 *   path of the folder the token names (the creator's own folder, worker/files-user.ts, or the top
 *   folder for a shared role; shared/files-dir.ts `realPathInFilesDir`); a user's folder must itself be
 *   a real folder directly inside the top one.
 * - Always an attachment (`Content-Disposition`, RFC 6266, with an RFC 5987 `filename*` for
 *   non-ASCII names), `nosniff`, `Cache-Control: private, no-store`, and a sandboxing CSP, so a
 *   downloaded HTML file never runs as a page of this origin.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FilesPathNotFoundError, PathOutsideFilesDirError } from '../shared/errors.ts';
import { realPathInFilesDir } from '../shared/files-dir.ts';
import type { Logger } from '../shared/logger.ts';
import { sendText } from '../router/transports/http-reply.ts';
import type { RequestRoute } from '../router/transports/http-routes.ts';
import type { FileLinkSigner } from './file-link-token.ts';
import { FILES_DOWNLOAD_PATH } from './files-api.ts';
import { folderOf } from './files-user.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.markdown': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.epub': 'application/epub+zip',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** RFC 5987 `value-chars`: attr-char stays, everything else is percent-encoded UTF-8. */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `attachment; filename="…"` (ASCII fallback) plus `filename*=UTF-8''…` when the name is not plain ASCII (RFC 6266). */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/gu, '_');
  return fallback === name ? `attachment; filename="${name}"` : `attachment; filename="${fallback}"; filename*=UTF-8''${rfc5987(name)}`;
}

export interface FileDownloadOptions {
  /** Absolute. */
  readonly filesDir: string;
  readonly signer: FileLinkSigner;
  readonly logger: Logger;
}

/** The route to mount (prefix `/files/download`). */
export function fileDownloadRoute(options: FileDownloadOptions): RequestRoute {
  const log = options.logger.child({ component: 'files-download' });
  return {
    path: FILES_DOWNLOAD_PATH,
    prefix: true,
    handle: (req, res, subpath) => serve(options, log, req, res, subpath),
  };
}

/** The real path of the granted file inside the folder of the grant (the creator's, or the top one). */
async function resolveGranted(filesDir: string, dir: string, rel: string): Promise<string | undefined> {
  const folder = folderOf(filesDir, dir);
  if (folder === undefined) return undefined;
  try {
    if (dir !== '' && await realpath(folder) !== path.join(await realpath(filesDir), dir)) return undefined;
    return await realPathInFilesDir(folder, rel, 'file');
  } catch (error) {
    if (error instanceof FilesPathNotFoundError || error instanceof PathOutsideFilesDirError) return undefined;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // the folder is gone
    throw error;
  }
}

async function serve(options: FileDownloadOptions, log: Logger, req: IncomingMessage, res: ServerResponse, subpath: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
    return;
  }
  const grant = options.signer.verify(subpath.replace(/^\//u, ''));
  if (grant === undefined) {
    sendText(res, 403, 'Forbidden: this download link is invalid or has expired; ask for a new one\n', { 'cache-control': 'no-store' });
    return;
  }
  const real = await resolveGranted(options.filesDir, grant.dir, grant.path);
  const handle = real === undefined ? undefined : await open(real, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
  // O_NONBLOCK: a FIFO swapped in after the check cannot hang the request; fstat then rejects it.
  const stats = await handle?.stat();
  if (handle === undefined || stats?.isFile() !== true) {
    await handle?.close();
    sendText(res, 404, 'Not Found: the file is no longer in the files folder\n', { 'cache-control': 'no-store' });
    return;
  }
  res.writeHead(200, {
    'content-type': contentTypeOf(grant.path),
    'content-length': String(stats.size),
    'content-disposition': contentDisposition(path.posix.basename(grant.path)),
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
    'content-security-policy': "default-src 'none'; sandbox",
  });
  if (req.method === 'HEAD') {
    await handle.close();
    res.end();
    return;
  }
  log.info({ authid: grant.authid, dir: grant.dir, path: grant.path, size: stats.size }, 'file downloaded');
  if (stats.size === 0) {
    await handle.close();
    res.end();
    return;
  }
  try {
    // The stream owns the handle (it closes it): the file that was checked, even if renamed meanwhile,
    // and no more than the announced length if it grows.
    await pipeline(handle.createReadStream({ start: 0, end: stats.size - 1 }), res);
  } catch (err) {
    log.debug({ err, path: grant.path }, 'file download aborted');
  }
}
