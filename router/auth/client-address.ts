/**
 * The client's address of an HTTP request (a WebSocket upgrade, a long-poll request) when asexor runs
 * behind a reverse proxy (docs/fairness-and-abuse.md, "Behind a reverse proxy"). Only when the socket's
 * peer is a trusted proxy is the forwarding header read: the client is the rightmost hop that is not a
 * trusted proxy (a client's own hops are on the left, where it may write anything). A direct client's
 * header is ignored, so it cannot choose its address. The result is the transport's peer string
 * (`tcp4:203.0.113.7:0`, port 0 when the header gives none), used by the login throttle
 * (login-throttle.ts), the session details and the logs. Without trusted proxies it is the socket's peer.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { ClientAddressConfig } from '../../shared/config/types.ts';
import { PROXY_RANGE_EXPECTED, parseProxyRange } from '../../shared/config/trusted-proxies.ts';
import { ConfigInvalidError } from '../../shared/errors.ts';
import { peerAddress } from '../transports/peer-address.ts';

/** The peer string of a request. */
export type PeerOf = (req: IncomingMessage) => string;

/** Hops read from the right of the header; a longer chain ends at the last one read. */
const MAX_HOPS = 32;

interface Hop {
  readonly ip: string;
  readonly port: number;
}

/** '::ffff:10.0.0.1' → '10.0.0.1' (a dual-stack socket's IPv4 peer). */
function unmapped(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped?.[1] ?? ip;
}

/** '203.0.113.7', '203.0.113.7:4711', '2001:db8::1', '[2001:db8::1]', '[2001:db8::1]:4711'; undefined otherwise ('unknown', '_hidden'). */
export function parseHop(text: string): Hop | undefined {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(value);
  const [ip, port] = bracketed ? [bracketed[1] ?? '', bracketed[2]] : withPort ? [withPort[1] ?? '', withPort[2]] : [value, undefined];
  if (isIP(ip) === 0) return undefined;
  const portNumber = port === undefined ? 0 : Number(port);
  return portNumber <= 65535 ? { ip: unmapped(ip), port: portNumber } : undefined;
}

/** `X-Forwarded-For: client, proxy1, proxy2` (several headers are joined by node:http) → hops, left to right. */
function forwardedForHops(header: string): (Hop | undefined)[] {
  return header.split(',').slice(-MAX_HOPS).map(parseHop);
}

/** `Forwarded: for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711"` → the `for` of each element. */
function forwardedHops(header: string): (Hop | undefined)[] {
  return header.split(',').slice(-MAX_HOPS).map((element) => {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
      return parseHop(pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    }
    return undefined;
  });
}

/** The rightmost hop that is not trusted; every hop trusted: the leftmost; an unreadable hop ends the walk at the one right of it. */
function clientHop(hops: readonly (Hop | undefined)[], trusted: (ip: string) => boolean): Hop | undefined {
  let client: Hop | undefined;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (hop === undefined) break; // nothing left of an unreadable hop can be believed
    client = hop;
    if (!trusted(hop.ip)) break;
  }
  return client;
}

/** The trusted ranges as a BlockList; a bad entry is a ConfigInvalidError naming it. */
function trustedList(entries: readonly string[], where: string): BlockList {
  const list = new BlockList();
  entries.forEach((entry, i) => {
    const range = parseProxyRange(entry);
    if (range === undefined) throw new ConfigInvalidError(`${PROXY_RANGE_EXPECTED}, got ${JSON.stringify(entry)}`, `${where}[${i}]`);
    list.addSubnet(range.address, range.prefix, range.family);
  });
  return list;
}

/**
 * The request → peer string function of a service: `peerAddress` without trusted proxies, else the
 * forwarded client when the socket's peer is trusted. Checks the setting (ConfigInvalidError).
 */
export function clientPeerOf(config: ClientAddressConfig | undefined, where = 'clientAddress.trustedProxies'): PeerOf {
  if (config === undefined || config.trustedProxies.length === 0) return peerAddress;
  const list = trustedList(config.trustedProxies, where);
  const trusted = (ip: string): boolean => {
    const version = isIP(ip);
    return version !== 0 && list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
  };
  const headerName = config.header;
  return (req) => {
    const direct = req.socket.remoteAddress;
    if (direct === undefined || !trusted(unmapped(direct))) return peerAddress(req);
    const header = req.headers[headerName];
    const text = Array.isArray(header) ? header.join(',') : header;
    if (text === undefined || text === '') return peerAddress(req);
    const hop = clientHop(headerName === 'forwarded' ? forwardedHops(text) : forwardedForHops(text), trusted);
    if (hop === undefined) return peerAddress(req);
    return `${isIP(hop.ip) === 4 ? 'tcp4' : 'tcp6'}:${hop.ip}:${hop.port}`;
  };
}
