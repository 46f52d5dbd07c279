/**
 * The embedded worker's joined session over an in-process pair (router/transports/local.ts): typed
 * WampMessages both ways, no autobahn-js, no array codec. It does what the worker needs as a callee
 * and publisher, with autobahn's semantics (worker/worker-session.ts):
 * - REGISTER → REGISTERED (or ERROR: the promise rejects with an `autobahn.Error`);
 * - INVOCATION → the endpoint → YIELD `[value]` or the `autobahn.Result`'s args/kwargs, or ERROR with
 *   the `autobahn.Error`'s URI (anything else: wamp.error.runtime_error); `receive_progress` gives the
 *   endpoint a `progress(args, kwargs)` that sends YIELD {progress: true};
 * - INTERRUPT (the session announces callee call_canceling) → aborts the invocation's `details.signal`;
 *   the endpoint still answers (YIELD or ERROR): the dealer forwards it (mode kill) or discards it;
 * - PUBLISH (PUBLISHED awaited only with `acknowledge: true`);
 * - SUBSCRIBE → SUBSCRIBED, then every EVENT to its handler (details: publication, topic);
 * - CALL → RESULT (`args[0]`, or an `autobahn.Result` when there is more) or ERROR (rejects).
 * A synchronous endpoint result is answered at once (the pair delivers it a microtask later), where
 * autobahn answered from a promise callback; both go out before any status event (setImmediate).
 */
import type { LocalClient } from '../router/transports/local.ts';
import type { Logger } from '../shared/logger.ts';
import { MessageType } from '../shared/wamp/message-type.ts';
import type { Dict, ErrorMessage, Event, Invocation, WampMessage } from '../shared/wamp/messages.ts';
import { WampErrorUri } from '../shared/wamp/uris.ts';
import { autobahn, isAbError, type AbEndpoint, type AbInvocationDetails } from '../shared/autobahn.ts';
import type { EventHandler, WorkerSession } from './worker-session.ts';

interface Registered {
  readonly procedure: string;
  readonly endpoint: AbEndpoint;
}

interface PendingRequest {
  readonly resolve: (reply: WampMessage) => void;
  readonly reject: (error: unknown) => void;
}

const EMPTY_ARGS: readonly unknown[] = Object.freeze([]);
const EMPTY_DICT: Dict = Object.freeze({});
const PROGRESS: Dict = Object.freeze({ progress: true });

function hasKeys(dict: Dict): boolean {
  for (const key in dict) if (Object.hasOwn(dict, key)) return true;
  return false;
}

