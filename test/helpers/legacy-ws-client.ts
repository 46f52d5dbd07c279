/**
 * A client of the legacy ASEXOR WebSocket protocol, written from docs/legacy-websocket.md: `ws`
 * with no subprotocol, `?token=…&session_id=…`, JSON text frames, every received message recorded
 * in order, and waits on them. The bench's legacy client (bench/tasks/legacy-client.ts) uses it too,
 * with `onMessage`.
 */
import { WebSocket } from 'ws';

export type LegacyMessage = readonly unknown[];

export class LegacyWsClient {
  readonly ws: WebSocket;
  /** Every message received, in order (unless onMessage is set). */
  readonly messages: LegacyMessage[] = [];
  /** When set, every message goes here instead of `messages` (a load generator keeps nothing). */
  onMessage: ((message: LegacyMessage) => void) | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => { resolve({ code, reason: reason.toString() }); this.#wake(); });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8')) as LegacyMessage;
      if (this.onMessage !== undefined) {
        this.onMessage(message);
        return;
      }
      this.messages.push(message);
      this.#wake();
    });
  }

  /** Opens `ws://…/ws?token=T[&session_id=S]`; rejects with the HTTP status when the upgrade is refused. */
  static connect(
    base: string, token: string | undefined, sessionId?: string, options: { autoPong?: boolean; perMessageDeflate?: boolean } = {},
  ): Promise<LegacyWsClient> {
    const url = new URL(base);
    if (token !== undefined) url.searchParams.set('token', token);
    if (sessionId !== undefined) url.searchParams.set('session_id', sessionId);
    const ws = new WebSocket(url, { autoPong: options.autoPong ?? true, perMessageDeflate: options.perMessageDeflate ?? true });
    return new Promise((resolve, reject) => {
      ws.once('open', () => { resolve(new LegacyWsClient(ws)); });
      ws.once('unexpected-response', (_req, res) => { reject(new HttpRefusal(res.statusCode ?? 0)); ws.terminate(); });
      ws.once('error', reject);
    });
  }

  send(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  call(id: unknown, task: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): void {
    this.send([id, task, { args, kwargs }]);
  }

  /** Messages of call `id`, in order. */
  of(id: unknown): LegacyMessage[] {
    return this.messages.filter((m) => m[1] === id);
  }

  /** Until the call `id` got its `e` or a final `m` (success or error). */
  finished(id: unknown, timeoutMs = 5000): Promise<LegacyMessage[]> {
    return this.until(() => this.of(id).some(isFinal), timeoutMs).then(() => this.of(id));
  }

  async until(done: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => { this.#waiters.push(resolve); setTimeout(resolve, 50); });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    return this.closed;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

export class HttpRefusal extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`upgrade refused with HTTP ${status}`);
    this.status = status;
  }
}

export function isFinal(message: LegacyMessage): boolean {
  if (message[0] === 'e') return true;
  const data = message[2] as { status?: unknown } | undefined;
  return message[0] === 'm' && (data?.status === 'success' || data?.status === 'error');
}
