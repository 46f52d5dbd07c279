/**
 * The WAMP side of the task service's StatusSink: every status event goes to its owner's topic
 * `<prefix>.status.<escaped authid>` as kwargs, to every subscriber of it (docs/worker.md, "The worker:
 * serve, CLI, WAMP API"). Who may subscribe is the authorization's job: the dynamic authorizer
 * (worker/authorize.ts) allows a user exactly their own topic, and admin roles any status topic by any
 * match policy, so that admins can watch. No eligible list: `eligible_authid: [owner]` kept admins out,
 * and the spec's black/white lists intersect (advanced/pubsub_subscriber_blackwhite_listing.md), so
 * "the owner or an admin" cannot be said with them.
 *
 * Events are published at once, in the order the service delivers them. The service already holds
 * every event of a task until a macrotask (setImmediate) after the submit that returned its id, so
 * the procedure's YIELD (sent synchronously, or from a promise callback by autobahn-js) goes out first.
 * The topic of an owner is built once and shared by all their events
 * (nobody mutates a PUBLISH once sent); up to MAX_ROUTES owners are kept, then the cache starts over.
 * While the worker is disconnected, events are dropped (counted in the log): status() still has them.
 */
import type { Logger } from '../shared/logger.ts';
import type { TaskStatusEvent } from '../shared/task-status.ts';
import { statusTopic } from '../shared/wamp/app-uris.ts';
import type { Dict } from '../shared/autobahn.ts';
import type { WorkerSession } from './worker-session.ts';

/** Who owns a task (the submitting caller); the same shape as the service's Caller. */
export interface EventOwner {
  readonly authid: string;
}

interface Route {
  readonly topic: string;
  readonly options: Dict;
}

/** Owners whose topic and options are kept built. */
const MAX_ROUTES = 512;
const NO_ARGS: unknown[] = [];
/** Shared by every PUBLISH (not frozen: autobahn-js may set defaults on the options it is given). */
const NO_OPTIONS: Dict = {};

export class StatusPublisher {
  readonly #prefix: string;
  readonly #log: Logger;
  readonly #routes = new Map<string, Route>();
  #session: WorkerSession | undefined;
  #dropped = 0;

  constructor(options: { readonly uriPrefix: string; readonly logger: Logger }) {
    this.#prefix = options.uriPrefix;
    this.#log = options.logger.child({ component: 'status-publisher' });
  }

  /** Publish through `session` from now on (after each join). */
  attach(session: WorkerSession): void {
    this.#session = session;
    if (this.#dropped > 0) this.#log.warn({ dropped: this.#dropped }, 'status events dropped while disconnected');
    this.#dropped = 0;
  }

  /** The session is gone: events are dropped until the next attach. */
  detach(): void {
    this.#session = undefined;
  }

  /** StatusSink: publish the event to its owner's topic. */
  publish(owner: EventOwner, event: TaskStatusEvent): void {
    const session = this.#session;
    if (session?.isOpen !== true) {
      this.#dropped += 1;
      return;
    }
    const { topic, options } = this.#route(owner.authid);
    session.publish(topic, NO_ARGS, event as unknown as Dict, options);
  }

  #route(authid: string): Route {
    let route = this.#routes.get(authid);
    if (route === undefined) {
      if (this.#routes.size >= MAX_ROUTES) this.#routes.clear();
      route = { topic: statusTopic(this.#prefix, authid), options: NO_OPTIONS };
      this.#routes.set(authid, route);
    }
    return route;
  }
}
