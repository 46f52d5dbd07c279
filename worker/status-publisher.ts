/**
 * The WAMP side of the task service's StatusSink: every status event goes to its owner's topic
 * `<prefix>.status.<escaped authid>` as kwargs, with `eligible_authid: [authid]` so that even a
 * subscription the authorizer should not have allowed receives nothing of another user's
 * (DESIGN.md "Public contract"; spec: advanced/pubsub_subscriber_blackwhite_listing.md).
 *
 * Events are published on the next turn of the event loop (setImmediate), in order, in batches.
 * That keeps the contract "no event before the caller has the task id": the service emits `queued`
 * a microtask after submit returned, but autobahn sends the procedure's YIELD from a promise
 * callback, also a microtask later; a macrotask runs after both.
 * While the worker is disconnected, events are dropped (counted in the log): status() still has them.
 */
import type { Logger } from '../shared/logger.ts';
import type { TaskStatusEvent } from '../shared/task-status.ts';
import { statusTopic } from '../shared/wamp/app-uris.ts';
import type { AbSession, Dict } from './autobahn.ts';

/** Who owns a task (the submitting caller); the same shape as the service's Caller. */
export interface EventOwner {
  readonly authid: string;
}

interface Pending {
  readonly topic: string;
  readonly authid: string;
  readonly event: TaskStatusEvent;
}

export class StatusPublisher {
  readonly #prefix: string;
  readonly #log: Logger;
  #session: AbSession | undefined;
  #pending: Pending[] = [];
  #timer: NodeJS.Immediate | undefined;
  #flushed: (() => void)[] = [];
  #dropped = 0;

  constructor(options: { readonly uriPrefix: string; readonly logger: Logger }) {
    this.#prefix = options.uriPrefix;
    this.#log = options.logger.child({ component: 'status-publisher' });
  }

  /** Publish through `session` from now on (after each join). */
  attach(session: AbSession): void {
    this.#session = session;
    if (this.#dropped > 0) this.#log.warn({ dropped: this.#dropped }, 'status events dropped while disconnected');
    this.#dropped = 0;
  }

  /** The session is gone: events are dropped until the next attach. */
  detach(): void {
    this.#session = undefined;
  }

  /** StatusSink: queue the event for its owner's topic. */
  publish(owner: EventOwner, event: TaskStatusEvent): void {
    this.#pending.push({ topic: statusTopic(this.#prefix, owner.authid), authid: owner.authid, event });
    this.#timer ??= setImmediate(() => { this.#flush(); });
  }

  /** Resolves once every event queued so far was handed to the session (or dropped). */
  flushed(): Promise<void> {
    if (this.#timer === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#flushed.push(resolve));
  }

  #flush(): void {
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    const session = this.#session;
    for (const { topic, authid, event } of batch) {
      if (session?.isOpen === true) {
        const options: Dict = { eligible_authid: [authid], acknowledge: false };
        session.publish(topic, [], event as unknown as Dict, options);
      } else {
        this.#dropped += 1;
      }
    }
    const waiters = this.#flushed;
    this.#flushed = [];
    for (const resolve of waiters) resolve();
  }
}
