/**
 * HTTP plumbing for the long-poll service (longpoll.ts): bounded request bodies, the CORS/origin
 * policy, and the connection facts that go into TransportDetails.
 */
import type { IncomingMessage } from 'node:http';
import type { HeaderMap } from './http-reply.ts';

export type BodyResult =
  | { readonly kind: 'ok'; readonly body: Buffer }
  /** Over `limit`: reading stopped at the first byte too many (the rest is discarded, never buffered). */
  | { readonly kind: 'too-large'; readonly size: number }
  /** The client went away before the body was complete. */
  | { readonly kind: 'aborted' };

/** Read a request body of at most `limit` bytes, counted while reading. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isSafeInteger(declared) && declared > limit) return Promise.resolve({ kind: 'too-large', size: declared });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: BodyResult): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength;
      if (size > limit) done({ kind: 'too-large', size });
      else chunks.push(chunk);
    };
    const onEnd = (): void => { done({ kind: 'ok', body: Buffer.concat(chunks, size) }); };
    const onClose = (): void => { done({ kind: 'aborted' }); };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
  });
}

export type OriginCheck = { readonly allowed: true; readonly headers: HeaderMap } | { readonly allowed: false; readonly origin: string };

/**
 * Whether a request may use the service, and the CORS headers for its response. No `Origin`
 * (not a cross-origin browser request) and same-origin requests are served; a cross-origin
 * request only when its origin is listed exactly in `allowedOrigins`, and then the origin is
 * echoed with credentials allowed (never `*`: autobahn-js sends `withCredentials`).
 */
export function checkOrigin(req: IncomingMessage, allowedOrigins: ReadonlySet<string>): OriginCheck {
  const origin = req.headers.origin;
  const vary = { vary: 'Origin' };
  if (origin === undefined) return { allowed: true, headers: vary };
  if (allowedOrigins.has(origin)) {
    return { allowed: true, headers: { ...vary, 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' } };
  }
  if (sameOrigin(origin, req.headers.host)) return { allowed: true, headers: vary };
  return { allowed: false, origin };
}

/** Origin and Host name the same host and port (the scheme is not checked: TLS may end in a proxy). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false; // 'null' and other opaque origins
  }
}
