/**
 * How `asexor run` shows a task's status events on stderr (stdout carries only the result):
 * - on a terminal, first one line with the task id (so that `asexor status ID` / `asexor cancel ID`
 *   can be used from another terminal), then one live line redrawn in place: a progress bar once the
 *   task reports progress, else the time it has been waiting or running, ticking every TICK_MS;
 * - otherwise one plain line per event (the `queued` line carries the task id).
 */
const BAR_WIDTH = 30;
const CLEAR_LINE = '\r\u001b[2K';
const TICK_MS = 200;
const SPINNER = ['|', '/', '-', '\\'] as const;

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

/** `2.4s`, `1m05s` */
export function elapsedText(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

/** The live line of a task that reported no progress yet: `sleep | running 2.4s`. */
export function waitingLine(task: string, status: string, elapsedMs: number, tick: number): string {
  const spinner = SPINNER[tick % SPINNER.length] ?? '';
  return `${task} ${spinner} ${status === 'started' ? 'running' : status} ${elapsedText(elapsedMs)}`;
}

export interface ProgressViewOptions {
  /** @default Date.now */
  readonly now?: () => number;
  /** Redraw period of the live line while no progress is reported; 0 = no timer. @default TICK_MS */
  readonly tickMs?: number;
}

export class ProgressView {
  readonly #out: NodeJS.WritableStream;
  readonly #live: boolean;
  readonly #now: () => number;
  readonly #tickMs: number;
  #drawn = false;
  #idShown = false;
  #last: StatusLike | undefined;
  /** When the current status began (queued or started). */
  #since = 0;
  #ticks = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WritableStream, live: boolean, options: ProgressViewOptions = {}) {
    this.#out = out;
    this.#live = live;
    this.#now = options.now ?? Date.now;
    this.#tickMs = options.tickMs ?? TICK_MS;
  }

  show(event: StatusLike): void {
    if (!this.#live) {
      this.#out.write(`${plainLine(event)}\n`);
      return;
    }
    if (!this.#idShown && typeof event.task_id === 'string') {
      this.#idShown = true;
      this.#clear();
      this.#out.write(`task ${event.task_id} (asexor status ${event.task_id} / asexor cancel ${event.task_id})\n`);
    }
    if (event.status !== this.#last?.status && event.status !== 'progress') this.#since = this.#now();
    this.#last = event;
    this.#draw();
    if (event.status === 'progress') this.#stopTimer();
    else this.#startTimer();
  }

  /** Removes the live line (before the result or an error is printed). */
  finish(): void {
    this.#stopTimer();
    this.#clear();
  }

  #draw(): void {
    const event = this.#last;
    if (event === undefined) return;
    const task = String(event.task);
    const text = event.status === 'progress'
      ? `${task} ${progressBar(Number(event.progress))}${typeof event.message === 'string' ? ` ${event.message}` : ''}`
      : waitingLine(task, String(event.status), this.#now() - this.#since, this.#ticks);
    const reported = (this.#out as { columns?: number }).columns ?? 0;
    const columns = reported > 0 ? reported : 80;
    this.#out.write(`${CLEAR_LINE}${text.slice(0, Math.max(10, columns - 1))}`);
    this.#drawn = true;
  }

  #clear(): void {
    if (this.#live && this.#drawn) this.#out.write(CLEAR_LINE);
    this.#drawn = false;
  }

  #startTimer(): void {
    if (this.#timer !== undefined || this.#tickMs <= 0) return;
    this.#timer = setInterval(() => {
      this.#ticks++;
      this.#draw();
    }, this.#tickMs);
    this.#timer.unref();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
