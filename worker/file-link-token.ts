/**
 * Signed download tokens of `files.link` (docs/web-api.md): `<payload>.<signature>`, both base64url;
 * payload = JSON `{authid, dir, path, exp}` (`dir`: the folder of the files folder `path` is in,
 * worker/files-user.ts: the creator's folder name, '' for the shared top folder; `exp`: Unix time in milliseconds), signature = HMAC-SHA256 of
 * the payload's base64url text with a key drawn at random per process. A token is therefore valid
 * only in the process that signed it, until `exp`, and cannot be altered without the key. The
 * signature is compared in constant time. Tokens are bearer credentials: whoever has the URL may
 * download the file until it expires (the link is short-lived and only ever sent to its creator).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a valid token grants: download of `path` (relative to the folder `dir` of the files folder), created by `authid`. */
export interface FileLinkGrant {
  readonly authid: string;
  /** A user's folder name (worker/files-user.ts `userFolderName`), or '' for the top folder (a shared role). */
  readonly dir: string;
  readonly path: string;
  /** Unix time, ms. */
  readonly exp: number;
}

export interface FileLinkSignerOptions {
  /** Lifetime of a token, seconds. */
  readonly ttlSeconds: number;
  /** HMAC key. @default 32 random bytes */
  readonly key?: Buffer;
  /** Clock, Unix ms. @default Date.now */
  readonly now?: () => number;
}

/** Longest token verify() looks at: a 1024-character path and an authid fit well within it. */
export const MAX_TOKEN_CHARS = 8192;
const BASE64URL = /^[A-Za-z0-9_-]+$/u;

export class FileLinkSigner {
  readonly #key: Buffer;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: FileLinkSignerOptions) {
    if (!Number.isFinite(options.ttlSeconds) || options.ttlSeconds <= 0) throw new RangeError(`Expected \`ttlSeconds\` > 0, got ${String(options.ttlSeconds)}`);
    this.#key = options.key ?? randomBytes(32);
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** A token for `authid` to download `path` of the folder `dir`, valid for the configured lifetime from now. */
  sign(authid: string, path: string, dir: string): { readonly token: string; readonly grant: FileLinkGrant } {
    const grant: FileLinkGrant = { authid, dir, path, exp: this.#now() + this.#ttlMs };
    const payload = Buffer.from(JSON.stringify(grant), 'utf8').toString('base64url');
    return { token: `${payload}.${this.#mac(payload).toString('base64url')}`, grant };
  }

  /** The grant of a well-formed, correctly signed, unexpired token; undefined otherwise (no reason given). */
  verify(token: string): FileLinkGrant | undefined {
    if (token.length > MAX_TOKEN_CHARS) return undefined;
    const dot = token.indexOf('.');
    const payload = token.slice(0, dot);
    const signature = token.slice(dot + 1);
    if (dot < 1 || !BASE64URL.test(payload) || !BASE64URL.test(signature)) return undefined;
    const given = Buffer.from(signature, 'base64url');
    const expected = this.#mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const grant = parseGrant(Buffer.from(payload, 'base64url').toString('utf8'));
    return grant !== undefined && this.#now() < grant.exp ? grant : undefined;
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload, 'ascii').digest();
  }
}

function parseGrant(json: string): FileLinkGrant | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { authid, dir, path, exp } = value as Record<string, unknown>;
  return typeof authid === 'string' && typeof dir === 'string' && typeof path === 'string' && typeof exp === 'number' && Number.isFinite(exp)
    ? { authid, dir, path, exp } : undefined;
}
