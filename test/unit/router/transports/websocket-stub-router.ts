/**
 * A stand-in for the Router in transport-level tests: it records attached peers and what they
 * report, echoes messages back (unless told not to) and answers peer errors the way the router
 * does (ABORT with the error's URI, then close). The sockets under test are real.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocketServiceConfig } from '../../../../shared/config/types.ts';
import type { AppError } from '../../../../shared/errors.ts';
import { silentLogger } from '../../../../shared/logger.ts';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import type { Router } from '../../../../router/index.ts';
import type { CloseInfo, Peer, TransportKind } from '../../../../router/transports/peer.ts';
import type { InternalCall } from '../../../../router/types.ts';
import { createWebSocketService, type WebSocketService, type WebSocketTuning } from '../../../../router/transports/websocket.ts';

export class StubRouter implements Router {
  readonly peers: Peer[] = [];
  readonly errors: AppError[] = [];
  readonly closes: CloseInfo[] = [];
  echo = true;
  readonly call: InternalCall = () => Promise.reject(new Error('no internal calls in transport tests'));

  get sessionCount(): number {
    return this.peers.filter((p) => !p.closed).length;
  }

  readonly messageCounts = { received: [], sent: [] };

  sessionsByTransport(): Record<TransportKind, number> {
    return { websocket: this.sessionCount, rawsocket: 0, longpoll: 0, local: 0 };
  }

  attach(peer: Peer): void {
    this.peers.push(peer);
    peer.on('message', (message) => { if (this.echo) peer.send(message); });
    peer.on('error', (err) => {
      this.errors.push(err);
      peer.send({ type: MessageType.ABORT, details: { message: err.message }, reason: err.uri ?? 'wamp.error.protocol_violation' });
      peer.close();
    });
    peer.on('close', (info) => this.closes.push(info));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The only attached peer; fails the test if there is not exactly one. */
  get peer(): Peer {
    const [peer, ...rest] = this.peers;
    if (peer === undefined || rest.length > 0) throw new Error(`expected one peer, have ${this.peers.length}`);
    return peer;
  }
}

export interface ServiceUnderTest {
  readonly router: StubRouter;
  readonly service: WebSocketService;
  readonly url: string;
  close(): Promise<void>;
}

export const BASE_CONFIG: WebSocketServiceConfig = {
  type: 'websocket',
  path: '/ws',
  serializers: ['json', 'msgpack', 'cbor'],
  options: { maxMessageSize: 64 * 1024, autoPingInterval: 0, autoPingTimeout: 1_000 },
};

/** A WebSocket service on a bare node:http server (127.0.0.1, port 0) with a StubRouter. */
export async function startService(
  config: Partial<WebSocketServiceConfig> = {}, tuning: WebSocketTuning = {},
): Promise<ServiceUnderTest> {
  const router = new StubRouter();
  const service = createWebSocketService(router, { ...BASE_CONFIG, ...config }, silentLogger(), tuning);
  const server: Server = createServer();
  server.on('upgrade', (req, socket, head: Buffer) => { service.handleUpgrade(req, socket, head); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    router,
    service,
    url: `ws://127.0.0.1:${port}/ws`,
    async close() {
      await service.close();
      await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
    },
  };
}
