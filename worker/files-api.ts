/**
 * The files procedures of the web app (docs/web-api.md), WAMP-agnostic: list, upload and link the
 * files of the caller's files folder, the folder the caller's file tasks (tasks/convert.ts) read and
 * write: `<filesDir>/<escaped authid>/`, or the top folder for a role of `files.sharedRoles`
 * (worker/files-user.ts, docs/files.md). With `files.quotaBytes` an upload that would put the
 * caller's folder over it is refused (FilesQuotaExceededError; usage: worker/files-usage.ts).
 * Arguments come as positional args or kwargs; problems are InvalidParamsError issues.
 */
import { FilesQuotaExceededError, InvalidParamsError } from '../shared/errors.ts';
import { realPathInFilesDir } from '../shared/files-dir.ts';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { Dict } from '../shared/autobahn.ts';
import type { FileLinkSigner } from './file-link-token.ts';
import { listFiles, type FileEntry } from './files-list.ts';
import { asParamsError, checkedFilesPath } from './files-path.ts';
import { writeUpload } from './files-upload.ts';
import { folderGrew, inFlightBytes } from './files-inflight.ts';
import { usageFor } from './files-usage.ts';
import { filesSettingsDefaults, openUserFiles, type FilesSettings, type UserFiles } from './files-user.ts';
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
  /** Shared roles and quota (`asexor.files`). @default worker/files-user.ts filesSettingsDefaults */
  readonly files?: FilesSettings | undefined;
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

  /** The caller's folder, created on first use. */
  #folder(caller: Caller): Promise<UserFiles> {
    return openUserFiles(this.#options.filesDir, caller, this.#settings);
  }

  get #settings(): FilesSettings {
    return this.#options.files ?? filesSettingsDefaults;
  }

  /** `files.list()`: every listed file of the caller's folder (worker/files-list.ts). */
  async list(caller: Caller, args: readonly unknown[] = [], kwargs: Dict = {}): Promise<FileEntry[]> {
    rejectExtra(args, kwargs, []);
    return listFiles((await this.#folder(caller)).dir);
  }

  /** Refuses `size` more bytes (replacing `rel`) when they would put a user's folder over the quota. */
  async #checkQuota(folder: UserFiles, rel: string, size: number): Promise<number> {
    const quota = this.#settings.quotaBytes;
    if (quota === null || folder.scope !== 'user') return 0;
    const replaced = await lstat(path.join(folder.dir, rel)).then((stats) => (stats.isFile() ? stats.size : 0), () => 0);
    // The outputs the user's running tasks are writing count too (worker/files-inflight.ts).
    const used = await usageFor(this.#settings).bytes(folder.dir) + await inFlightBytes(folder.dir);
    if (used - replaced + size > quota) {
      throw new FilesQuotaExceededError(`the upload of ${size} bytes would put your files folder over its quota of ${quota} bytes (it holds ${used} bytes${replaced > 0 ? `, ${replaced} of them in the file it replaces` : ''})`);
    }
    return replaced;
  }

  /** `files.upload(path, content, {overwrite})`: `content` is base64 (standard alphabet, padded). */
  async upload(caller: Caller, args: readonly unknown[], kwargs: Dict): Promise<UploadResult> {
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
    const folder = await this.#folder(caller);
    const replaced = await this.#checkQuota(folder, rel, size);
    const data = Buffer.from(content, 'base64');
    try {
      await writeUpload(folder.dir, rel, data, overwrite);
    } catch (error) {
      throw asParamsError(error);
    }
    if (this.#settings.quotaBytes !== null) {
      const grown = data.length - (overwrite ? replaced : 0);
      usageFor(this.#settings).add(folder.dir, grown);
      folderGrew(folder.dir, grown, false); // running tasks of the user count it from now on
    }
    return { path: rel, size: data.length };
  }

  /** `files.link(path)`: a short-lived download URL for an existing regular file of the folder. */
  async link(caller: Caller, args: readonly unknown[], kwargs: Dict): Promise<FileLink> {
    rejectExtra(args, kwargs, ['path']);
    const rel = checkedFilesPath(argument(args, kwargs, 0, 'path'));
    const folder = await this.#folder(caller);
    try {
      await realPathInFilesDir(folder.dir, rel, 'file', 'path');
    } catch (error) {
      throw asParamsError(error);
    }
    const signer = this.#options.signer;
    if (signer === undefined) throw new TypeError('files.link needs a signer (FilesApiOptions.signer)');
    const { token, grant } = signer.sign(caller.authid, rel, folder.name);
    return { url: `${FILES_DOWNLOAD_PATH}/${token}`, expires_at: new Date(grant.exp).toISOString() };
  }
}
