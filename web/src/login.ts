/** Login helpers, pure: where the server is, and when the demo user may be pre-filled. */

export interface Credentials {
  readonly method: 'ticket' | 'wampcra';
  readonly authid: string;
  readonly secret: string;
}

/** The demo user of `npm start` (README, "Quick start"); pre-filled only on a local page. */
export const DEMO: Credentials = { method: 'ticket', authid: 'demo', secret: 'demo-ticket' };

export function isLocalHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]' || hostname === '::1';
}

/** The WAMP endpoints next to the page: `/ws` (WebSocket) and `/lp` (long poll), relative to its folder. */
export function endpoints(pageUrl: string): { wsUrl: string; lpUrl: string } {
  const ws = new URL('ws', pageUrl);
  ws.protocol = ws.protocol === 'https:' ? 'wss:' : 'ws:';
  ws.search = '';
  ws.hash = '';
  const lp = new URL('lp', pageUrl);
  lp.search = '';
  lp.hash = '';
  return { wsUrl: ws.href, lpUrl: lp.href };
}

/** Credentials kept in sessionStorage (this tab only) so a reload stays logged in; undefined if absent or malformed. */
export function parseSaved(text: string | null): Credentials | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { method, authid, secret } = value as Record<string, unknown>;
    if ((method !== 'ticket' && method !== 'wampcra') || typeof authid !== 'string' || typeof secret !== 'string') return undefined;
    return { method, authid, secret };
  } catch {
    return undefined;
  }
}
