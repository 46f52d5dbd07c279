/**
 * LISTEN/NOTIFY wake-ups of the PostgreSQL queue store (docs/queue-store.md, "Wake-ups"): one
 * dedicated connection listens on the schema's two channels, `<schema>_work` (a task may be claimable:
 * admitted, re-queued, or a user's slot freed) and `<schema>_cancel` (payload `{"taskId","worker"}`: a
 * running task is to be stopped by the worker that runs it). A lost connection is logged, reconnected
 * after `retryMs`, and answered with a `work` wake-up, since notifications sent meanwhile are lost.
 */
import pg from 'pg';
import type { Logger } from '../../shared/logger.ts';
import type { Wake } from './queue-store.ts';

export interface WakeChannels {
  readonly work: string;
  readonly cancel: string;
}

export function wakeChannels(schema: string): WakeChannels {
  return { work: `${schema}_work`, cancel: `${schema}_cancel` };
}

function parseCancel(payload: string | undefined): Wake | undefined {
  try {
    const value = JSON.parse(payload ?? '') as { taskId?: unknown; worker?: unknown };
    if (typeof value.taskId === 'string' && typeof value.worker === 'string') return { kind: 'cancel', taskId: value.taskId, worker: value.worker };
  } catch { /* ignored below */ }
  return undefined;
}

export class WakeListener {
  readonly #config: pg.ClientConfig;
  readonly #channels: WakeChannels;
  readonly #log: Logger;
  readonly #retryMs: number;
  readonly #listeners = new Set<(wake: Wake) => void>();
  #client: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  /** Failed reconnection attempts since the connection was lost. */
  #failures = 0;

  constructor(config: pg.ClientConfig, channels: WakeChannels, logger: Logger, retryMs: number) {
    this.#config = config;
    this.#channels = channels;
    this.#log = logger;
    this.#retryMs = retryMs;
  }

  /** Connects and listens; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.#connect();
  }

  add(listener: (wake: Wake) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on('notification', (message) => { this.#notified(message.channel, message.payload); });
    client.on('error', (error) => { this.#lost(client, error); });
    await client.connect();
    try {
      await client.query(`LISTEN ${this.#channels.work}`);
      await client.query(`LISTEN ${this.#channels.cancel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    this.#log.warn({ err: error }, 'queue store: the wake-up connection was lost; reconnecting');
    void client.end().catch(() => undefined);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect().then(() => {
        this.#log.info({ attempts: this.#failures + 1 }, 'queue store: the wake-up connection is back');
        this.#failures = 0;
        this.#dispatch({ kind: 'work' });
      }, (error: unknown) => {
        // Said at the first failure and then once a minute or so, not at every attempt of a long outage.
        if (this.#failures % Math.max(1, Math.round(60_000 / this.#retryMs)) === 0) {
          this.#log.warn({ err: error, attempts: this.#failures + 1 }, 'queue store: reconnecting the wake-up connection failed; retrying');
        }
        this.#failures += 1;
        this.#scheduleRetry();
      });
    }, this.#retryMs);
  }

  #notified(channel: string, payload: string | undefined): void {
    if (channel === this.#channels.work) this.#dispatch({ kind: 'work' });
    else if (channel === this.#channels.cancel) {
      const wake = parseCancel(payload);
      if (wake === undefined) this.#log.warn({ payload }, 'queue store: malformed cancel notification ignored');
      else this.#dispatch(wake);
    }
  }

  #dispatch(wake: Wake): void {
    for (const listener of this.#listeners) {
      try {
        listener(wake);
      } catch (error) {
        this.#log.error({ err: error }, 'queue store: wake-up listener threw');
      }
    }
  }
}
