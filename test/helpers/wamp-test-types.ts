/** Types and errors of WampTestClient (wamp-test-client.ts). */
import type { Args, Challenge, Dict, Event, KwArgs, Result } from '../../shared/wamp/messages.ts';
import type { AsyncQueue } from './async-queue.ts';

export interface Payload {
  readonly args?: Args;
  readonly kwargs?: KwArgs;
}

/** An ERROR answering one of our requests (or to throw from a handler: it becomes ERROR `uri`). */
export class WampError extends Error {
  readonly uri: string;
  readonly args: Args;
  constructor(uri: string, args: Args = []) {
    super(`${uri} ${JSON.stringify(args)}`);
    this.name = 'WampError';
    this.uri = uri;
    this.args = args;
  }
}

/** The router answered HELLO/AUTHENTICATE with ABORT. */
export class WampAbort extends Error {
  readonly reason: string;
  /** Whether the router closed the transport after its ABORT (spec: basic/sessions.md). */
  readonly routerClosed: boolean;
  constructor(reason: string, args: Args = [], routerClosed = false) {
    super(`ABORT ${reason} ${JSON.stringify(args)}`);
    this.name = 'WampAbort';
    this.reason = reason;
    this.routerClosed = routerClosed;
  }
}

export interface JoinOptions {
  readonly realm: string;
  readonly authid?: string;
  readonly authmethods?: readonly string[];
  /** The AUTHENTICATE signature for a CHALLENGE. */
  readonly onChallenge?: (challenge: Challenge) => string;
}

export interface InvocationContext {
  readonly details: Dict;
  /** Aborted when INTERRUPT arrives; `signal.reason` is the INTERRUPT's options. */
  readonly signal: AbortSignal;
  /** Send a progressive YIELD. spec: advanced/rpc_progressive_call_results.md */
  readonly progress: (payload: Payload) => void;
}
/** Answers an INVOCATION: the payload becomes the YIELD, a thrown WampError an ERROR. */
export type Handler = (args: Args, kwargs: KwArgs, context: InvocationContext) => Payload | Promise<Payload>;

export interface CallHandle {
  readonly request: number;
  readonly result: Promise<Result>;
  /** Send CANCEL. spec: advanced/rpc_call_canceling.md */
  cancel(mode: 'skip' | 'kill' | 'killnowait'): void;
}

export interface Subscription {
  readonly id: number;
  /** EVENTs in arrival order. */
  readonly events: AsyncQueue<Event>;
}
