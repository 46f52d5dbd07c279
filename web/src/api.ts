/**
 * asexor's WAMP API as the app calls it (docs/worker.md, "The worker: serve, CLI, WAMP API"): task
 * procedures, `control.*`, `files.*` and the caller's status topic.
 */
import { statusTopic } from '../../shared/wamp/app-uris.ts';
import { toStatusEvent, type ActiveTask, type StatusEvent } from './store.ts';

export interface TaskInfo {
  readonly name: string;
  readonly kind: string;
  readonly description: string;
  readonly positional: readonly string[];
  readonly params: unknown;
}

export interface FileEntry {
  readonly path: string;
  readonly size: number;
  readonly mtime: string | number;
}

export interface Stats {
  readonly queued: number;
  readonly running: number;
  readonly byPriority?: Readonly<Record<string, number>>;
  readonly concurrency?: number;
  readonly accepting?: boolean;
  readonly users?: number;
  readonly maxQueued?: number;
}

/** What a failed call rejected with, made readable: the error URI, a message and the kwargs. */
export class CallError extends Error {
  readonly uri: string;
  readonly kwargs: Readonly<Record<string, unknown>>;

  constructor(uri: string, message: string, kwargs: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.name = 'CallError';
    this.uri = uri;
    this.kwargs = kwargs;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function callError(error: unknown): CallError {
  if (error instanceof CallError) return error;
  if (isRecord(error) && typeof error['error'] === 'string') {
    const kwargs = isRecord(error['kwargs']) ? error['kwargs'] : {};
    const args = Array.isArray(error['args']) ? error['args'] : [];
    const message = typeof kwargs['message'] === 'string' ? kwargs['message'] : typeof args[0] === 'string' ? args[0] : error['error'];
    return new CallError(error['error'], message, kwargs);
  }
  return new CallError('', error instanceof Error ? error.message : String(error));
}

export const NO_SUCH_PROCEDURE = 'wamp.error.no_such_procedure';

export class Api {
  readonly #session: autobahn.Session;
  readonly #prefix: string;

  constructor(session: autobahn.Session, prefix = 'asexor') {
    this.#session = session;
    this.#prefix = prefix;
  }

  async #call(procedure: string, args: readonly unknown[] = [], kwargs: Readonly<Record<string, unknown>> = {}): Promise<unknown> {
    return await this.#session.call(`${this.#prefix}.${procedure}`, args, kwargs);
  }

  async list(): Promise<TaskInfo[]> {
    const value = await this.#call('control.list');
    return Array.isArray(value) ? (value as TaskInfo[]) : [];
  }

  /** Submits a task with keyword params; resolves with its id. */
  async submit(task: string, params: Readonly<Record<string, unknown>>): Promise<string> {
    return String(await this.#call(`task.${task}`, [], params));
  }

  async status(taskId: string): Promise<StatusEvent | undefined> {
    return toStatusEvent(await this.#call('control.status', [taskId]));
  }

  async cancel(taskId: string): Promise<unknown> {
    return await this.#call('control.cancel', [taskId]);
  }

  async history(limit: number): Promise<StatusEvent[]> {
    const value = await this.#call('control.history', [limit]);
    return Array.isArray(value) ? value.map(toStatusEvent).filter((e): e is StatusEvent => e !== undefined) : [];
  }

  async stats(): Promise<Stats> {
    return (await this.#call('control.stats')) as Stats;
  }

  /** Queued and running tasks: the caller's, or with `all` (admins) everyone's. */
  async tasks(all: boolean): Promise<ActiveTask[]> {
    const value = await this.#call('control.tasks', [], all ? { all: true } : {});
    return Array.isArray(value) ? (value as ActiveTask[]) : [];
  }

  async files(): Promise<FileEntry[]> {
    const value = await this.#call('files.list');
    return Array.isArray(value) ? (value as FileEntry[]) : [];
  }

  async upload(path: string, base64: string, overwrite: boolean): Promise<{ path: string; size: number }> {
    return (await this.#call('files.upload', [path, base64], overwrite ? { overwrite: true } : {})) as { path: string; size: number };
  }

  async link(path: string): Promise<{ url: string; expires_at?: string }> {
    return (await this.#call('files.link', [path])) as { url: string; expires_at?: string };
  }

  /** Subscribes to the caller's status topic (only the owner may, docs/worker.md "The worker: serve, CLI, WAMP API"). */
  async subscribeStatus(authid: string, onEvent: (event: StatusEvent) => void): Promise<void> {
    await this.#session.subscribe(statusTopic(this.#prefix, authid), (_args, kwargs) => {
      const event = toStatusEvent(kwargs);
      if (event !== undefined) onEvent(event);
    });
  }
}
