/**
 * What the worker needs from a joined WAMP session: register endpoints and publish, and, to work with
 * the other workers of its realm (worker/cluster/), subscribe and call. An autobahn-js
 * session (remote worker, worker/connection.ts) and the lean in-process session of the embedded
 * worker (worker/local-session.ts) both provide it, with the same endpoint contract: an endpoint
 * returns a value, an `autobahn.Result` or a promise of either, or throws (or rejects with) an
 * `autobahn.Error` for a WAMP ERROR.
 */
import type { WorkerJoinError } from '../shared/errors.ts';
import type { AbEndpoint, AbEventDetails, Dict } from '../shared/autobahn.ts';

export type EventHandler = (args: unknown[], kwargs: Dict, details: AbEventDetails) => void;

export interface WorkerSession {
  readonly id: number | null;
  readonly isOpen: boolean;
  register(procedure: string, endpoint: AbEndpoint, options?: Dict): PromiseLike<unknown>;
  publish(topic: string, args?: unknown[], kwargs?: Dict, options?: Dict): PromiseLike<unknown> | undefined;
  /** Resolves once subscribed, with the handle `unsubscribe` takes; rejects with an `autobahn.Error` when refused. */
  subscribe(topic: string, handler: EventHandler, options?: Dict): PromiseLike<unknown>;
  /** Ends a subscription (the handle `subscribe` resolved with); the handler gets no event after this. */
  unsubscribe(subscription: unknown): PromiseLike<unknown>;
  /**
   * Resolves with the result as autobahn-js does: `args[0]` when the RESULT has at most one positional
   * argument and no keyword arguments, else an `autobahn.Result`; rejects with an `autobahn.Error`.
   */
  call(procedure: string, args?: unknown[], kwargs?: Dict, options?: Dict): PromiseLike<unknown>;
}

/** A worker's connection to its router, joined again after every loss until closed or refused. */
export interface WorkerLink {
  /** Set once the router refused the worker. */
  readonly failure: WorkerJoinError | undefined;
  open(): void;
  /** Leaves (GOODBYE) and stops retrying; resolves once the transport is closed. */
  close(): Promise<void>;
  on(event: 'failed', listener: (error: WorkerJoinError) => void): unknown;
}
