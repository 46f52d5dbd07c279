/**
 * The web app's connection policy and login helpers (web/src/reconnect.ts, web/src/login.ts) and its
 * display formats (web/src/format.ts): backoff, transport order (long poll after a failed
 * WebSocket), what each ABORT reason tells the user (docs/authentication.md, "Authentication and authorization").
 */
import { expect } from 'chai';
import { DEFAULT_BACKOFF, retryDelay, transportOrder, unreachableMessage, verdict } from '../../../web/src/reconnect.ts';
import { endpoints, isLocalHost, parseSaved } from '../../../web/src/login.ts';
import { formatBytes, formatDuration, formatTime, toBase64 } from '../../../web/src/format.ts';

describe('web app: connection policy and login (web/src/reconnect.ts, web/src/login.ts)', () => {
  it('backs off exponentially up to the maximum, with bounded jitter', () => {
    const mid = (): number => 0.5;
    expect([1, 2, 3, 4].map((r) => retryDelay(r, DEFAULT_BACKOFF, mid))).to.deep.equal([1000, 1800, 3240, 5832]);
    expect(retryDelay(50, DEFAULT_BACKOFF, mid)).to.equal(30_000);
    expect(retryDelay(1, DEFAULT_BACKOFF, () => 0)).to.equal(800);
    expect(retryDelay(1, DEFAULT_BACKOFF, () => 1)).to.equal(1200);
  });

  it('tries WebSocket, then long poll; after a fallback, long poll first', () => {
    expect(transportOrder(['websocket', 'longpoll'], undefined)).to.deep.equal(['websocket', 'longpoll']);
    expect(transportOrder(['websocket', 'longpoll'], 'longpoll')).to.deep.equal(['longpoll', 'websocket']);
    expect(transportOrder(['websocket'], 'longpoll')).to.deep.equal(['websocket']);
  });

  it('tells refusals (stop) from unreachable transports (next one) and lost sessions (reconnect)', () => {
    expect(verdict({ reason: 'closed', wampReason: 'wamp.error.authentication_denied', message: 'nope', joined: false }))
      .to.deep.equal({ kind: 'refused', message: 'Wrong user name or ticket/secret.' });
    expect(verdict({ reason: 'closed', wampReason: 'wamp.error.no_matching_auth_method', joined: false }).kind).to.equal('refused');
    expect(verdict({ reason: 'closed', wampReason: 'com.example.banned', message: 'go away', joined: false }))
      .to.deep.equal({ kind: 'refused', message: 'Login refused (com.example.banned: go away).' });
    expect(verdict({ reason: 'unreachable', wampReason: null, joined: false }).kind).to.equal('next-transport');
    expect(verdict({ reason: 'lost', wampReason: null, joined: false }).kind).to.equal('next-transport');
    expect(verdict({ reason: 'lost', wampReason: null, joined: true })).to.deep.equal({ kind: 'lost', message: 'The connection was lost.' });
    expect(verdict({ reason: 'closed', wampReason: 'wamp.close.killed', joined: true }).kind).to.equal('lost');
    expect(unreachableMessage('ws://h/ws')).to.match(/^Cannot reach the server at ws:\/\/h\/ws/);
  });

  it('pre-fills the demo user on local pages only', () => {
    expect(['localhost', '127.0.0.1', '[::1]'].map(isLocalHost)).to.deep.equal([true, true, true]);
    expect(['example.com', '10.0.0.1', 'localhost.example.com', '127.0.0.2'].map(isLocalHost)).to.deep.equal([false, false, false, false]);
  });

  it('finds /ws and /lp next to the page, ws: or wss: as the page\'s scheme', () => {
    expect(endpoints('http://127.0.0.1:8484/')).to.deep.equal({ wsUrl: 'ws://127.0.0.1:8484/ws', lpUrl: 'http://127.0.0.1:8484/lp' });
    expect(endpoints('https://example.com/asexor/index.html?transport=longpoll#tasks')).to.deep.equal({ wsUrl: 'wss://example.com/asexor/ws', lpUrl: 'https://example.com/asexor/lp' });
  });

  it('reads saved credentials defensively', () => {
    expect(parseSaved(JSON.stringify({ method: 'wampcra', authid: 'carol', secret: 's' }))).to.deep.equal({ method: 'wampcra', authid: 'carol', secret: 's' });
    expect(parseSaved(null)).to.equal(undefined);
    expect(parseSaved('{')).to.equal(undefined);
    expect(parseSaved(JSON.stringify({ method: 'anonymous', authid: 'x', secret: '' }))).to.equal(undefined);
  });
});

describe('web app: display formats (web/src/format.ts)', () => {
  it('formats durations, sizes and times', () => {
    expect([0.0042, 3.21, 42.4, 125, 7260].map(formatDuration)).to.deep.equal(['4 ms', '3.2 s', '42 s', '2 min 5 s', '2 h 1 min']);
    expect([12, 1536, 5 * 1024 * 1024].map(formatBytes)).to.deep.equal(['12 B', '1.5 KiB', '5.0 MiB']);
    const now = new Date(2026, 4, 6, 12, 0, 0);
    expect(formatTime(new Date(2026, 4, 6, 9, 5, 7).toISOString(), now)).to.equal('09:05:07');
    expect(formatTime(new Date(2026, 4, 5, 9, 5, 7).toISOString(), now)).to.equal('2026-05-05 09:05:07');
  });

  it('encodes uploads as standard base64, also past one chunk', () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    expect(toBase64(bytes)).to.equal(Buffer.from(bytes).toString('base64'));
  });
});
