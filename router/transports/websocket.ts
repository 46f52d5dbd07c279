/**
 * WAMP over WebSocket (spec: basic/building_blocks.md "WebSocket Transport"): a `ws` server in
 * noServer mode mounted on the shared HTTP listener (http-server.ts). It negotiates the
 * wamp.2.* subprotocol, wraps each connection in a WebSocketPeer and hands it to `router.attach`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../shared/logger.ts';
import type { WebSocketServiceConfig } from '../../shared/config/types.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';
import { WEBSOCKET_SUBPROTOCOLS, subprotocolFor } from '../../shared/serializers/index.ts';
import type { Router, AttachOptions } from '../index.ts';
import type { TransportDetails } from './peer.ts';
import { rejectUpgrade } from './http-reply.ts';
import { LogLimiter } from './log-limiter.ts';
import { originPolicy } from './origin-policy.ts';
import { peerAddress } from './peer-address.ts';
import { clientPeerOf } from '../auth/client-address.ts';
import {
  CloseCode, WEBSOCKET_TUNING_DEFAULTS, WebSocketPeer, type WebSocketTuning,
} from './websocket-peer.ts';

export { WebSocketPeer, WEBSOCKET_TUNING_DEFAULTS, CloseCode, type WebSocketTuning } from './websocket-peer.ts';

export interface WebSocketService {
  /** The URL path this service is mounted at. */
  readonly path: string;
  /** Take over an HTTP upgrade request (node:http 'upgrade' event) routed to this path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Close every connection with 1001 'going away' and refuse new ones; resolves once all are gone. */
  close(): Promise<void>;
  readonly connectionCount: number;
}

/**
 * The subprotocol to speak: the first one in the client's offer that one of our configured
 * serializers implements. We follow the client's order (as RFC 6455 §4.2.2 lets the server pick
 * any): the client knows its own costs (a browser's JSON.parse is fast, a constrained client may
 * only want CBOR), and autobahn-js and wampy list their preference first.
 */
export function pickSubprotocol(offered: Iterable<string>, serializers: readonly SerializerId[]): string | undefined {
  const supported = new Set(serializers.map(subprotocolFor));
  for (const protocol of offered) if (supported.has(protocol)) return protocol;
  return undefined;
}

