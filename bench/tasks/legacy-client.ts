/**
 * The benchmark's legacy ASEXOR client, alone in its process (docs/legacy-protocols.md), on the test
 * clients' connections (test/helpers/legacy-ws-client.ts, legacy-raw-client.ts): the JSON
 * WebSocket protocol (`--protocol ws`, `--url ws://…/ws`) or the CBOR raw socket protocol (`--protocol
 * raw`, `--socket PATH`, a Unix socket). At start-up `--warmup` `date` tasks (unmeasured); on `run`,
 * `--n` `date` calls sent at once; a task counts at its final update (`success`; anything else fails
 * the run). Reports tasks ended and the time from the first call to the last final update.
 * Usage (forked by index.ts): legacy-client.ts --protocol ws|raw (--url URL | --socket PATH) --token T --n N [--warmup W]
 */
import { parseArgs } from 'node:util';
import { encode as cborEncode } from 'cborg';
import { LegacyRawClient, rawFrame } from '../../test/helpers/legacy-raw-client.ts';
import { LegacyWsClient } from '../../test/helpers/legacy-ws-client.ts';
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
  close(): Promise<unknown>;
}

async function openWebSocket(url: string): Promise<Wire> {
  const client = await LegacyWsClient.connect(url, token, undefined, { perMessageDeflate: false });
  const wire: Wire = {
    send: (message) => { client.send(message); },
    onMessage: () => undefined,
    close: () => client.close(),
  };
  client.onMessage = (message) => { wire.onMessage(message as unknown[]); };
  return wire;
}

async function openRaw(path: string): Promise<Wire> {
  const client = await LegacyRawClient.login({ path }, token);
  const wire: Wire = {
    send: (message) => { client.write(rawFrame('data', cborEncode(message))); },
    onMessage: () => undefined,
    close: () => client.close(),
  };
  client.onAnswer = (answer) => { wire.onMessage(answer as unknown[]); };
  return wire;
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
  async () => {
    await wire?.close();
  },
);
