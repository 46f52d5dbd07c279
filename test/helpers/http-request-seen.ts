/**
 * Knowing that an HTTP server of this process has taken a request, without waiting "long enough":
 * Node publishes each request on the diagnostics channel 'http.server.request.start', synchronously,
 * right before the server's 'request' listeners run. The promise is resolved there, so code awaiting
 * it resumes after those listeners returned: a long-poll receive is held by then
 * (router/transports/longpoll.ts answers or holds it without awaiting anything).
 *
 *   const seen = requestSeen((path) => path === '/lp/ID/receive');
 *   const held = client.receive();
 *   await seen;
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';

const CHANNEL = 'http.server.request.start';

/** Call before sending the request; resolves once a request whose path (no query) matches arrives. */
export function requestSeen(matches: (path: string) => boolean, timeoutMs = 3_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const onRequest = (message: unknown): void => {
      const url = (message as { request: IncomingMessage }).request.url ?? '';
      if (!matches(url.replace(/\?.*$/, ''))) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no matching HTTP request within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe(CHANNEL, onRequest);
    };
    subscribe(CHANNEL, onRequest);
  });
}
