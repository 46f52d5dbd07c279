/**
 * The original ASEXOR's WebSocket protocol (docs/legacy-websocket.md) on the same path as WAMP: an
 * upgrade that offers no subprotocol at all comes here (router/transports/websocket.ts decides).
 *
 * `GET /ws?token=T[&session_id=S]`: the token is checked before the upgrade (401 when missing or
 * refused). JSON text frames carry calls `[id, task, {args, kwargs}]`; answers are `r` / `e` / `m`
 * (router/bridges/legacy-message.ts). Updates go to the socket that currently holds `(user,
 * session_id)`; while none does, they wait in a bounded buffer for `bufferTimeoutMs` from the first
 * one, and a reconnect with the same key gets them first, in order. A second connection with the same
 * key replaces the first (closed with 1000). Inactivity timeout and heartbeat as configured.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { LegacyWebSocketSettings } from '../../shared/legacy/settings.ts';
import type { Logger } from '../../shared/logger.ts';
import { rejectUpgrade } from '../transports/http-reply.ts';
import { BridgeJoinError, type BridgeSession, type BridgeSink } from './bridge-session.ts';
import type { BridgeContext } from './context.ts';
import { errorMessage, parseLegacyCall, replyMessage, updateMessage } from './legacy-message.ts';

export const LEGACY_WS_PROTOCOL = 'asexor-legacy-ws';

/** WebSocket close codes used here (RFC 6455 §7.4.1). */
const NORMAL = 1000;
const GOING_AWAY = 1001;
const POLICY = 1008;
const RESTART = 1012;
/** Unsent data on one socket beyond which the client is too slow to keep. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface LegacyWebSocket {
  readonly path: string;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Close every socket with 1012, drop buffers, close the WAMP sessions; new upgrades get 503. */
  close(): Promise<void>;
  /** Connected sockets. */
  readonly connectionCount: number;
}

/** The sessions of one `(user, session_id)`: the WAMP session, the current socket, the buffered updates. */
class Slot implements BridgeSink {
  socket: LegacySocket | undefined;
  buffer: string[] = [];
  #bufferTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #droppedLogged = false;

  readonly key: string;
  readonly bridge: BridgeSession;
  readonly settings: LegacyWebSocketSettings;
  readonly log: Logger;
  readonly onExpired: (slot: Slot) => void;

  constructor(key: string, bridge: BridgeSession, settings: LegacyWebSocketSettings, log: Logger, onExpired: (slot: Slot) => void) {
    this.key = key;
    this.bridge = bridge;
    this.settings = settings;
    this.log = log;
    this.onExpired = onExpired;
    bridge.setSink(this);
  }

  reply(callId: unknown, taskId: string): void {
    this.socket?.sendAnswer(JSON.stringify(replyMessage(callId, taskId)), true);
  }

  error(callId: unknown, text: string): void {
    this.socket?.sendAnswer(JSON.stringify(errorMessage(callId, text)), false);
  }

