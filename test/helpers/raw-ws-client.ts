/**
 * A tiny promise-based raw WebSocket client for transport and bad-input tests: it speaks a
 * wamp.2.* subprotocol at the array level (no WAMP session logic), so tests can send anything.
 *
 *   const client = await connect(url, 'wamp.2.json');
 *   client.send([1, 'realm1', { roles: { caller: {} } }]);
 *   expect((await client.next())[0]).to.equal(2);
 *   await client.close();
 */
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { WEBSOCKET_SUBPROTOCOLS } from '../../shared/serializers/index.ts';
import type { Serializer } from '../../shared/serializers/serializer.ts';

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
}

export interface RawWsClient {
  readonly ws: WebSocket;
  /** The negotiated subprotocol. */
  readonly protocol: string;
  /** Serialize `message` with the negotiated serializer and send it in the right frame kind. */
  send(message: readonly unknown[]): void;
  /** Send bytes/text as is, e.g. garbage or a frame of the wrong kind. */
  sendRaw(data: string | Uint8Array, options: { readonly binary: boolean }): void;
  /** The next message, decoded; rejects if the connection closes first or nothing comes in time. */
  next(timeoutMs?: number): Promise<unknown[]>;
  /** Resolves with the close code/reason once the connection is gone (1006 if dropped). */
  readonly closed: Promise<CloseEvent>;
  /** Close (1000 unless told) and wait for the connection to be gone. */
  close(code?: number, reason?: string): Promise<CloseEvent>;
}

export async function connect(url: string, protocols: string | readonly string[], options: ClientOptions = {}): Promise<RawWsClient> {
  const ws = new WebSocket(url, typeof protocols === 'string' ? [protocols] : [...protocols], options);
  const queue: unknown[][] = [];
  const waiters: { resolve: (m: unknown[]) => void; reject: (e: Error) => void }[] = [];
  let closeEvent: CloseEvent | undefined;
  const closed = new Promise<CloseEvent>((resolve) => {
    ws.on('close', (code, reason) => {
      closeEvent = { code, reason: reason.toString('utf8') };
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`closed ${code} ${closeEvent.reason}`));
      resolve(closeEvent);
    });
  });
  ws.on('error', () => { /* surfaces as 'close' (or as the rejected open below) */ });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => { resolve(); });
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`handshake refused with HTTP ${res.statusCode ?? 0}`));
      ws.terminate();
    });
    ws.once('close', () => { reject(new Error('closed during the handshake')); });
  });
  const serializer = serializerFor(ws.protocol);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const decoded = serializer.decode(isBinary ? bytes : bytes.toString('utf8'));
    if (!Array.isArray(decoded)) throw new Error('received a non-array message');
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(decoded as unknown[]);
    else queue.push(decoded as unknown[]);
  });

  return {
    ws,
    protocol: ws.protocol,
    closed,
    send(message) {
      ws.send(serializer.encode(message), { binary: serializer.binary });
    },
    sendRaw(data, { binary }) {
      ws.send(data, { binary });
    },
    next(timeoutMs = 2_000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      if (closeEvent) return Promise.reject(new Error(`closed ${closeEvent.code} ${closeEvent.reason}`));
      return new Promise<unknown[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no message within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = {
          resolve: (m: unknown[]) => { clearTimeout(timer); resolve(m); },
          reject: (e: Error) => { clearTimeout(timer); reject(e); },
        };
        waiters.push(waiter);
      });
    },
    close(code = 1000, reason = '') {
      if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
      const timer = setTimeout(() => { ws.terminate(); }, 2_000);
      return closed.finally(() => { clearTimeout(timer); });
    },
  };
}

/** Attempt a handshake that the server should refuse; resolves with the HTTP status and body. */
export async function refusedHandshake(url: string, protocols: readonly string[]): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url, [...protocols]);
  ws.on('error', () => { /* expected */ });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error(`handshake accepted with protocol '${ws.protocol}'`));
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        ws.terminate();
      });
    });
  });
}

function serializerFor(protocol: string): Serializer {
  const serializer = WEBSOCKET_SUBPROTOCOLS[protocol];
  if (serializer === undefined) throw new Error(`no serializer for subprotocol '${protocol}'`);
  return serializer;
}
