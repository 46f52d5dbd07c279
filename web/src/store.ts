/**
 * The tasks the page knows, built from status events (docs/worker.md, "The worker: serve, CLI, WAMP API":
 * `{task_id, task, status, at, progress?, message?, result?, duration?, error?}`), whichever way they
 * arrive: the status topic, `control.history`, `control.status` or `control.tasks`. Applying an event
 * twice or out of order never moves a task back: statuses only go forward (queued → started →
 * progress* → one terminal status), so catching up after a reconnect cannot undo newer news. Pure.
 */

export type Status = 'queued' | 'started' | 'progress' | 'success' | 'error' | 'cancelled' | 'timeout';
export const STATUSES: readonly Status[] = ['queued', 'started', 'progress', 'success', 'error', 'cancelled', 'timeout'];
export type TerminalStatus = 'success' | 'error' | 'cancelled' | 'timeout';

export interface TaskError {
  readonly code: string;
  readonly message: string;
  readonly exit_code?: number;
  readonly stderr_tail?: string;
}

export interface StatusEvent {
  readonly task_id: string;
  readonly task: string;
  readonly status: Status;
  readonly at: string;
  readonly progress?: number;
  readonly message?: string;
  readonly result?: unknown;
  readonly duration?: number;
  readonly error?: TaskError;
}

export interface Step {
  readonly at: string;
  readonly progress: number;
  readonly message: string;
}

export interface TaskView {
  readonly id: string;
  readonly task: string;
  readonly status: Status;
  /** Time of the latest event. */
  readonly at: string;
  readonly queuedAt?: string;
  readonly startedAt?: string;
  readonly progress?: number;
  readonly message?: string;
  /** Every progress message, in order (a multi-task's sub-steps). */
  readonly steps: readonly Step[];
  readonly result?: unknown;
  readonly hasResult: boolean;
  readonly duration?: number;
  readonly error?: TaskError;
}

export function isTerminal(status: Status): status is TerminalStatus {
  return status === 'success' || status === 'error' || status === 'cancelled' || status === 'timeout';
}

