/**
 * How `asexor run` shows a task's status events on stderr (stdout carries only the result): on a
 * terminal, one live line with a progress bar, redrawn in place; otherwise one plain line per event.
 */
const BAR_WIDTH = 30;
const CLEAR_LINE = '\r\u001b[2K';

export interface StatusLike {
  readonly task_id?: unknown;
  readonly task?: unknown;
  readonly status?: unknown;
  readonly progress?: unknown;
  readonly message?: unknown;
}

/** `[#########.....................]  30%` */
export function progressBar(fraction: number, width = BAR_WIDTH): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(clamped * 100)).padStart(3)}%`;
}

/** One plain line for an event: `started`, `progress  42% converting a.md`. */
export function plainLine(event: StatusLike): string {
  const status = String(event.status);
  const message = typeof event.message === 'string' ? ` ${event.message}` : '';
  switch (status) {
    case 'queued': return `queued ${String(event.task)} (task id ${String(event.task_id)})`;
    case 'progress': return `progress ${String(Math.round(Number(event.progress) * 100)).padStart(3)}%${message}`;
    default: return `${status}${message}`;
  }
}

export class ProgressView {
  readonly #out: NodeJS.WritableStream;
  readonly #live: boolean;
  #drawn = false;

  constructor(out: NodeJS.WritableStream, live: boolean) {
    this.#out = out;
    this.#live = live;
  }

  show(event: StatusLike): void {
    if (!this.#live) {
      this.#out.write(`${plainLine(event)}\n`);
      return;
    }
    const task = String(event.task);
    const text = event.status === 'progress'
      ? `${task} ${progressBar(Number(event.progress))}${typeof event.message === 'string' ? ` ${event.message}` : ''}`
      : `${task} ${event.status === 'started' ? progressBar(0) : String(event.status)}`;
    const reported = (this.#out as { columns?: number }).columns ?? 0;
    const columns = reported > 0 ? reported : 80;
    this.#out.write(`${CLEAR_LINE}${text.slice(0, Math.max(10, columns - 1))}`);
    this.#drawn = true;
  }

  /** Removes the live line (before the result or an error is printed). */
  finish(): void {
    if (this.#live && this.#drawn) this.#out.write(CLEAR_LINE);
    this.#drawn = false;
  }
}
