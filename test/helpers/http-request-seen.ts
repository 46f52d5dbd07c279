/**
 * Knowing that an HTTP server of this process has taken a request, without waiting "long enough":
 * Node publishes each request on the diagnostics channel 'http.server.request.start', synchronously,
 * right before the server's 'request' listeners run. The promise resolves one event-loop turn later
 * (setImmediate), after those listeners and every promise continuation they queued: a handler that
 * holds the request without real I/O first (the long-poll receive of router/transports/longpoll.ts,
 * a cookie GET of router/bridges/legacy-longpoll.ts) is holding it by then.
 *
 *   const seen = requestSeen((path) => path === '/lp/ID/receive');
 *   const held = client.receive();
 *   const { response } = await seen;   // response.writableEnded === false: held
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';

const CHANNEL = 'http.server.request.start';

export interface SeenRequest {
  readonly request: IncomingMessage;
  /** The server's side of the answer: `writableEnded` tells whether it was answered. */
  readonly response: ServerResponse;
}

/**
 * Call before sending the request; resolves once a request for which `matches(path without query,
 * request)` holds was handled. Every HTTP server of the process publishes there: tell yours apart
 * by `request.socket.localPort` when several listen.
 */
export function requestSeen(matches: (path: string, request: IncomingMessage) => boolean, timeoutMs = 3_000): Promise<SeenRequest> {
  return new Promise((resolve, reject) => {
    const onRequest = (message: unknown): void => {
      const seen = message as SeenRequest;
      if (!matches((seen.request.url ?? '').replace(/\?.*$/, ''), seen.request)) return;
      done();
      setImmediate(() => { resolve(seen); });
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
