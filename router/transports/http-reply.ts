/**
 * Small HTTP answers shared by the HTTP listener's handlers: plain-text and JSON responses, and
 * refusing an upgrade request on its raw socket (before it becomes a WebSocket).
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type HeaderMap = Readonly<Record<string, string>>;

/** A complete text/plain response; HEAD-safe callers pass `body: ''`. */
export function sendText(res: ServerResponse, status: number, body: string, headers: HeaderMap = {}): void {
  const payload = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(payload.length),
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : payload);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(payload.length),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : payload);
}

/**
 * Answer an upgrade request with an HTTP error and close the connection. The socket has been
 * detached from node:http, so the response is written by hand (as ws does for its own refusals).
 */
export function rejectUpgrade(socket: Duplex, status: number, body: string, headers: HeaderMap = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const payload = Buffer.from(body, 'utf8');
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'connection: close',
    'content-type: text/plain; charset=utf-8',
    `content-length: ${payload.length}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]));
}
