/**
 * What one worker knows of the other workers of its realm (docs/many-workers.md), as plain state:
 * which are connected (worker id ↔ WAMP session id), the open tasks of each (from their presence
 * messages and the status events they publish), and the tasks this worker ended for a worker that
 * left, kept until that worker comes back and asks. No WAMP here (worker/cluster/cluster.ts does it).
 */
import type { TaskStatusEvent } from '../../shared/task-status.ts';
import type { EndedTuple, OpenTaskTuple } from './cluster-messages.ts';

interface OpenEntry {
  readonly owner: string;
  readonly task: string;
}

/** Workers that left and whose ended tasks are kept for their return; the oldest is forgotten beyond this. */
const MAX_LOST_WORKERS = 64;

export class PeerView {
  readonly self: string;
  /** Connected peers: worker id → session id. */
  readonly #peers = new Map<string, number>();
  readonly #bySession = new Map<number, string>();
  /** Open tasks of other workers, connected or not: worker id → task id → owner and name. */
  readonly #open = new Map<string, Map<string, OpenEntry>>();
  /** Tasks of departed workers that were ended here: worker id → task id → [owner, event]. */
  readonly #ended = new Map<string, Map<string, EndedTuple>>();

  constructor(self: string) {
    this.self = self;
  }

  /** Connected peers (not this worker). */
  get peers(): string[] {
    return [...this.#peers.keys()];
  }

  isLive(worker: string): boolean {
    return this.#peers.has(worker);
  }

  /** A peer said it is here (hello or reply) with its open tasks, which replace what was known. */
  present(worker: string, session: number, open: readonly OpenTaskTuple[]): void {
    if (worker === this.self) return;
    const previous = this.#peers.get(worker);
    if (previous !== undefined) this.#bySession.delete(previous);
    this.#peers.set(worker, session);
    this.#bySession.set(session, worker);
    const tasks = new Map<string, OpenEntry>();
    for (const [taskId, owner, task] of open) tasks.set(taskId, { owner, task });
    this.#open.set(worker, tasks);
  }

  /** A WAMP session left: the worker it was, if any (no longer connected). */
  sessionLeft(session: number): string | undefined {
    const worker = this.#bySession.get(session);
    if (worker === undefined) return undefined;
    this.#bySession.delete(session);
    if (this.#peers.get(worker) === session) this.#peers.delete(worker);
    return worker;
  }

  /** This worker's own session ended: who is connected is unknown until the next join. */
  disconnected(): void {
    this.#peers.clear();
    this.#bySession.clear();
  }

  /** A status event of another worker's task (owner from its topic): open until a terminal event. */
  observe(worker: string, owner: string, event: TaskStatusEvent, terminal: boolean): void {
    if (worker === this.self) return;
    let tasks = this.#open.get(worker);
    if (terminal) {
      tasks?.delete(event.task_id);
      return;
    }
    if (tasks === undefined) {
      tasks = new Map();
      this.#open.set(worker, tasks);
    }
    if (!tasks.has(event.task_id)) tasks.set(event.task_id, { owner, task: event.task });
  }

  /** The open tasks known of `worker`, forgotten here (its tasks are being ended). */
  takeOpen(worker: string): { taskId: string; owner: string; task: string }[] {
    const tasks = this.#open.get(worker);
    this.#open.delete(worker);
    return tasks === undefined ? [] : [...tasks].map(([taskId, { owner, task }]) => ({ taskId, owner, task }));
  }

  /** This worker ended `event.task_id` of the departed `worker`. */
  recordEnded(worker: string, owner: string, event: TaskStatusEvent): void {
    let ended = this.#ended.get(worker);
    if (ended === undefined) {
      if (this.#ended.size >= MAX_LOST_WORKERS) this.#ended.delete(this.#ended.keys().next().value ?? '');
      ended = new Map();
      this.#ended.set(worker, ended);
    }
    ended.set(event.task_id, [owner, event]);
  }

  /** What was ended of `worker` while it was gone (for its return), forgotten here. */
  takeEnded(worker: string): EndedTuple[] {
    const ended = this.#ended.get(worker);
    this.#ended.delete(worker);
    return ended === undefined ? [] : [...ended.values()];
  }

  /**
   * Whether this worker is the one to publish the end of a departed worker's tasks: the smallest id
   * among the connected workers, so that exactly one of them does.
   */
  elected(): boolean {
    for (const peer of this.#peers.keys()) if (peer < this.self) return false;
    return true;
  }
}
