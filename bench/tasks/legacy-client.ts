/**
 * The benchmark's legacy ASEXOR client, alone in its process (docs/legacy-protocols.md): the JSON
 * WebSocket protocol (`--protocol ws`, `--url ws://…/ws`) or the CBOR raw socket protocol (`--protocol
 * raw`, `--socket PATH`, a Unix socket). At start-up `--warmup` `date` tasks (unmeasured); on `run`,
 * `--n` `date` calls sent at once; a task counts at its final update (`success`; anything else fails
 * the run). Reports tasks ended and the time from the first call to the last final update.
 * Usage (forked by index.ts): legacy-client.ts --protocol ws|raw (--url URL | --socket PATH) --token T --n N [--warmup W]
 */
import { connect as netConnect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { decode as cborDecode, encode as cborEncode } from 'cborg';
import { WebSocket } from 'ws';
import { LegacyFrameDecoder, encodeLegacyFrame } from '../../router/bridges/legacy-raw-framing.ts';
import { serveParent, type Report } from '../router/protocol.ts';
import { DATE_TASK } from './bench-tasks.ts';

const { values } = parseArgs({
  options: {
    protocol: { type: 'string' },
    url: { type: 'string' },
    socket: { type: 'string' },
    token: { type: 'string' },
    n: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '0' },
  },
  strict: true,
});
const n = Number(values.n);
const warmup = Number(values.warmup);
const STARTUP_LIMIT_MS = 60_000;
if (values.token === undefined) throw new Error('--token is required');
const token = values.token;

/** One legacy connection: send a call, hear every answer as a decoded array. */
interface Wire {
  send(message: unknown[]): void;
  onMessage: (message: unknown[]) => void;
  close(): void;
}

function openWebSocket(url: string): Promise<Wire> {
  const target = new URL(url);
  target.searchParams.set('token', token);
  const ws = new WebSocket(target, { perMessageDeflate: false });
  const wire: Wire = {
    send: (message) => { ws.send(JSON.stringify(message)); },
    onMessage: () => undefined,
    close: () => { ws.close(); },
  };
  ws.on('message', (data) => { wire.onMessage(JSON.parse((data as Buffer).toString('utf8')) as unknown[]); });
  return new Promise((resolve, reject) => {
    ws.once('open', () => { resolve(wire); });
    ws.once('error', reject);
  });
}

function openRaw(path: string): Promise<Wire> {
  const socket: Socket = netConnect(path);
  socket.setNoDelay(true);
  const decoder = new LegacyFrameDecoder();
  let handshake: ((ok: boolean) => void) | undefined;
  const wire: Wire = {
    send: (message) => { socket.write(encodeLegacyFrame('data', cborEncode(message))); },
    onMessage: () => undefined,
    close: () => { socket.end(); },
  };
  socket.on('data', (chunk: Buffer) => {
    const { frames, error } = decoder.push(chunk);
    if (error !== undefined) throw error;
    for (const { type, payload } of frames) {
      if (type !== 'data') continue;
      if (handshake !== undefined) {
        const done = handshake;
        handshake = undefined;
        done(payload.length === 1 && payload[0] === 0);
      } else {
        wire.onMessage(cborDecode(payload) as unknown[]);
      }
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      handshake = (ok) => { if (ok) resolve(wire); else reject(new Error('the raw socket refused the token')); };
      socket.write(encodeLegacyFrame('data', Buffer.from(token, 'utf8')));
    });
  });
}

/** Sends `total` date calls at once; resolves when each has its final update, or at `maxMs`. */
function pump(wire: Wire, total: number, maxMs: number): Promise<{ done: number; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let done = 0;
    const timer = setTimeout(() => { resolve({ done, elapsedMs: performance.now() - start }); }, maxMs);
    wire.onMessage = (message) => {
      if (message[0] === 'e') {
        clearTimeout(timer);
        reject(new Error(`a call was refused: ${String(message[2])}`));
        return;
      }
      if (message[0] !== 'm') return;
      const status = (message[2] as { status?: unknown }).status;
      if (status === 'started' || status === 'progress') return;
      if (status !== 'success') {
        clearTimeout(timer);
        reject(new Error(`a task ended with ${String(status)}`));
        return;
      }
      done += 1;
      if (done === total) {
        clearTimeout(timer);
        resolve({ done, elapsedMs: performance.now() - start });
      }
    };
    for (let i = 1; i <= total; i += 1) wire.send([i, DATE_TASK, {}]);
  });
}

let wire: Wire | undefined;

serveParent(
  async () => {
    if (values.protocol === 'ws' && values.url !== undefined) wire = await openWebSocket(values.url);
    else if (values.protocol === 'raw' && values.socket !== undefined) wire = await openRaw(values.socket);
    else throw new Error('expected --protocol ws --url URL or --protocol raw --socket PATH');
    if (warmup > 0) await pump(wire, warmup, STARTUP_LIMIT_MS);
    return { evt: 'ready', sessions: 1 };
  },
  async (command): Promise<Report> => {
    if (command.cmd !== 'run' || wire === undefined) throw new Error(`legacy-client: unsupported command ${command.cmd}`);
    const measured = await pump(wire, n, command.durationMs);
    return { evt: 'result', count: measured.done, elapsedMs: measured.elapsedMs };
  },
  () => {
    wire?.close();
    return Promise.resolve();
  },
);