/** `Sec-WebSocket-Protocol: a, b` → ['a', 'b'] (RFC 6455 §11.3.4). */
export function parseSubprotocols(header: string | undefined): string[] {
  return (header ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Takes over upgrades that offer no subprotocol at all (the legacy ASEXOR WebSocket, router/bridges/). */
export interface PlainUpgradeHandler {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export function createWebSocketService(
  router: Router, config: WebSocketServiceConfig, logger: Logger, tuning: WebSocketTuning = {}, plain?: PlainUpgradeHandler,
): WebSocketService {
  const resolved = { ...WEBSOCKET_TUNING_DEFAULTS, ...tuning };
  const log = logger.child({ component: 'websocket', path: config.path });
  const offer = config.serializers.map(subprotocolFor).join(', ');
  const attachOptions: AttachOptions = config.auth ? { auth: config.auth } : {};
  const peers = new Set<WebSocketPeer>();
  const originAllowed = originPolicy(config.options.allowedOrigins, config.options.allowNullOrigin);
  const refusedOrigins = new LogLimiter();
  const clientPeer = clientPeerOf(config.options.clientAddress); // behind a trusted reverse proxy: the forwarded client
  let closing = false;
  let closed: Promise<void> | undefined;
  const wss = new WebSocketServer({
    WebSocket: withCloseReasons(config.options.maxMessageSize),
    noServer: true,
    clientTracking: false,
    maxPayload: config.options.maxMessageSize,
    perMessageDeflate: false,
    handleProtocols: (offered) => pickSubprotocol(offered, config.serializers) ?? false,
  });

  function accept(ws: WebSocket, req: IncomingMessage, socket: Duplex): void {
    const serializer = WEBSOCKET_SUBPROTOCOLS[ws.protocol];
    if (serializer === undefined) { // unreachable: handleUpgrade checked the offer
      ws.terminate();
      return;
    }
    const details: TransportDetails = {
      kind: 'websocket',
      serializer: serializer.id,
      protocol: ws.protocol,
      // No copy of the request's headers: nothing reads them, and they cost 1-2 KB per session (docs/router-memory.md).
      peer: clientPeer(req),
    };
    const peer = new WebSocketPeer({
      ws,
      socket,
      serializer,
      details,
      logger: log,
      logBindings: { peer: details.peer, protocol: ws.protocol }, // the child logger is made on first use
      keepAlive: { intervalMs: config.options.autoPingInterval, timeoutMs: config.options.autoPingTimeout },
      tuning: resolved,
    });
    peers.add(peer);
    void peer.ended.then(() => peers.delete(peer));
    if (closing) { // the handshake finished while close() was running
      peer.close({ code: CloseCode.goingAway, reason: 'going away' });
      return;
    }
    log.debug({ peer: details.peer, protocol: ws.protocol }, 'websocket connection open');
    try {
      router.attach(peer, attachOptions);
    } catch (err) {
      log.error({ err }, 'router.attach threw');
      peer.close({ code: CloseCode.internalError, reason: 'internal error' });
    }
  }

  return {
    path: config.path,
    get connectionCount() {
      return peers.size;
    },
    handleUpgrade(req, socket, head) {
      if (closing) {
        rejectUpgrade(socket, 503, 'The server is shutting down.\n');
        return;
      }
      // Crossbar's allowed_origins: a page of another site must not open a session with the browser
      // user's cookies (cross-site WebSocket hijacking). Checked first: it covers the legacy protocol too.
      const origin = req.headers.origin;
      if (!originAllowed(origin)) {
        const fields = { peer: peerAddress(req), origin: origin?.slice(0, 200) };
        log.debug(fields, 'websocket upgrade from an origin that is not allowed refused');
        refusedOrigins.warn(log, fields, 'websocket upgrades from origins that are not allowed refused (allowed_origins)');
        rejectUpgrade(socket, 403, 'This origin is not allowed to open a WebSocket here (allowed_origins).\n');
        return;
      }
      const offered = parseSubprotocols(req.headers['sec-websocket-protocol']);
      if (offered.length === 0 && plain !== undefined) {
        // No subprotocol offered at all: not WAMP, but the legacy protocol sharing this path (docs/legacy-clients.md, "Legacy ASEXOR clients").
        plain.handleUpgrade(req, socket, head);
        return;
      }
      // spec: basic/building_blocks.md "WebSocket Transport": WAMP MUST be negotiated as a subprotocol
      // (Crossbar: require_websocket_subprotocol). ws would accept a handshake without one, so refuse here.
      if (pickSubprotocol(offered, config.serializers) === undefined) {
        log.debug({ peer: peerAddress(req), offered }, 'websocket handshake without a supported WAMP subprotocol refused');
        rejectUpgrade(socket, 400,
          `This is a WAMP WebSocket endpoint: offer one of these subprotocols in Sec-WebSocket-Protocol: ${offer}.\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => { accept(ws, req, socket); });
    },
    close() {
      closed ??= (async () => {
        closing = true;
        await Promise.all([...peers].map((peer) => {
          peer.close({ code: CloseCode.goingAway, reason: 'going away' });
          return peer.ended;
        }));
        await new Promise<void>((resolve) => { wss.close(() => { resolve(); }); });
      })();
      return closed;
    },
  };
}

/**
 * ws closes on its own when a client breaks a rule (1009 above maxPayload, 1007 bad UTF-8, 1002 bad
 * framing) but sends no reason text; this subclass (ws's documented `WebSocket` option) adds one so
 * the client learns why.
 */
function withCloseReasons(maxMessageSize: number): typeof WebSocket {
  const reasons: Readonly<Record<number, string>> = {
    [CloseCode.protocolError]: 'websocket protocol error',
    [CloseCode.invalidPayload]: 'invalid UTF-8 in a text message',
    [CloseCode.messageTooBig]: `message too big (limit ${maxMessageSize} bytes)`,
  };
  return class WampWebSocket extends WebSocket {
    override close(code?: number, data?: string | Buffer): void {
      super.close(code, data ?? (code === undefined ? undefined : reasons[code]));
    }
  };
}