/** args/kwargs as autobahn sends them: kwargs only when not empty, args only when either is not empty. */
function payload(args: readonly unknown[], kwargs: Dict): { args?: readonly unknown[]; kwargs?: Dict } {
  if (hasKeys(kwargs)) return { args, kwargs };
  return args.length > 0 ? { args } : {};
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function stringOr(value: unknown, fallback?: string): string | undefined {
  return typeof value === 'string' ? value : fallback;
}

export class LocalWorkerSession implements WorkerSession {
  readonly id: number;
  readonly #client: LocalClient;
  readonly #log: Logger;
  readonly #endpoints = new Map<number, Registered>();
  readonly #pending = new Map<number, PendingRequest>();
  /** SUBSCRIBED.Subscription → its handler. */
  readonly #handlers = new Map<number, EventHandler>();
  /** INVOCATION.Request → the abort controller of an invocation not answered yet. */
  readonly #running = new Map<number, AbortController>();
  #lastRequest = 0;
  #open = true;

  constructor(id: number, client: LocalClient, logger: Logger) {
    this.id = id;
    this.#client = client;
    this.#log = logger;
  }

  get isOpen(): boolean {
    return this.#open && !this.#client.closed;
  }

  register(procedure: string, endpoint: AbEndpoint, options: Dict = {}): Promise<unknown> {
    return this.#request((request) => ({ type: MessageType.REGISTER, request, options, procedure })).then((reply) => {
      if (reply.type !== MessageType.REGISTERED) throw new Error(`unexpected reply to REGISTER: ${reply.type}`);
      this.#endpoints.set(reply.registration, { procedure, endpoint });
      return reply;
    });
  }

  publish(topic: string, args: readonly unknown[] = EMPTY_ARGS, kwargs: Dict = EMPTY_DICT, options: Dict = EMPTY_DICT): Promise<unknown> | undefined {
    if (options['acknowledge'] === true) {
      return this.#request((request) => ({ type: MessageType.PUBLISH, request, options, topic, ...payload(args, kwargs) }));
    }
    const request = this.#nextRequest();
    // The common case (a status event: kwargs, no args) without building an intermediate object.
    this.#client.send(hasKeys(kwargs)
      ? { type: MessageType.PUBLISH, request, options, topic, args, kwargs }
      : { type: MessageType.PUBLISH, request, options, topic, ...payload(args, kwargs) });
    return undefined;
  }

  subscribe(topic: string, handler: EventHandler, options: Dict = EMPTY_DICT): Promise<unknown> {
    return this.#request((request) => ({ type: MessageType.SUBSCRIBE, request, options, topic })).then((reply) => {
      if (reply.type !== MessageType.SUBSCRIBED) throw new Error(`unexpected reply to SUBSCRIBE: ${reply.type}`);
      this.#handlers.set(reply.subscription, handler);
      return reply;
    });
  }

  unsubscribe(subscription: unknown): Promise<unknown> {
    const id = (subscription as { readonly type?: unknown; readonly subscription?: unknown } | undefined)?.subscription;
    if (typeof id !== 'number') return Promise.reject(new TypeError('unsubscribe: expected the handle subscribe resolved with'));
    // No event reaches the handler from now on, even one the router sent before UNSUBSCRIBED.
    this.#handlers.delete(id);
    return this.#request((request) => ({ type: MessageType.UNSUBSCRIBE, request, subscription: id }));
  }

  call(procedure: string, args: readonly unknown[] = EMPTY_ARGS, kwargs: Dict = EMPTY_DICT, options: Dict = EMPTY_DICT): Promise<unknown> {
    return this.#request((request) => ({ type: MessageType.CALL, request, options, procedure, ...payload(args, kwargs) })).then((reply) => {
      if (reply.type !== MessageType.RESULT) throw new Error(`unexpected reply to CALL: ${reply.type}`);
      const resultArgs = reply.args ?? EMPTY_ARGS;
      const resultKwargs = reply.kwargs ?? EMPTY_DICT;
      return resultArgs.length <= 1 && !hasKeys(resultKwargs) ? resultArgs[0] : new autobahn.Result([...resultArgs], { ...resultKwargs });
    });
  }

  /** A message of the joined session from the router; false if the session cannot go on (protocol violation). */
  receive(msg: WampMessage): boolean {
    switch (msg.type) {
      case MessageType.INVOCATION:
        return this.#invoke(msg);
      case MessageType.INTERRUPT:
        // spec: advanced/rpc_call_canceling.md: an INTERRUPT for an invocation already answered is ignored.
        this.#running.get(msg.request)?.abort();
        this.#running.delete(msg.request);
        return true;
      case MessageType.EVENT:
        this.#event(msg);
        return true;
      case MessageType.REGISTERED:
      case MessageType.PUBLISHED:
      case MessageType.SUBSCRIBED:
      case MessageType.UNSUBSCRIBED:
      case MessageType.RESULT:
      case MessageType.ERROR:
        this.#settle(msg.request, msg);
        return true;
      default:
        // Nothing else is addressed to a callee/publisher that never unregisters.
        return true;
    }
  }

  /** The session ended: pending requests reject, late endpoint results are dropped. */
  closed(): void {
    this.#open = false;
    this.#running.clear();
    this.#handlers.clear();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) request.reject(new autobahn.Error('wamp.error.session_closed', ['the session closed'], {}));
  }

  #nextRequest(): number {
    this.#lastRequest += 1;
    return this.#lastRequest;
  }

  #request(build: (request: number) => WampMessage): Promise<WampMessage> {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- autobahn's Error (not an Error subclass), as an autobahn session rejects
    if (!this.isOpen) return Promise.reject(new autobahn.Error('wamp.error.session_closed', ['the session is not open'], {}));
    const request = this.#nextRequest();
    return new Promise((resolve, reject) => {
      this.#pending.set(request, { resolve, reject });
      this.#client.send(build(request));
    });
  }

  #settle(request: number, reply: WampMessage): void {
    const pending = this.#pending.get(request);
    if (pending === undefined) return;
    this.#pending.delete(request);
    if (reply.type === MessageType.ERROR) pending.reject(new autobahn.Error(reply.error, [...(reply.args ?? [])], { ...(reply.kwargs ?? {}) }));
    else pending.resolve(reply);
  }

  #event(msg: Event): void {
    const handler = this.#handlers.get(msg.subscription);
    if (handler === undefined) return;
    const topic = msg.details['topic'];
    try {
      handler([...(msg.args ?? EMPTY_ARGS)], { ...(msg.kwargs ?? EMPTY_DICT) }, { publication: msg.publication, ...(typeof topic === 'string' ? { topic } : {}) });
    } catch (error) {
      this.#log.warn({ err: error }, 'error in an event handler of the worker');
    }
  }

  #invoke(msg: Invocation): boolean {
    const registered = this.#endpoints.get(msg.registration);
    if (registered === undefined) return false; // autobahn: protocol violation
    const { request, details } = msg;
    const progress = details['receive_progress'] === true
      ? (args?: unknown[], kwargs?: Dict): void => {
        this.#client.send({ type: MessageType.YIELD, request, options: PROGRESS, ...payload(args ?? EMPTY_ARGS, kwargs ?? EMPTY_DICT) });
      }
      : null;
    const caller = details['caller'];
    // Only a progressive invocation is worth interrupting (and it is not the fast path): the others
    // answer at once or are short control calls, and an INTERRUPT for them is ignored.
    let controller: AbortController | undefined;
    if (progress !== null) {
      controller = new AbortController();
      this.#running.set(request, controller);
    }
    const invocation: AbInvocationDetails = {
      procedure: stringOr(details['procedure'], registered.procedure) ?? registered.procedure,
      progress,
      caller: typeof caller === 'number' ? caller : undefined,
      caller_authid: stringOr(details['caller_authid']),
      caller_authrole: stringOr(details['caller_authrole']),
      signal: controller?.signal,
    };
    let result: unknown;
    try {
      // Passed by reference, as autobahn does after decoding: endpoints never mutate their arguments.
      result = registered.endpoint((msg.args ?? []) as unknown[], msg.kwargs ?? {}, invocation);
    } catch (error) {
      this.#error(request, error);
      return true;
    }
    if (isThenable(result)) {
      result.then((value) => { this.#yield(request, value); }, (error: unknown) => { this.#error(request, error); });
    } else {
      this.#yield(request, result);
    }
    return true;
  }

  #yield(request: number, value: unknown): void {
    if (this.#running.size > 0) this.#running.delete(request);
    if (value instanceof autobahn.Result) this.#client.send({ type: MessageType.YIELD, request, options: EMPTY_DICT, ...payload(value.args, value.kwargs) });
    else this.#client.send({ type: MessageType.YIELD, request, options: EMPTY_DICT, args: [value] });
  }

  #error(request: number, error: unknown): void {
    if (this.#running.size > 0) this.#running.delete(request);
    let reply: ErrorMessage;
    if (isAbError(error)) {
      reply = { type: MessageType.ERROR, requestType: MessageType.INVOCATION, request, details: {}, error: error.error, ...payload(error.args, error.kwargs) };
    } else {
      this.#log.warn({ err: error }, 'error in worker code');
      reply = { type: MessageType.ERROR, requestType: MessageType.INVOCATION, request, details: {}, error: WampErrorUri.runtimeError, args: [error] };
    }
    this.#client.send(reply);
  }
}
