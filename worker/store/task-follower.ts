/**
 * Following tasks that may run on another worker (docs/queue-store.md, "Events"). With the shared
 * queue, the worker that accepted a progressive call, or a call of the original WAMP API, is often not
 * the one that runs the task; the caller still gets every event and the end from it. So while a
 * followed task is open, this worker subscribes to its owner's status topic (one subscription per owner,
 * ended when the owner's last followed task ends) and hands the task's events to the listener; events
 * of tasks running here come straight from `deliver` (a publisher does not receive its own events).
 * Events missed while the worker was disconnected, or lost with a worker that died, are made good by
 * the store: on each join and every `pollMs`, the store is asked which followed tasks have ended (in
 * batches), and their terminal events end the follow. A listener gets at most one terminal event, and nothing after it.
 */
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { isTerminal, type TaskStatusEvent } from '../../shared/task-status.ts';
import { statusTopic } from '../../shared/wamp/app-uris.ts';
import type { Dict } from '../../shared/autobahn.ts';
import type { WorkerSession } from '../worker-session.ts';
import type { QueueStore } from './queue-store.ts';

export interface TaskFollowerOptions {
  readonly store: QueueStore;
  readonly uriPrefix: string;
  /** How often the store is asked about followed tasks (lost events). @default 5000 */
  readonly pollMs?: number;
  /** @default silentLogger() */
  readonly logger?: Logger;
}

export const taskFollowerDefaults = { pollMs: 5000 } as const;

/** Followed tasks asked about in one query. */
const POLL_BATCH = 500;

interface Followed {
  readonly owner: string;
  readonly listener: ((event: TaskStatusEvent) => void) | undefined;
  readonly end: PromiseWithResolvers<TaskStatusEvent>;
}

interface OwnerTopic {
  /** Open followed tasks of this owner. */
  count: number;
  /** The subscription under way or made on the current session; undefined while disconnected. */
  subscribed: Promise<unknown> | undefined;
}

/** A status event from a topic: the fields every event has, else undefined. */
function asEvent(kwargs: Dict): TaskStatusEvent | undefined {
  const { task_id: taskId, task, status, at } = kwargs;
  return typeof taskId === 'string' && typeof task === 'string' && typeof status === 'string' && typeof at === 'string'
    ? kwargs as unknown as TaskStatusEvent : undefined;
}

export class TaskFollower {
  readonly #store: QueueStore;
  readonly #prefix: string;
  readonly #log: Logger;
  readonly #followed = new Map<string, Followed>();
  readonly #owners = new Map<string, OwnerTopic>();
  readonly #timer: NodeJS.Timeout;
  #session: WorkerSession | undefined;
  #polling = false;

  constructor(options: TaskFollowerOptions) {
    this.#store = options.store;
    this.#prefix = options.uriPrefix;
    this.#log = (options.logger ?? silentLogger()).child({ component: 'task-follower' });
    this.#timer = setInterval(() => { void this.#poll(); }, options.pollMs ?? taskFollowerDefaults.pollMs);
    this.#timer.unref();
  }

  /** Tasks followed now. */
  get size(): number {
    return this.#followed.size;
  }

  /** A joined session: subscribe again for the followed tasks' owners, then read what was missed. */
  attach(session: WorkerSession): void {
    this.#session = session;
    for (const [owner, topic] of this.#owners) topic.subscribed = this.#subscribe(session, owner);
    void this.#poll();
  }

  /** The session is gone (its subscriptions with it). */
  detach(): void {
    this.#session = undefined;
    for (const topic of this.#owners.values()) topic.subscribed = undefined;
  }

  /**
   * Follows `taskId` of `owner`: `listener` gets each of its events, `done` resolves with its end.
   * Resolves once subscribed to the owner's topic (at once while disconnected: the store is read on
   * the next join), so that a task admitted after this misses no event. Never rejects.
   */
  async follow(owner: string, taskId: string, listener?: (event: TaskStatusEvent) => void): Promise<void> {
    if (this.#followed.has(taskId)) return;
    this.#followed.set(taskId, { owner, listener, end: Promise.withResolvers<TaskStatusEvent>() });
    let topic = this.#owners.get(owner);
    if (topic === undefined) {
      topic = { count: 0, subscribed: undefined };
      this.#owners.set(owner, topic);
    }
    topic.count += 1;
    const session = this.#session;
    if (topic.subscribed === undefined && session !== undefined) topic.subscribed = this.#subscribe(session, owner);
    await topic.subscribed;
  }

  /** The end of a followed task (never rejects); undefined when it is not followed. */
  done(taskId: string): Promise<TaskStatusEvent> | undefined {
    return this.#followed.get(taskId)?.end.promise;
  }

  /** Stops following a task that was not admitted after all. */
  unfollow(taskId: string): void {
    const followed = this.#followed.get(taskId);
    if (followed === undefined) return;
    this.#followed.delete(taskId);
    this.#release(followed.owner);
  }

  /** An event of a task (from this worker, the owner's topic or the store): to its listener, if followed. */
  deliver(event: TaskStatusEvent): void {
    const followed = this.#followed.get(event.task_id);
    if (followed === undefined) return;
    if (followed.listener !== undefined) {
      try {
        followed.listener(event);
      } catch (error) {
        this.#log.error({ err: error, taskId: event.task_id }, 'task event listener threw');
      }
    }
    if (!isTerminal(event.status)) return;
    this.unfollow(event.task_id);
    followed.end.resolve(event);
  }

  /** Stops the timer; followed tasks are left as they are (their callers' session is closing). */
  close(): void {
    clearInterval(this.#timer);
  }

  async #subscribe(session: WorkerSession, owner: string): Promise<unknown> {
    const topic = statusTopic(this.#prefix, owner);
    try {
      return await session.subscribe(topic, (_args, kwargs) => {
        const event = asEvent(kwargs);
        if (event !== undefined) this.deliver(event);
      });
    } catch (error) {
      // The router refused (the worker role needs subscribe on `<prefix>.status.`): the store is read every pollMs.
      if (session.isOpen) this.#log.warn({ err: error, topic }, `the router refused a subscription to a status topic: progressive calls of tasks run by other workers get only their end, up to ${String(taskFollowerDefaults.pollMs)} ms late (allow the worker role to subscribe to ${this.#prefix}.status.)`);
      return undefined;
    }
  }

  #release(owner: string): void {
    const topic = this.#owners.get(owner);
    if (topic === undefined) return;
    topic.count -= 1;
    if (topic.count > 0) return;
    this.#owners.delete(owner);
    const session = this.#session;
    void topic.subscribed?.then((subscription) => {
      if (subscription === undefined || session?.isOpen !== true || this.#owners.has(owner)) return;
      return session.unsubscribe(subscription);
    }).then(undefined, (error: unknown) => { this.#log.debug({ err: error, owner }, 'unsubscribing a status topic failed'); });
  }

  /** Asks the store which followed tasks have ended (one query per POLL_BATCH tasks) and delivers their ends. */
  async #poll(): Promise<void> {
    if (this.#polling || this.#followed.size === 0) return;
    this.#polling = true;
    try {
      const ids = [...this.#followed.keys()];
      for (let i = 0; i < ids.length; i += POLL_BATCH) {
        for (const event of await this.#store.ended(ids.slice(i, i + POLL_BATCH))) this.deliver(event);
      }
    } catch (error) {
      this.#log.warn({ err: error }, 'reading followed tasks from the queue store failed; tried again later');
    } finally {
      this.#polling = false;
    }
  }
}
