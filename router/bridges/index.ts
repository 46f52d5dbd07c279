/**
 * Starts the legacy ASEXOR protocols that `asexor.legacy` enables (shared/legacy/settings.ts;
 * docs/legacy-clients.md, "Legacy ASEXOR clients"): the WebSocket shares the WAMP WebSocket path, the long poll is a
 * path on the same HTTP listener (or its own listener), raw sockets listen on their own endpoints.
 * Every bridged connection authenticates through the auth block of that WAMP WebSocket service, so
 * a legacy token is a WAMP ticket of the same users (docs/legacy-protocols.md, "Tokens"), and its
 * client address comes from behind the same trusted proxies (router/auth/client-address.ts).
 */
import type { ClientAddressConfig, HttpTransportConfig, RouterConfig, TransportAuthConfig } from '../../shared/config/types.ts';
import { ConfigInvalidError } from '../../shared/errors.ts';
import type { LegacySettings } from '../../shared/legacy/settings.ts';
import type { Logger } from '../../shared/logger.ts';
import { clientPeerOf } from '../auth/client-address.ts';
import type { Router } from '../index.ts';
import type { HttpLegacyMounts, HttpRouteMount } from '../transports/http-server.ts';
import { createBridgeContext, type LegacyListener } from './context.ts';
import { createLegacyLongPoll } from './legacy-longpoll.ts';
import { startLegacyLongPollListener } from './legacy-longpoll-listener.ts';
import { startLegacyRawSocket } from './legacy-rawsocket.ts';
import { createLegacyWebSocket } from './legacy-websocket.ts';

export interface LegacyBridgeOptions {
  readonly router: Router;
  readonly routerConfig: RouterConfig;
  readonly realm: string;
  readonly uriPrefix: string;
  readonly settings: LegacySettings;
  readonly logger: Logger;
}

export interface LegacyBridges {
  /** The legacy WebSocket on the WAMP path (pass as `legacy` in the transport deps); undefined when off. */
  readonly http: HttpLegacyMounts | undefined;
  /** Request routes for the HTTP listener (the long poll on the web transport; pass in `mounts`). */
  readonly mounts: readonly HttpRouteMount[];
  /** The protocols' own listeners (raw sockets, a long poll on its own port). */
  readonly listeners: readonly LegacyListener[];
  /** Close every legacy connection (WebSocket: 1012) and its WAMP session. */
  close(): Promise<void>;
}

function anyEnabled(settings: LegacySettings): boolean {
  return settings.websocket.enabled || settings.longpoll.enabled || settings.rawsocket.length > 0;
}

/** The HTTP transport holding the WAMP WebSocket service at `path`, and that service's auth block and trusted proxies. */
function findWebSocket(config: RouterConfig, path: string): { transport: HttpTransportConfig; auth: TransportAuthConfig | undefined; clientAddress: ClientAddressConfig | undefined } | undefined {
  for (const transport of config.transports) {
    if (transport.type !== 'http') continue;
    const service = transport.services.find((s) => s.type === 'websocket' && s.path === path);
    if (service?.type === 'websocket') return { transport, auth: service.auth, clientAddress: service.options.clientAddress };
  }
  return undefined;
}

export async function startLegacyBridges(options: LegacyBridgeOptions): Promise<LegacyBridges> {
  const { settings } = options;
  if (!anyEnabled(settings)) return { http: undefined, mounts: [], listeners: [], close: () => Promise.resolve() };
  const found = findWebSocket(options.routerConfig, settings.websocket.path);
  if (found === undefined) {
    throw new ConfigInvalidError(
      `the legacy protocols authenticate like the WAMP WebSocket service at "${settings.websocket.path}", and no web transport has one`,
      '$.asexor.legacy.websocket.path');
  }
  const context = createBridgeContext({
    router: options.router, realm: options.realm, uriPrefix: options.uriPrefix, auth: found.auth, logger: options.logger,
    peerOf: clientPeerOf(found.clientAddress),
  });
  const closers: (() => Promise<void>)[] = [];
  const listeners: LegacyListener[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all([...closers.map((close) => close()), ...listeners.map((listener) => listener.close())]);
  };
  const websocket = settings.websocket.enabled ? createLegacyWebSocket(context, settings.websocket) : undefined;
  if (websocket) closers.push(() => websocket.close());
  const mounts: HttpRouteMount[] = [];
  try {
    if (settings.longpoll.enabled && settings.longpoll.endpoint !== undefined) {
      listeners.push(await startLegacyLongPollListener(context, settings.longpoll));
    } else if (settings.longpoll.enabled) {
      const longpoll = createLegacyLongPoll(context, settings.longpoll);
      closers.push(() => longpoll.close());
      mounts.push({
        transport: found.transport, where: '$.asexor.legacy.longpoll.path',
        route: { path: settings.longpoll.path, prefix: true, handle: (req, res, subpath) => longpoll.handle(req, res, subpath) },
      });
    }
    for (const raw of settings.rawsocket) listeners.push(await startLegacyRawSocket(context, raw));
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    http: websocket ? { transport: found.transport, plainWebSocket: websocket } : undefined,
    mounts,
    listeners,
    close: closeAll,
  };
}
