/**
 * A client of the legacy ASEXOR long poll (docs/legacy-longpoll.md), written from the protocol
 * description: plain node:http requests on a fresh connection each (no agent keeps sockets), a
 * one-cookie jar, POST for calls, GET for updates.
 *
 *   const lp = new LegacyLpClient(port);
 *   await lp.start('alice-ticket');            // GET with Authorization → [] and the cookie
 *   const [kind, id, taskId] = await lp.call(1, 'date', { args: ['%Y'] });
 *   const updates = await lp.poll();           // [["m", 1, {...}], …]
 */
import { request, type IncomingHttpHeaders } from 'node:http';

export interface LpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** Milliseconds from sending to the complete response. */
  readonly elapsedMs: number;
}

export interface LpRequest {
  readonly method: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Abort the request after this many milliseconds (resolves with status 0). */
  readonly abortAfterMs?: number;
}

export function lpRequest(port: number, options: LpRequest): Promise<LpResponse> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, method: options.method, path: options.path ?? '/', agent: false,
      headers: { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, text, elapsedMs: Date.now() - started }); });
      res.on('error', reject);
    });
    if (options.abortAfterMs !== undefined) {
      const timer = setTimeout(() => {
        req.destroy();
        resolve({ status: 0, headers: {}, text: '', elapsedMs: Date.now() - started });
      }, options.abortAfterMs);
      req.once('close', () => { clearTimeout(timer); });
    }
    req.on('error', (err) => { if (!req.destroyed || options.abortAfterMs === undefined) reject(err); });
    req.end(options.body);
  });
}

/** The `name=value` of a Set-Cookie header, and its attributes (lowercase names). */
export function parseSetCookie(header: string): { name: string; value: string; attributes: Map<string, string> } {
  const [pair = '', ...rest] = header.split(';');
  const at = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const item of rest) {
    const eq = item.indexOf('=');
    if (eq === -1) attributes.set(item.trim().toLowerCase(), '');
    else attributes.set(item.slice(0, eq).trim().toLowerCase(), item.slice(eq + 1).trim());
  }
  return { name: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim(), attributes };
}

export type LegacyMessage = readonly unknown[];

export class LegacyLpClient {
  readonly port: number;
  readonly path: string;
  readonly cookieName: string;
  /** The session cookie's value, once issued. */
  cookie: string | undefined;
  /** Sent with every request when set. */
  token: string | undefined;
  /** Extra headers for every request (e.g. Origin). */
  headers: Record<string, string> = {};

  constructor(port: number, options: { path?: string; cookieName?: string } = {}) {
    this.port = port;
    this.path = options.path ?? '/';
    this.cookieName = options.cookieName ?? 'ASEXOR_LP_SESSION';
  }

  /** Any request with this client's cookie (and token, if set); keeps a cookie the answer sets. */
  async send(method: string, options: { body?: string | Buffer; headers?: Record<string, string>; abortAfterMs?: number } = {}): Promise<LpResponse> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.cookie !== undefined) headers['cookie'] = `${this.cookieName}=${this.cookie}`;
    if (this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    const res = await lpRequest(this.port, { ...options, method, path: this.path, headers: { ...headers, ...options.headers } });
    const setCookie = res.headers['set-cookie']?.map(parseSetCookie).find((c) => c.name === this.cookieName);
    if (setCookie !== undefined) this.cookie = setCookie.value;
    return res;
  }

  /** The initial GET with `Authorization: Bearer <token>`: answered `[]` at once, with the cookie. */
  async start(token: string): Promise<LpResponse> {
    const res = await this.send('GET', { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`start: HTTP ${res.status}: ${res.text}`);
    return res;
  }

  /** POST one JSON call; returns the `r` or `e` message. */
  async call(callId: unknown, task: string, payload: { args?: unknown[]; kwargs?: Record<string, unknown> } = {}): Promise<LegacyMessage> {
    return this.postJson(JSON.stringify([callId, task, payload]));
  }

  async postJson(body: string): Promise<LegacyMessage> {
    const res = await this.send('POST', { body, headers: { 'content-type': 'application/json' } });
    if (res.status !== 200) throw new Error(`POST: HTTP ${res.status}: ${res.text}`);
    return JSON.parse(res.text) as LegacyMessage;
  }

  /** One GET: the updates it returned (possibly none). */
  async poll(): Promise<LegacyMessage[]> {
    const res = await this.send('GET');
    if (res.status !== 200) throw new Error(`GET: HTTP ${res.status}: ${res.text}`);
    return JSON.parse(res.text) as LegacyMessage[];
  }

  /** Poll until `done(all updates so far)`; returns them all. */
  async pollUntil(done: (updates: readonly LegacyMessage[]) => boolean, timeoutMs = 10_000): Promise<LegacyMessage[]> {
    const deadline = Date.now() + timeoutMs;
    const all: LegacyMessage[] = [];
    while (!done(all)) {
      if (Date.now() > deadline) throw new Error(`timed out; updates so far: ${JSON.stringify(all)}`);
      all.push(...await this.poll());
    }
    return all;
  }
}

/** The update data of an `m` message. */
export function dataOf(message: LegacyMessage): Record<string, unknown> {
  return message[2] as Record<string, unknown>;
}

/** Whether the updates hold a terminal status for `callId`. */
export function finished(updates: readonly LegacyMessage[], callId: unknown): boolean {
  return updates.some((m) => m[1] === callId && ['success', 'error'].includes(String(dataOf(m)['status'])));
}
