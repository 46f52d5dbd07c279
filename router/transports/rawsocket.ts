/**
 * WAMP over RawSocket on TCP or a Unix socket (spec: advanced/transport_rawsocket.md): one
 * net.Server per `rawsocket` transport. Each connection first sends its 4-octet handshake; we
 * answer with our length limit and its serializer (or an error reply), then wrap it in a
 * RawSocketPeer and hand it to `router.attach`. Octets and frames: rawsocket-codec.ts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { RawSocketTransportConfig } from '../../shared/config/types.ts';
import { serializerById } from '../../shared/serializers/index.ts';
import { TransportBindError } from '../../shared/errors.ts';
import type { AttachOptions, Router } from '../index.ts';
import type { Listener } from './http-server.ts';
import type { TransportDetails } from './peer.ts';
import {
  HANDSHAKE_LENGTH, HandshakeError, buildHandshakeError, buildHandshakeReply, lengthExponentFor, maxLengthOf,
  negotiateHandshake,
} from './rawsocket-codec.ts';
import { RAWSOCKET_TUNING_DEFAULTS, RawSocketPeer, type RawSocketTuning, type ResolvedRawSocketTuning } from './rawsocket-peer.ts';
import { prepareUnixPath, removeUnixPath } from './unix-socket-path.ts';
import { LogLimiter } from './log-limiter.ts';
import { socketAddress } from './peer-address.ts';

export { RawSocketPeer, RAWSOCKET_TUNING_DEFAULTS, type RawSocketTuning } from './rawsocket-peer.ts';

export interface RawSocketTransportDeps {
  /** @default silentLogger() */
  readonly logger?: Logger;
  /** Handshake timeout, backpressure and close limits (defaults: RAWSOCKET_TUNING_DEFAULTS). */
  readonly rawsocket?: RawSocketTuning;
}

/** http-server's Listener shape; a Unix listener reports `{ host: <socket path>, port: 0 }`. */
export interface RawSocketListener extends Listener {
  readonly endpoint: { readonly type: 'tcp'; readonly host: string; readonly port: number } | { readonly type: 'unix'; readonly path: string };
  /** Connections past the handshake (what `maxConnections` limits). */
  readonly connectionCount: number;
}

