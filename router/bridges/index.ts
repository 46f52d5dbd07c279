/**
 * Starts the legacy ASEXOR protocols that `asexor.legacy` enables (shared/legacy/settings.ts;
 * README, "Legacy ASEXOR clients"): the WebSocket shares the WAMP WebSocket path, the long poll is a
 * path on the same HTTP listener (or its own listener), raw sockets listen on their own endpoints.
 * Every bridged connection authenticates through the auth block of that WAMP WebSocket service, so
 * a legacy token is a WAMP ticket of the same users (docs/legacy-protocols.md, "Tokens").
 */
import type { HttpTransportConfig, RouterConfig, TransportAuthConfig } from '../../shared/config/types.ts';
import { ConfigInvalidError } from '../../shared/errors.ts';
import type { LegacySettings } from '../../shared/legacy/settings.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Router } from '../index.ts';
import type { HttpLegacyMounts } from '../transports/http-server.ts';
import { createBridgeContext, type LegacyListener } from './context.ts';
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
  /** What the HTTP listener mounts (pass as `legacy` in the transport deps); undefined when nothing is. */
  readonly http: HttpLegacyMounts | undefined;
  /** The protocols' own listeners (raw sockets, a long poll on its own port). */
  readonly listeners: readonly LegacyListener[];
  /** Close every legacy connection (WebSocket: 1012) and its WAMP session. */
  close(): Promise<void>;
}

function anyEnabled(settings: LegacySettings): boolean {
  return settings.websocket.enabled || settings.longpoll.enabled || settings.rawsocket.length > 0;
}

/** The HTTP transport holding the WAMP WebSocket service at `path`, and that service's auth block. */
function findWebSocket(config: RouterConfig, path: string): { transport: HttpTransportConfig; auth: TransportAuthConfig | undefined } | undefined {
  for (const transport of config.transports) {
    if (transport.type !== 'http') continue;
    const service = transport.services.find((s) => s.type === 'websocket' && s.path === path);
    if (service?.type === 'websocket') return { transport, auth: service.auth };
  }
  return undefined;
}

export function startLegacyBridges(options: LegacyBridgeOptions): Promise<LegacyBridges> {
  const { settings } = options;
  if (!anyEnabled(settings)) return Promise.resolve({ http: undefined, listeners: [], close: () => Promise.resolve() });
  const found = findWebSocket(options.routerConfig, settings.websocket.path);
  if (found === undefined) {
    return Promise.reject(new ConfigInvalidError(
      `the legacy protocols authenticate like the WAMP WebSocket service at "${settings.websocket.path}", and no web transport has one`,
      '$.asexor.legacy.websocket.path'));
  }
  const context = createBridgeContext({
    router: options.router, realm: options.realm, uriPrefix: options.uriPrefix, auth: found.auth, logger: options.logger,
  });
  const websocket = settings.websocket.enabled ? createLegacyWebSocket(context, settings.websocket) : undefined;
  const closers: (() => Promise<void>)[] = [];
  if (websocket) closers.push(() => websocket.close());
  const listeners: LegacyListener[] = [];
  return Promise.resolve({
    http: { transport: found.transport, ...(websocket ? { plainWebSocket: websocket } : {}), requestRoutes: [] },
    listeners,
    close: async () => {
      await Promise.all([...closers.map((close) => close()), ...listeners.map((listener) => listener.close())]);
    },
  });
}