  update(callId: unknown, data: Readonly<Record<string, unknown>>): void {
    const text = JSON.stringify(updateMessage(callId, data));
    if (this.socket !== undefined) {
      this.socket.sendAnswer(text, true);
      return;
    }
    if (this.buffer.length === 0) {
      // The original keeps a buffer for a fixed time from its first message.
      this.#bufferTimer = setTimeout(() => { this.buffer = []; }, this.settings.bufferTimeoutMs);
      this.#bufferTimer.unref();
    }
    if (this.buffer.length >= this.settings.bufferLimit) {
      this.buffer.shift();
      if (!this.#droppedLogged) this.log.warn({ limit: this.settings.bufferLimit }, 'legacy websocket: update buffer full; dropping the oldest');
      this.#droppedLogged = true;
    }
    this.buffer.push(text);
  }

  attach(socket: LegacySocket): void {
    clearTimeout(this.#lingerTimer);
    clearTimeout(this.#bufferTimer);
    const buffered = this.buffer;
    this.buffer = [];
    this.#droppedLogged = false;
    this.socket = socket;
    for (const text of buffered) socket.sendAnswer(text, true);
  }

  /** The socket went away: keep the slot (and its WAMP session) for bufferTimeoutMs, then let it go. */
  detach(socket: LegacySocket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.#lingerTimer = setTimeout(() => { this.onExpired(this); }, this.settings.bufferTimeoutMs);
    this.#lingerTimer.unref();
  }

  dispose(): void {
    clearTimeout(this.#lingerTimer);
    clearTimeout(this.#bufferTimer);
    this.buffer = [];
    this.socket = undefined;
    this.bridge.setSink(undefined);
    this.bridge.close();
  }
}

/** One accepted WebSocket: frames in, answers out, inactivity and heartbeat timers. */
class LegacySocket {
  #inactivity: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #awaitingPong = false;

  readonly ws: WebSocket;
  readonly slot: Slot;
  readonly settings: LegacyWebSocketSettings;
  readonly log: Logger;

  constructor(ws: WebSocket, slot: Slot, settings: LegacyWebSocketSettings, log: Logger) {
    this.ws = ws;
    this.slot = slot;
    this.settings = settings;
    this.log = log;
    this.#rearm();
    if (settings.heartbeatMs > 0) {
      ws.on('pong', () => { this.#awaitingPong = false; });
      this.#heartbeat = setInterval(() => { this.#ping(); }, settings.heartbeatMs);
    }
    ws.on('message', (data, isBinary) => { this.#receive(data, isBinary); });
  }

  /** `rearm`: a reply or an update re-arms the inactivity timer (the original's rule); an error reply does not. */
  sendAnswer(text: string, rearm: boolean): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.log.warn({ buffered: this.ws.bufferedAmount }, 'legacy websocket: client does not read its updates; closing');
      this.close(POLICY, 'too much unread data');
      return;
    }
    this.ws.send(text);
    if (rearm) this.#rearm();
  }

  close(code: number, reason: string): void {
    this.stop();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }

  stop(): void {
    clearTimeout(this.#inactivity);
    clearInterval(this.#heartbeat);
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (isBinary) return; // the protocol is JSON text only; the original ignores binary frames too
    let value: unknown;
    try {
      value = JSON.parse(rawText(data));
    } catch {
      this.log.debug('legacy websocket: ignored a frame that is not JSON');
      return;
    }
    const input = parseLegacyCall(value);
    switch (input.kind) {
      case 'unreadable':
        this.log.debug({ why: input.text }, 'legacy websocket: ignored a message without a call id');
        return;
      case 'bad':
        this.sendAnswer(JSON.stringify(errorMessage(input.callId, input.text)), false);
        return;
      case 'call':
        this.slot.bridge.submit(input.callId, input.task, input.args, input.kwargs);
        return;
    }
  }

  #rearm(): void {
    if (this.settings.inactiveTimeoutMs === 0) return;
    clearTimeout(this.#inactivity);
    this.#inactivity = setTimeout(() => { this.close(NORMAL, 'inactivity timeout'); }, this.settings.inactiveTimeoutMs);
  }

  #ping(): void {
    if (this.#awaitingPong) return;
    this.#awaitingPong = true;
    this.ws.ping();
    const timer = setTimeout(() => {
      if (!this.#awaitingPong) return;
      this.log.debug('legacy websocket: no pong; closing');
      this.stop();
      this.ws.terminate();
    }, Math.max(1, Math.floor(this.settings.heartbeatMs / 2)));
    timer.unref();
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** `?token=…&session_id=…` from a request URL (URL-decoded; a missing value is undefined). */
function queryOf(req: IncomingMessage): { token: string | undefined; sessionId: string | undefined } {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const token = url.searchParams.get('token') ?? undefined;
  const sessionId = url.searchParams.get('session_id') ?? undefined;
  return { token: token === '' ? undefined : token, sessionId: sessionId === '' ? undefined : sessionId };
}

/** HTTP status for a refused join: a bad token is 401; a broken authenticator or router is the server's fault. */
function refusalStatus(error: unknown): number {
  if (!(error instanceof BridgeJoinError)) return 500;
  if (error.reason === 'wamp.error.authentication_failed' || error.reason === 'wamp.error.timeout' || error.reason === 'wamp.close.lost') return 503;
  return 401;
}

export function createLegacyWebSocket(context: BridgeContext, settings: LegacyWebSocketSettings): LegacyWebSocket {
  const log = context.logger.child({ component: 'legacy-websocket', path: settings.path });
  const slots = new Map<string, Slot>();
  const sockets = new Set<LegacySocket>();
  let anonymous = 0;
  let closing = false;
  const wss = new WebSocketServer({
    noServer: true, clientTracking: false, maxPayload: settings.maxMessageSize, perMessageDeflate: false,
  });

  const expire = (slot: Slot): void => {
    if (slots.get(slot.key) === slot) slots.delete(slot.key);
    slot.dispose();
  };

  function accept(ws: WebSocket, bridge: BridgeSession, sessionId: string | undefined, peer: string): void {
    if (closing) {
      bridge.close();
      ws.close(RESTART, 'Server shutdown');
      return;
    }
    const key = sessionId === undefined ? `\u0001${++anonymous}` : `${bridge.authid}\u0000${sessionId}`;
    let slot = slots.get(key);
    if (slot !== undefined && !slot.bridge.closed) {
      bridge.close(); // the key's own session keeps the tasks submitted before
      slot.socket?.close(NORMAL, `Closing session ${sessionId ?? ''} replaced or timeout`);
    } else {
      slot?.dispose();
      slot = new Slot(key, bridge, settings, log.child({ authid: bridge.authid }), expire);
      slots.set(key, slot);
      const owned = slot;
      bridge.once('closed', (reason) => {
        log.debug({ reason, authid: bridge.authid }, 'legacy websocket: WAMP session ended; closing its socket');
        owned.socket?.close(GOING_AWAY, 'session closed');
        expire(owned);
      });
    }
    const socket = new LegacySocket(ws, slot, settings, log.child({ peer, authid: bridge.authid }));
    sockets.add(socket);
    const held = slot;
    ws.on('error', (err) => { log.debug({ err }, 'legacy websocket error'); });
    ws.on('close', () => {
      socket.stop();
      sockets.delete(socket);
      if (sessionId === undefined) expire(held);
      else held.detach(socket);
    });
    held.attach(socket);
    log.debug({ peer, authid: bridge.authid, sessionId }, 'legacy websocket connected');
  }

  return {
    path: settings.path,
    get connectionCount() {
      return sockets.size;
    },
    handleUpgrade(req, socket, head) {
      if (closing) {
        rejectUpgrade(socket, 503, 'The server is shutting down.\n');
        return;
      }
      const { token, sessionId } = queryOf(req);
      const peer = context.peerOf(req);
      if (token === undefined) {
        rejectUpgrade(socket, 401, 'A token is required: ?token=…\n');
        return;
      }
      context.openSession({ kind: 'token', token }, LEGACY_WS_PROTOCOL, peer).then((bridge) => {
        if (socket.destroyed || closing) {
          bridge.close();
          socket.destroy();
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => { accept(ws, bridge, sessionId, peer); });
      }, (error: unknown) => {
        const status = refusalStatus(error);
        log.info({ peer, status, reason: error instanceof BridgeJoinError ? error.reason : String(error) }, 'legacy websocket refused');
        rejectUpgrade(socket, status, status === 401 ? 'Unauthorized\n' : 'Authentication is unavailable\n');
      });
    },
    async close() {
      closing = true;
      const closed = [...sockets].map((socket) => new Promise<void>((resolve) => {
        if (socket.ws.readyState === WebSocket.CLOSED) {
          resolve();
          return;
        }
        socket.ws.once('close', () => { resolve(); });
        socket.close(RESTART, 'Server shutdown');
        setTimeout(() => { socket.ws.terminate(); resolve(); }, 2000).unref();
      }));
      await Promise.all(closed);
      for (const slot of slots.values()) slot.dispose();
      slots.clear();
      await new Promise<void>((resolve) => { wss.close(() => { resolve(); }); });
    },
  };
}
