/**
 * WebSocket connector (`ws`, subprotocols wamp.2.json / msgpack / cbor, spec: basic/transport.md):
 * - openWebSocket: the Wire (wire.ts), with the socket, the negotiated protocol and raw sends;
 * - probeWebSocket: raw mode for transport and bad-input tests: send any array or bytes, await the
 *   next message, see the close code;
 * - connectWebSocket: typed mode (a ClientConnection for WampTestClient);
 * - refusedHandshake: an upgrade the server should refuse.
 *
 *   const client = await probeWebSocket(url, 'wamp.2.json');
 *   client.send([1, 'realm1', { roles: { caller: {} } }]);
 *   expect((await client.next())[0]).to.equal(2);
 *   await client.close();
 */
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { WEBSOCKET_SUBPROTOCOLS, subprotocolFor } from '../../../shared/serializers/index.ts';
import type { Serializer, SerializerId } from '../../../shared/serializers/serializer.ts';
import { AsyncQueue } from '../async-queue.ts';
import type { ClientConnection } from './connection.ts';
import { CLOSE_WAIT_MS, CloseLatch, wireConnection, type Wire } from './wire.ts';

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
}

export interface WebSocketWire extends Wire {
  readonly ws: WebSocket;
  /** The negotiated subprotocol. */
  readonly protocol: string;
  readonly serializer: Serializer;
  /** Send bytes/text as they are, e.g. garbage or a frame of the wrong kind. */
  sendRaw(data: string | Uint8Array, options: { readonly binary: boolean }): void;
  /** The close code and reason (1006 if dropped). */
  readonly closeEvent: Promise<CloseEvent>;
  /** Close with `code` (1000 unless told), destroy after CLOSE_WAIT_MS; resolves once gone. */
  close(code?: number, reason?: string): Promise<void>;
}

function bufferOf(data: RawData): Buffer {
  return Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** Open a WebSocket offering `protocols` and resolve once open; rejects if the upgrade is refused. */
export async function openWebSocket(url: string, protocols: string | readonly string[], options: ClientOptions = {}): Promise<WebSocketWire> {
  const ws = new WebSocket(url, typeof protocols === 'string' ? [protocols] : [...protocols], options);
  const latch = new CloseLatch();
  const opening: { wire?: WebSocketWire } = {}; // set once open: the close handler is registered before
  const noop = (): void => undefined;
  const closeEvent = new Promise<CloseEvent>((resolve) => {
    ws.on('close', (code, reason) => {
      const text = reason.toString('utf8');
      latch.end(`websocket closed ${code} ${text}`.trimEnd(), opening.wire?.onClose ?? noop);
      resolve({ code, reason: text });
    });
  });
  ws.on('error', () => { /* surfaces as 'close' (or as the rejected open below) */ });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => { resolve(); });
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`websocket handshake refused with HTTP ${res.statusCode ?? 0}`));
      ws.terminate();
    });
    ws.once('close', () => { reject(new Error('websocket closed during the handshake')); });
  });
  const protocol = ws.protocol;
  const serializer = WEBSOCKET_SUBPROTOCOLS[protocol];
  if (serializer === undefined) {
    ws.terminate();
    throw new Error(`no serializer for subprotocol '${protocol}'`);
  }
  const opened: WebSocketWire = {
    name: `websocket/${serializer.id}`,
    ws,
    protocol,
    serializer,
    closeEvent,
    onArray: noop,
    onClose: noop,
    get isClosed() {
      return latch.isClosed;
    },
    closed: latch.closed,
    sendArray(message) {
      if (ws.readyState === WebSocket.OPEN) ws.send(serializer.encode(message), { binary: serializer.binary });
    },
    sendRaw(data, { binary }) {
      ws.send(data, { binary });
    },
    close(code = 1000, reason = '') {
      if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
      const timer = setTimeout(() => { ws.terminate(); }, CLOSE_WAIT_MS);
      return latch.closed.then(() => { clearTimeout(timer); });
    },
  };
  opening.wire = opened;
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const bytes = bufferOf(data);
    let decoded: unknown;
    try {
      if (isBinary !== serializer.binary) throw new Error(`${isBinary ? 'binary' : 'text'} message on ${protocol}`);
      decoded = serializer.decode(isBinary ? bytes : bytes.toString('utf8'));
      if (!Array.isArray(decoded)) throw new Error('a message that is not an array');
    } catch (err) {
      latch.end(`undecodable message from the router: ${err instanceof Error ? err.message : String(err)}`, opened.onClose);
      ws.terminate();
      return;
    }
    opened.onArray(decoded as unknown[]);
  });
  return opened;
}

/** Raw mode. */
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

export async function probeWebSocket(url: string, protocols: string | readonly string[], options: ClientOptions = {}): Promise<RawWsClient> {
  const wire = await openWebSocket(url, protocols, options);
  const queue = new AsyncQueue<unknown[]>('message');
  wire.onArray = (message) => { queue.push(message); };
  void wire.closeEvent.then(({ code, reason }) => { queue.fail(new Error(`closed ${code} ${reason}`)); });
  return {
    ws: wire.ws,
    protocol: wire.protocol,
    closed: wire.closeEvent,
    send: (message) => { wire.sendArray(message); },
    sendRaw: (data, options) => { wire.sendRaw(data, options); },
    next: (timeoutMs = 2_000) => queue.next(timeoutMs),
    close: async (code, reason) => {
      await wire.close(code, reason);
      return wire.closeEvent;
    },
  };
}

/** Typed mode. */
export async function connectWebSocket(url: string, serializerId: SerializerId): Promise<ClientConnection> {
  const protocol = subprotocolFor(serializerId);
  const wire = await openWebSocket(url, protocol);
  if (wire.protocol !== protocol) {
    await wire.close();
    throw new Error(`negotiated '${wire.protocol}', expected '${protocol}'`);
  }
  return wireConnection(wire);
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
