/**
 * The HTTP details of the legacy long poll (docs/legacy-longpoll.md): reading the `Authorization`
 * and `Cookie` headers, writing the session cookie, checking the POST content type, and the JSON
 * answer. Pure functions of headers; the protocol itself is in legacy-longpoll.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeaderMap } from '../transports/http-reply.ts';

export type BearerHeader =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  /** An `Authorization` header that is not `Bearer <token>` (another scheme, or no token). */
  | { readonly kind: 'invalid' };

/** `Authorization: Bearer <token>`, the scheme case-insensitive (RFC 9110 §11.1). */
export function bearerToken(req: IncomingMessage): BearerHeader {
  const header = req.headers.authorization;
  if (header === undefined) return { kind: 'none' };
  const match = /^bearer[ \t]+(\S(?:.*\S)?)[ \t]*$/i.exec(header);
  return match?.[1] === undefined ? { kind: 'invalid' } : { kind: 'bearer', token: match[1] };
}

/** Every value of cookie `name` in the request (a browser may send two, e.g. for two paths). */
export function cookieValues(req: IncomingMessage, name: string): string[] {
  const header = req.headers.cookie;
  if (header === undefined) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at === -1 || pair.slice(0, at).trim() !== name) continue;
    let value = pair.slice(at + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value !== '') values.push(value);
  }
  return values;
}

export interface SessionCookie {
  readonly name: string;
  /** base64url: needs no quoting. */
  readonly value: string;
  readonly path: string;
  readonly maxAgeS: number;
  /**
   * true for a request from an allowed cross-site origin: browsers send a cookie on cross-site
   * requests only when it is `SameSite=None; Secure` (docs/legacy-longpoll.md, "Cookie").
   */
  readonly crossSite: boolean;
}

export function setCookieHeader(cookie: SessionCookie): string {
  const sameSite = cookie.crossSite ? 'SameSite=None; Secure' : 'SameSite=Lax';
  return `${cookie.name}=${cookie.value}; Path=${cookie.path}; Max-Age=${cookie.maxAgeS}; HttpOnly; ${sameSite}`;
}

/** The media type is `application/json` (parameters such as `charset` are allowed). */
export function isJsonContentType(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return false;
  return type.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

/** A 200 JSON answer (`r` / `e`, or the array of updates of a poll). */
export function sendJsonAnswer(res: ServerResponse, value: unknown, headers: HeaderMap): void {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(200, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(payload.byteLength),
    'cache-control': 'no-store',
  });
  res.end(payload);
}

/** Strict UTF-8 (invalid bytes are an error, not U+FFFD). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export type JsonBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly text: string };

export function parseJsonBody(body: Uint8Array): JsonBody {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    return { ok: false, text: 'Expected a JSON body in UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, text: `Expected a JSON call [call_id, task_name, {args, kwargs}]: ${(err as Error).message}` };
  }
}