export async function startRawSocketTransport(
  router: Router, config: RawSocketTransportConfig, deps: RawSocketTransportDeps = {},
): Promise<RawSocketListener> {
  const tuning: ResolvedRawSocketTuning = { ...RAWSOCKET_TUNING_DEFAULTS, ...deps.rawsocket };
  const where = config.endpoint.type === 'tcp' ? `${config.endpoint.interface}:${config.endpoint.port}` : config.endpoint.path;
  const log = (deps.logger ?? silentLogger()).child({ component: 'rawsocket', endpoint: where });
  const lengthExponent = lengthExponentFor(config.options.maxMessageSize);
  const maxLength = maxLengthOf(lengthExponent);
  const attachOptions: AttachOptions = config.auth ? { auth: config.auth } : {};
  const sockets = new Set<Socket>();
  const peers = new Set<RawSocketPeer>();
  const peerSockets = new WeakSet<Socket>();
  let closing = false;
  // Per-connection client faults are logged at debug (a port scan must not flood the log); refusals at
  // the connection limit concern the operator: warn, at most once a minute, with a count.
  const atLimit = new LogLimiter();

  function refuse(socket: Socket, error: HandshakeError, reason: string): void {
    log.debug({ peer: peerAddress(socket), error, reason }, 'rawsocket handshake refused');
    if (error === HandshakeError.maxConnectionCount) {
      atLimit.warn(log, { maxConnections: config.options.maxConnections }, 'rawsocket connections refused at the connection limit');
    }
    socket.end(buildHandshakeError(error));
    socket.resume(); // read and discard whatever else the client sends until it closes
    const timer = setTimeout(() => { socket.destroy(); }, tuning.closeTimeoutMs);
    socket.once('close', () => { clearTimeout(timer); });
  }

  function handshake(socket: Socket, request: Buffer, rest: Buffer): void {
    const outcome = negotiateHandshake(request, config.serializers);
    if (outcome.kind === 'fail') {
      log.debug({ peer: peerAddress(socket), reason: outcome.reason }, 'not a rawsocket client; connection dropped');
      socket.destroy();
      return;
    }
    if (outcome.kind === 'refuse') {
      refuse(socket, outcome.error, outcome.reason);
      return;
    }
    if (peers.size >= config.options.maxConnections) {
      refuse(socket, HandshakeError.maxConnectionCount, `${peers.size} connections (the limit)`);
      return;
    }
    socket.write(buildHandshakeReply(lengthExponent, outcome.serializer));
    const details: TransportDetails = { kind: 'rawsocket', serializer: outcome.serializer, peer: peerAddress(socket) };
    const peer = new RawSocketPeer({
      socket,
      serializer: serializerById(outcome.serializer),
      details,
      logger: log,
      logBindings: { peer: details.peer, serializer: outcome.serializer }, // the child logger is made on first use
      maxLength,
      clientMaxLength: outcome.clientMaxLength,
      tuning,
    });
    peers.add(peer);
    peerSockets.add(socket);
    void peer.ended.then(() => peers.delete(peer));
    log.debug({ peer: details.peer, serializer: outcome.serializer, clientMaxLength: outcome.clientMaxLength }, 'rawsocket connection open');
    try {
      router.attach(peer, attachOptions);
    } catch (err) {
      log.error({ err }, 'router.attach threw');
      peer.close({ reason: 'internal error' });
      return;
    }
    if (rest.length > 0) peer.receive(rest); // frames that came in the same read as the handshake
  }

  function accept(socket: Socket): void {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', (err: Error & { code?: string }) => { log.debug({ err: { code: err.code, message: err.message } }, 'socket error'); });
    const timer = setTimeout(() => {
      log.debug({ peer: peerAddress(socket), timeoutMs: tuning.handshakeTimeoutMs }, 'no rawsocket handshake in time; connection dropped');
      socket.destroy();
    }, tuning.handshakeTimeoutMs);
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (head.length < HANDSHAKE_LENGTH) return;
      clearTimeout(timer);
      socket.off('data', onData);
      handshake(socket, head.subarray(0, HANDSHAKE_LENGTH), head.subarray(HANDSHAKE_LENGTH));
    };
    socket.on('data', onData);
    socket.once('close', () => { clearTimeout(timer); });
  }

  const server = createServer({ noDelay: true }, accept); // small WAMP messages: latency matters (no-op on Unix sockets)
  const bound = await listen(server, config);
  server.on('error', (err) => { log.error({ err }, 'rawsocket server error'); });
  log.info({ ...bound, serializers: config.serializers, maxLength }, 'rawsocket transport listening');

  let closed: Promise<void> | undefined;
  const address = bound.type === 'tcp' ? { host: bound.host, port: bound.port } : { host: bound.path, port: 0 };
  return {
    address,
    endpoint: bound,
    get connectionCount() {
      return peers.size;
    },
    url() {
      return bound.type === 'tcp' ? `rs://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}` : `rs://unix:${bound.path}`;
    },
    close() {
      closed ??= (async () => {
        closing = true;
        const serverClosed = new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
        // Sockets still in (or refused at) the handshake have no session to end: drop them now.
        for (const socket of sockets) if (!peerSockets.has(socket)) socket.destroy();
        await Promise.all([...peers].map((peer) => {
          peer.close({ reason: 'going away' });
          return peer.ended;
        }));
        await serverClosed;
        if (bound.type === 'unix') await removeUnixPath(bound.path);
        log.info(bound, 'rawsocket transport closed');
      })();
      return closed;
    },
  };
}

type BoundEndpoint = RawSocketListener['endpoint'];

async function listen(server: Server, config: RawSocketTransportConfig): Promise<BoundEndpoint> {
  const { endpoint } = config;
  const what = endpoint.type === 'tcp' ? `${endpoint.interface}:${endpoint.port}` : endpoint.path;
  if (endpoint.type === 'unix') await prepareUnixPath(endpoint.path);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new TransportBindError(`cannot listen on ${what}: ${err.message}`, { cause: err }));
    };
    server.once('error', onError);
    const done = (): void => {
      server.off('error', onError);
      resolve();
    };
    if (endpoint.type === 'tcp') server.listen(endpoint.port, endpoint.interface, done);
    else server.listen(endpoint.path, done);
  });
  if (endpoint.type === 'unix') return { type: 'unix', path: endpoint.path };
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : endpoint.port;
  return { type: 'tcp', host: endpoint.interface, port };
}

/** Crossbar's peer string: 'tcp4:127.0.0.1:53122', 'tcp6:::1:53122' or 'unix'. */
function peerAddress(socket: Socket): string {
  return socketAddress(socket, 'unix');
}
