/**
 * Trusted reverse proxies (docs/fairness-and-abuse.md, "Behind a reverse proxy"): the router worker's
 * `options.trusted_proxies` (addresses and CIDR ranges) and `options.client_address_header`, asexor
 * extensions. Parsing of one entry lives here so that the config schema and the router
 * (router/auth/client-address.ts) accept exactly the same entries; the mapping copies the resolved
 * setting into every WebSocket and long-poll service, where the transports read it.
 */
import { isIP } from 'node:net';
import type { ClientAddressConfig, TransportConfig, WebServiceConfig } from './types.ts';

export const CLIENT_ADDRESS_HEADERS = ['x-forwarded-for', 'forwarded'] as const;

/** Most entries in `trusted_proxies`. */
export const MAX_TRUSTED_PROXIES = 1000;

export interface ProxyRange {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

export const PROXY_RANGE_EXPECTED = "expected an IP address or a CIDR range such as '127.0.0.1', '10.0.0.0/8' or 'fd00::/8'";

/** '10.0.0.0/8' → that range; '127.0.0.1' → a /32, '::1' → a /128; undefined for anything else. */
export function parseProxyRange(entry: string): ProxyRange | undefined {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const bits = version === 4 ? 32 : 128;
  if (slash === -1) return { address, prefix: bits, family };
  const prefixText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return undefined;
  return { address, prefix: Number(prefixText), family };
}

/** Every WebSocket and long-poll service gets `clientAddress`; nothing changes without trusted proxies. */
export function withClientAddress(transports: readonly TransportConfig[], clientAddress: ClientAddressConfig | undefined): TransportConfig[] {
  if (clientAddress === undefined) return [...transports];
  const apply = (service: WebServiceConfig): WebServiceConfig => {
    if (service.type === 'static') return service;
    if (service.type === 'websocket') return { ...service, options: { ...service.options, clientAddress } };
    return { ...service, options: { ...service.options, clientAddress } };
  };
  return transports.map((t) => (t.type === 'http' ? { ...t, services: t.services.map(apply) } : t));
}
