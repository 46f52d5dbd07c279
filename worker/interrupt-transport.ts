/**
 * Call canceling for the remote worker's autobahn-js session. autobahn-js 26 as a callee does not
 * support it: it does not announce callee `call_canceling`, so a router sends it no INTERRUPT (CANCEL
 * acts as `skip`, spec: advanced/rpc_call_canceling.md), and it would take an INTERRUPT for a protocol
 * violation (node_modules/autobahn/lib/session.js has no handler for it). The worker's WebSocket
 * transport type adds it underneath the session, on its own connection only:
 * - outgoing HELLO: announces callee `call_canceling` (a copy of autobahn's roles, which it shares);
 * - incoming INVOCATION with `receive_progress` (only a progressive task call is worth interrupting):
 *   an AbortController for it, whose signal the endpoint gets as `details.signal`
 *   (`InvocationSignals.session`: autobahn calls the endpoint synchronously while it handles the message);
 * - incoming INTERRUPT: aborts that invocation's signal; never reaches autobahn. The endpoint still
 *   answers: the router forwards the answer (mode kill) or discards it;
 * - outgoing final YIELD or ERROR for an INVOCATION: forgets the invocation.
 */
import { MessageType } from '../shared/wamp/message-type.ts';
import { autobahn, type AbSession, type AbTransport, type AbTransportFactory, type Dict } from '../shared/autobahn.ts';
import type { WorkerSession } from './worker-session.ts';

/** The autobahn transport type of the remote worker: a WebSocket with call canceling as a callee. */
export const INTERRUPTIBLE_WEBSOCKET = 'asexor-worker-websocket';

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** HELLO.Details with roles.callee.features.call_canceling added (copies: autobahn's roles object is shared). */
function withCallCanceling(details: Dict): Dict {
  const roles = isDict(details['roles']) ? details['roles'] : {};
  const callee = isDict(roles['callee']) ? roles['callee'] : {};
  const features = isDict(callee['features']) ? callee['features'] : {};
  return { ...details, roles: { ...roles, callee: { ...callee, features: { ...features, call_canceling: true } } } };
}

/** The INVOCATIONs of one worker connection that can be interrupted, across its transports. */
export class InvocationSignals {
  readonly #running = new Map<unknown, AbortController>();
  /** The signal of the INVOCATION autobahn is handling right now (its endpoint runs synchronously). */
  #current: AbortSignal | undefined;

  /** Hooks a fresh transport (a new connection attempt: earlier invocations are gone with the old one). */
  attach(transport: AbTransport): void {
    this.#running.clear();
    const send = transport.send.bind(transport);
    transport.send = (message: unknown[]) => {
      send(this.#outgoing(message));
    };
    let deliver: (message: unknown[]) => void = () => undefined;
    // autobahn's session assigns `onmessage` after create(); the WebSocket transport calls `transport.onmessage(msg)`.
    Object.defineProperty(transport, 'onmessage', {
      configurable: true,
      enumerable: true,
      get: () => (message: unknown[]) => { this.#incoming(message, deliver); },
      set: (handler: (message: unknown[]) => void) => { deliver = handler; },
    });
  }

  /** A WorkerSession over `session` whose endpoints get `details.signal` for progressive invocations. */
  session(session: AbSession): WorkerSession {
    return {
      get id() { return session.id; },
      get isOpen() { return session.isOpen; },
      register: (procedure, endpoint, options) => session.register(procedure, (args, kwargs, details) => {
        const signal = this.#current;
        return endpoint(args, kwargs, signal === undefined ? details : { ...details, signal });
      }, options),
      publish: (topic, args, kwargs, options) => session.publish(topic, args, kwargs, options),
      subscribe: (topic, handler, options) => session.subscribe(topic, handler, options),
      unsubscribe: (subscription) => session.unsubscribe(subscription),
      call: (procedure, args, kwargs, options) => session.call(procedure, args, kwargs, options),
    };
  }

  #outgoing(message: unknown[]): unknown[] {
    const [type, second, third] = message;
    if (type === MessageType.HELLO && isDict(third)) return [type, second, withCallCanceling(third), ...message.slice(3)];
    if (this.#running.size === 0) return message;
    if (type === MessageType.YIELD && !(isDict(third) && third['progress'] === true)) this.#running.delete(second);
    else if (type === MessageType.ERROR && second === MessageType.INVOCATION) this.#running.delete(third);
    return message;
  }

  #incoming(message: unknown[], deliver: (message: unknown[]) => void): void {
    const [type, request, , details] = message;
    if (type === MessageType.INTERRUPT) {
      // spec: advanced/rpc_call_canceling.md: an INTERRUPT for an invocation already answered is ignored.
      this.#running.get(request)?.abort();
      this.#running.delete(request);
      return;
    }
    if (type !== MessageType.INVOCATION || !isDict(details) || details['receive_progress'] !== true) {
      deliver(message);
      return;
    }
    const controller = new AbortController();
    this.#running.set(request, controller);
    this.#current = controller.signal;
    try {
      deliver(message);
    } finally {
      this.#current = undefined;
    }
  }
}

class InterruptibleWebSocketFactory implements AbTransportFactory {
  readonly type = INTERRUPTIBLE_WEBSOCKET;
  readonly #inner: AbTransportFactory;
  readonly #signals: InvocationSignals;

  constructor(options: Dict) {
    const signals = options['signals'];
    if (!(signals instanceof InvocationSignals)) throw new Error(`transport ${INTERRUPTIBLE_WEBSOCKET} needs its "signals" option`);
    this.#signals = signals;
    this.#inner = new (autobahn.transports.get('websocket'))(options);
  }

  create(): AbTransport | null {
    const transport = this.#inner.create();
    if (transport !== null) this.#signals.attach(transport);
    return transport;
  }
}

if (!autobahn.transports.isRegistered(INTERRUPTIBLE_WEBSOCKET)) autobahn.transports.register(INTERRUPTIBLE_WEBSOCKET, InterruptibleWebSocketFactory);