function rank(status: Status): number {
  switch (status) {
    case 'queued': return 0;
    case 'started': return 1;
    case 'progress': return 2;
    default: return 3;
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A status event from the wire, or undefined when it is not one. */
export function toStatusEvent(value: unknown): StatusEvent | undefined {
  if (!isRecord(value)) return undefined;
  const { task_id: id, task, status, at } = value;
  if (typeof id !== 'string' || typeof task !== 'string' || typeof at !== 'string') return undefined;
  if (typeof status !== 'string' || !(STATUSES as readonly string[]).includes(status)) return undefined;
  return value as unknown as StatusEvent;
}

export class TaskStore {
  readonly #tasks = new Map<string, TaskView>();

  /** Applies one event; returns the task's new view, or undefined when the event changed nothing. */
  apply(event: StatusEvent): TaskView | undefined {
    const old = this.#tasks.get(event.task_id);
    const next = old === undefined ? fresh(event) : advance(old, event);
    if (next === old) return undefined;
    this.#tasks.set(event.task_id, next);
    return next;
  }

  get(id: string): TaskView | undefined {
    return this.#tasks.get(id);
  }

  /** Newest first (by the time of the first known event). */
  all(): TaskView[] {
    return [...this.#tasks.values()].sort((a, b) => startOf(b).localeCompare(startOf(a)));
  }

  /** Ids of the tasks not yet finished: after a reconnect, their status is fetched again. */
  pending(): string[] {
    return [...this.#tasks.values()].filter((t) => !isTerminal(t.status)).map((t) => t.id);
  }

  clear(): void {
    this.#tasks.clear();
  }
}

function startOf(view: TaskView): string {
  return view.queuedAt ?? view.startedAt ?? view.at;
}

function fresh(event: StatusEvent): TaskView {
  return withEvent({ id: event.task_id, task: event.task, status: event.status, at: event.at, steps: [], hasResult: false }, event);
}

function advance(old: TaskView, event: StatusEvent): TaskView {
  if (isTerminal(old.status)) return old;
  if (rank(event.status) < rank(old.status)) {
    // An older event seen late still tells when the task was queued or started.
    if (event.status === 'queued' && old.queuedAt === undefined) return { ...old, queuedAt: event.at };
    if (event.status === 'started' && old.startedAt === undefined) return { ...old, startedAt: event.at };
    return old;
  }
  if (event.status === 'progress' && old.status === 'progress') {
    if (event.at < old.at) return old;
    const last = old.steps.at(-1);
    if (last !== undefined && last.at === event.at && last.progress === event.progress && last.message === (event.message ?? '')) return old;
  }
  if (event.status === old.status && event.status !== 'progress') return old;
  return withEvent(old, event);
}

function withEvent(base: TaskView, event: StatusEvent): TaskView {
  const view: { -readonly [K in keyof TaskView]: TaskView[K] } = { ...base, status: event.status, at: event.at };
  switch (event.status) {
    case 'queued':
      view.queuedAt = event.at;
      break;
    case 'started':
      view.startedAt = event.at;
      break;
    case 'progress': {
      const progress = typeof event.progress === 'number' ? Math.min(1, Math.max(0, event.progress)) : (base.progress ?? 0);
      view.progress = progress;
      if (typeof event.message === 'string' && event.message !== '') {
        view.message = event.message;
        view.steps = [...base.steps, { at: event.at, progress, message: event.message }];
      }
      break;
    }
    default:
      if (typeof event.duration === 'number') view.duration = event.duration;
      if (event.status === 'success') {
        view.result = event.result;
        view.hasResult = true;
        view.progress = 1;
      }
      if (event.error !== undefined) view.error = event.error;
  }
  return view;
}

/** A task of `control.tasks` (queued or running, any owner for admins). */
export interface ActiveTask {
  readonly task_id: string;
  readonly task: string;
  readonly owner: string;
  readonly status: 'queued' | 'running';
  readonly priority: number;
  readonly queued_at: string;
  readonly started_at?: string;
  readonly progress?: number;
  readonly message?: string;
}

/** The events an entry of `control.tasks` stands for, so it can be applied to a TaskStore. */
export function eventsOfActive(task: ActiveTask): StatusEvent[] {
  const base = { task_id: task.task_id, task: task.task };
  const events: StatusEvent[] = [{ ...base, status: 'queued', at: task.queued_at }];
  if (task.status === 'running') {
    events.push({ ...base, status: 'started', at: task.started_at ?? task.queued_at });
    if (typeof task.progress === 'number') {
      events.push({ ...base, status: 'progress', at: task.started_at ?? task.queued_at, progress: task.progress, ...(task.message === undefined ? {} : { message: task.message }) });
    }
  }
  return events;
}

export interface TaskFilter {
  /** '' = any; 'active' = not finished; else one status ('progress' counts as 'started'). */
  readonly status: '' | 'active' | Status;
  /** '' = any task name. */
  readonly task: string;
  /** Case-insensitive text in the id, name, message, error or result. */
  readonly text: string;
}

export function matchesFilter(view: TaskView, filter: TaskFilter): boolean {
  if (filter.task !== '' && view.task !== filter.task) return false;
  if (filter.status === 'active' && isTerminal(view.status)) return false;
  if (filter.status === 'started' && view.status !== 'started' && view.status !== 'progress') return false;
  if (filter.status !== '' && filter.status !== 'active' && filter.status !== 'started' && view.status !== filter.status) return false;
  const text = filter.text.trim().toLowerCase();
  if (text === '') return true;
  const haystack = [
    view.id, view.task, view.status, view.message ?? '', view.error?.code ?? '', view.error?.message ?? '',
    view.error?.stderr_tail ?? '', view.hasResult ? JSON.stringify(view.result) : '', ...view.steps.map((s) => s.message),
  ].join('\n').toLowerCase();
  return haystack.includes(text);
}

/**
 * Paths of the files folder named by a file task's result (`{output}` of convert, the `results` of a
 * multi-task such as convert_folder): the values of `output`/`outputs`/`file`/`path` keys, any depth.
 */
export function resultFiles(result: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, key: string, depth: number): void => {
    if (depth > 6) return;
    if (typeof value === 'string') {
      if (/^(output|outputs|file|files|path)$/.test(key) && value !== '') found.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, key, depth + 1);
    } else if (isRecord(value)) {
      // A subtask's `params` name the files it was asked to write, not ones it wrote.
      for (const [k, v] of Object.entries(value)) if (k !== 'params') visit(v, k, depth + 1);
    }
  };
  visit(result, '', 0);
  return [...found];
}
