/**
 * Start every configured transport listener. On a failure, the listeners already started are
 * closed before the error (e.g. TransportBindError) is rethrown, so nothing is left bound.
 */
import type { TransportConfig } from '../../shared/config/types.ts';
import type { Router } from '../index.ts';
import { startHttpTransport, type HttpTransportDeps, type Listener } from './http-server.ts';
import { startRawSocketTransport, type RawSocketTransportDeps } from './rawsocket.ts';

export type { Listener, HttpTransportDeps } from './http-server.ts';
export type { RawSocketTransportDeps, RawSocketListener } from './rawsocket.ts';
export type TransportDeps = HttpTransportDeps & RawSocketTransportDeps;

export async function startTransports(
  router: Router, transports: readonly TransportConfig[], deps: TransportDeps = {},
): Promise<Listener[]> {
  const listeners: Listener[] = [];
  try {
    for (const transport of transports) {
      listeners.push(transport.type === 'rawsocket'
        ? await startRawSocketTransport(router, transport, deps)
        : await startHttpTransport(router, transport, deps));
    }
  } catch (err) {
    await Promise.all(listeners.map((listener) => listener.close()));
    throw err;
  }
  return listeners;
}
