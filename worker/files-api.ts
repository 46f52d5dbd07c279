/**
 * The files procedures of the web app (docs/web-api.md), WAMP-agnostic: list, upload and link the
 * files of the worker's files folder, the folder the file tasks (tasks/convert.ts) read and write.
 * Every user shares that one folder: anyone the authorizer lets call `<prefix>.files.*` sees, reads
 * and overwrites every file in it (per-user folders are not implemented yet).
 * Arguments come as positional args or kwargs; problems are InvalidParamsError issues.
 */
import { InvalidParamsError } from '../shared/errors.ts';
import { realPathInFilesDir } from '../shared/files-dir.ts';
import type { Dict } from './autobahn.ts';
import type { FileLinkSigner } from './file-link-token.ts';
import { listFiles, type FileEntry } from './files-list.ts';
import { asParamsError, checkedFilesPath } from './files-path.ts';
import { writeUpload } from './files-upload.ts';
import type { Caller } from './task-lifecycle.ts';

/** Where the HTTP listener serves download tokens (cli/server.ts mounts worker/files-download.ts there). */
export const FILES_DOWNLOAD_PATH = '/files/download';

export interface FilesApiOptions {
  /** Absolute. */
  readonly filesDir: string;
  /** Largest upload, decoded bytes. */
  readonly maxUploadBytes: number;
  /** Signs download tokens; absent = no `files.link` (a remote worker: nothing here serves its links). */
  readonly signer?: FileLinkSigner | undefined;
}

export interface UploadResult {
  readonly path: string;
  /** Bytes written. */
  readonly size: number;
}

export interface FileLink {
  /** Path on the HTTP listener that serves the WAMP WebSocket: `/files/download/<token>`. */
  readonly url: string;
  /** ISO 8601 UTC. */
  readonly expires_at: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/u;

function issue(field: string, message: string): InvalidParamsError {
  return new InvalidParamsError([{ field, message: `${field}: ${message}` }]);
}

/** `args[index]` or `kwargs[name]`. */
function argument(args: readonly unknown[], kwargs: Dict, index: number, name: string): unknown {
  return args.length > index ? args[index] : kwargs[name];
}

function rejectExtra(args: readonly unknown[], kwargs: Dict, names: readonly string[]): void {
  const unknown = Object.keys(kwargs).find((key) => !names.includes(key));
  if (unknown !== undefined) throw issue(unknown, `unknown argument (expected ${names.join(', ') || 'none'})`);
  if (args.length > names.length) throw issue('', `expected at most ${names.length} positional arguments, got ${args.length}`);
}

/** Decoded size of valid base64 text, without decoding it. */
function decodedSize(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

export class FilesApi {
  readonly #options: FilesApiOptions;

  constructor(options: FilesApiOptions) {
    this.#options = options;
  }

  /** Whether `link` is available (a signer was given). */
  get links(): boolean {
    return this.#options.signer !== undefined;
  }

  /** `files.list()`: every listed file (worker/files-list.ts). */
  list(_caller: Caller, args: readonly unknown[] = [], kwargs: Dict = {}): Promise<FileEntry[]> {
    rejectExtra(args, kwargs, []);
    return listFiles(this.#options.filesDir);
  }

  /** `files.upload(path, content, {overwrite})`: `content` is base64 (standard alphabet, padded). */
  async upload(_caller: Caller, args: readonly unknown[], kwargs: Dict): Promise<UploadResult> {
    rejectExtra(args, kwargs, ['path', 'content', 'overwrite']);
    const rel = checkedFilesPath(argument(args, kwargs, 0, 'path'));
    const content = argument(args, kwargs, 1, 'content');
    const overwrite = argument(args, kwargs, 2, 'overwrite') ?? false;
    if (typeof overwrite !== 'boolean') throw issue('overwrite', 'expected a boolean');
    if (typeof content !== 'string') throw issue('content', 'expected the file\'s bytes as a base64 string');
    if (content.length % 4 !== 0 || !BASE64.test(content)) throw issue('content', 'expected base64 (A-Z, a-z, 0-9, +, /, padded with = to a multiple of 4 characters)');
    const size = decodedSize(content);
    const max = this.#options.maxUploadBytes;
    if (size > max) throw issue('content', `the file has ${size} bytes, more than the upload limit of ${max} bytes`);
    const data = Buffer.from(content, 'base64');
    try {
      await writeUpload(this.#options.filesDir, rel, data, overwrite);
    } catch (error) {
      throw asParamsError(error);
    }
    return { path: rel, size: data.length };
  }

  /** `files.link(path)`: a short-lived download URL for an existing regular file of the folder. */
  async link(caller: Caller, args: readonly unknown[], kwargs: Dict): Promise<FileLink> {
    rejectExtra(args, kwargs, ['path']);
    const rel = checkedFilesPath(argument(args, kwargs, 0, 'path'));
    try {
      await realPathInFilesDir(this.#options.filesDir, rel, 'file', 'path');
    } catch (error) {
      throw asParamsError(error);
    }
    const signer = this.#options.signer;
    if (signer === undefined) throw new TypeError('files.link needs a signer (FilesApiOptions.signer)');
    const { token, grant } = signer.sign(caller.authid, rel);
    return { url: `${FILES_DOWNLOAD_PATH}/${token}`, expires_at: new Date(grant.exp).toISOString() };
  }
}
