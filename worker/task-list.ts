/**
 * The tasks queued or running now, for `<prefix>.control.tasks` (docs/web-api.md): one small record
 * per accepted task, from its `queued` event until its terminal one, fed by the task service with
 * every event as it is emitted. A record costs one object and one Map slot; the queue bounds their
 * number (maxQueued waiting, concurrency running).
 *
 * Order of a listing: running tasks first, by start (earliest first), then waiting tasks in the order
 * the queue takes them: priority 0 first, then submission order (worker/task-queue-waiting-room.ts).
 * A user at their per-user running limit is skipped by the queue until one of their tasks ends, so
 * their waiting tasks may start later than this order says.
 */
import type { TaskStatusEvent } from '../shared/task-status.ts';

/** Most entries one listing returns. */
export const MAX_TASK_LIST = 1000;

/** One entry of `control.tasks` (wire names). `progress`/`message`: the latest progress event. */
export interface ActiveTaskEntry {
  readonly task_id: string;
  readonly task: string;
  /** authid of the submitter. */
  readonly owner: string;
  readonly status: 'queued' | 'running';
  /** 0 (runs first) .. 9. */
  readonly priority: number;
  /** ISO 8601 UTC, the `at` of the `queued` event. */
  readonly queued_at: string;
  /** ISO 8601 UTC, the `at` of the `started` event; only when running. */
  readonly started_at?: string;
  readonly progress?: number;
  readonly message?: string;
}

interface ActiveRecord {
  readonly task_id: string;
  readonly task: string;
  readonly owner: string;
  readonly priority: number;
  readonly queued_at: string;
  started_at: string | undefined;
  /** Start order among running tasks (ties of `started_at` stay in order). */
  startSeq: number;
  progress: number | undefined;
  message: string | undefined;
  readonly ref: TrackedTask;
}

/** The task a tracked event belongs to (TaskLifecycle fits). */
export interface TrackedTask {
  readonly id: string;
  readonly owner: string;
  readonly priority: number;
}

const PRIORITY_LEVELS = 10;

function toEntry(record: ActiveRecord): ActiveTaskEntry {
  const { task_id, task, owner, priority, queued_at, started_at, progress, message } = record;
  return {
    task_id, task, owner, status: started_at === undefined ? 'queued' : 'running', priority, queued_at,
    ...(started_at === undefined ? {} : { started_at }),
    ...(progress === undefined ? {} : { progress }),
    ...(message === undefined ? {} : { message }),
  };
}

export class ActiveTasks {
  /** Insertion order = submission order. */
  readonly #records = new Map<string, ActiveRecord>();
  #starts = 0;

  /** Tasks queued or running. */
  get size(): number {
    return this.#records.size;
  }

  /** Records one event of `task`, in emission order: `queued` adds it, a terminal event removes it. */
  track(task: TrackedTask, event: TaskStatusEvent): void {
    switch (event.status) {
      case 'queued':
        this.#records.set(event.task_id, {
          task_id: event.task_id, task: event.task, owner: task.owner, priority: task.priority, queued_at: event.at,
          started_at: undefined, startSeq: 0, progress: undefined, message: undefined, ref: task,
        });
        return;
      case 'started': {
        const record = this.#records.get(event.task_id);
        if (record === undefined) return;
        record.started_at = event.at;
        record.startSeq = ++this.#starts;
        return;
      }
      case 'progress': {
        const record = this.#records.get(event.task_id);
        if (record === undefined) return;
        record.progress = event.progress;
        record.message = event.message;
        return;
      }
      default:
        this.#records.delete(event.task_id);
    }
  }

  /** The task object of a queued or running task. */
  lifecycle(taskId: string): TrackedTask | undefined {
    return this.#records.get(taskId)?.ref;
  }

  /** Every queued and running task: id, owner, task name. */
  open(): { taskId: string; owner: string; task: string }[] {
    const out: { taskId: string; owner: string; task: string }[] = [];
    for (const record of this.#records.values()) out.push({ taskId: record.task_id, owner: record.owner, task: record.task });
    return out;
  }

  /**
   * Running tasks by start, then waiting ones in queue order; only `owner`'s when given; at most
   * `limit` (≤ MAX_TASK_LIST). One pass over the records, no sort of the waiting ones.
   */
  list(owner?: string, limit: number = MAX_TASK_LIST): ActiveTaskEntry[] {
    const max = Math.max(0, Math.min(limit, MAX_TASK_LIST));
    const running: ActiveRecord[] = [];
    const waiting: ActiveRecord[][] = Array.from({ length: PRIORITY_LEVELS }, () => []);
    for (const record of this.#records.values()) {
      if (owner !== undefined && record.owner !== owner) continue;
      if (record.started_at !== undefined) running.push(record);
      else {
        const lane = waiting[record.priority];
        if (lane !== undefined && lane.length < max) lane.push(record);
      }
    }
    running.sort((a, b) => a.startSeq - b.startSeq);
    const ordered = running.concat(...waiting);
    return ordered.slice(0, max).map(toEntry);
  }
}
