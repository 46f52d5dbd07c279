/**
 * Crossbar-style peer strings and header records for TransportDetails, shared by the socket and
 * HTTP-based transports (websocket.ts, rawsocket.ts, longpoll.ts).
 */
import type { IncomingMessage } from 'node:http';

interface RemoteEnd {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly remoteFamily?: string | undefined;
}

/** 'tcp4:127.0.0.1:53122' or 'tcp6:::1:53122'; `noAddress` when the socket has no remote address (e.g. a unix socket). */
export function socketAddress(socket: RemoteEnd, noAddress: string): string {
  const { remoteAddress, remotePort, remoteFamily } = socket;
  if (remoteAddress === undefined) return noAddress;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (mapped?.[1] !== undefined) return `tcp4:${mapped[1]}:${remotePort ?? 0}`;
  return `${remoteFamily === 'IPv6' ? 'tcp6' : 'tcp4'}:${remoteAddress}:${remotePort ?? 0}`;
}

/** Crossbar's peer string for an HTTP request: 'tcp4:127.0.0.1:53122' or 'tcp6:::1:53122'. */
export function peerAddress(req: IncomingMessage): string {
  return socketAddress(req.socket, 'unknown');
}
