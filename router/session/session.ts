/**
 * RouterSession: one client connection's WAMP session, from HELLO to close
 * (spec: basic/sessions.md). Which message types are legal in which state is the LEGAL
 * table below; an illegal one ends the session with ABORT wamp.error.protocol_violation.
 * Accepted messages go through a FIFO inbox handled one at a time, so async steps (authentication,
 * authorization) never reorder a session's messages.
 */
import { MessageType, MessageTypeName } from '../../shared/wamp/message-type.ts';
import type { Authenticate, Dict, Goodbye, Hello, WampMessage } from '../../shared/wamp/messages.ts';
import { WampCloseUri, WampErrorUri } from '../../shared/wamp/uris.ts';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { abortMessage, type Handshake, type HandshakeStep } from './handshake.ts';
import { MessageCounters } from '../metrics/message-counters.ts';
import type { Realm, RealmMessage } from '../realm.ts';
import { createSessionHandle } from './session-handle.ts';
import type { Peer } from '../transports/peer.ts';
import type { SessionHandle } from '../types.ts';

export type SessionState = 'awaiting-hello' | 'authenticating' | 'challenged' | 'established' | 'shutting-down' | 'closed';

const M = MessageType;
/**
 * Client → router message types legal in each state. ABORT from the client is accepted in every
 * open state (it closes the session without a reply). In 'shutting-down' (we sent GOODBYE) all but
 * the GOODBYE reply are ignored (spec: basic/sessions.md "Session Closing"); in every other
 * state anything not listed (including router-only types such as WELCOME or RESULT) is a violation.
 */
const LEGAL: Readonly<Record<SessionState, ReadonlySet<number>>> = {
  'awaiting-hello': new Set([M.HELLO]),
  authenticating: new Set(), // HELLO/AUTHENTICATE being processed: the client must wait for our answer
  challenged: new Set([M.AUTHENTICATE]),
  established: new Set([M.GOODBYE, M.ERROR, M.PUBLISH, M.SUBSCRIBE, M.UNSUBSCRIBE, M.CALL, M.CANCEL, M.REGISTER, M.UNREGISTER, M.YIELD]),
  'shutting-down': new Set([M.GOODBYE]),
  closed: new Set(),
};
const IGNORE_ILLEGAL: ReadonlySet<SessionState> = new Set(['shutting-down', 'closed']);
/** How long a session killed through the meta API has to answer our GOODBYE before its transport is closed. */
export const KILL_GRACE_MS = 2_000;

const STATE_TEXT: Readonly<Record<SessionState, string>> = {
  'awaiting-hello': 'before HELLO', authenticating: 'before WELCOME', challenged: 'after CHALLENGE',
  established: 'in an established session', 'shutting-down': 'while closing', closed: 'after close',
};

export interface RouterSessionDeps {
  readonly id: number;
  readonly peer: Peer;
  readonly handshake: Handshake;
  readonly realm: (name: string) => Realm | undefined;
  readonly handshakeTimeoutMs: number;
  readonly logger: Logger;
  /** Called once when the session is closed (after leaving its realm). */
  readonly onClose: (session: RouterSession) => void;
  /** The router's message counters (router/metrics/message-counters.ts); undefined = not counted. */
  readonly counters?: MessageCounters;
}

/** Where the messages of a session built without counters are counted (never read). */
const UNCOUNTED = new MessageCounters();
const EMPTY: Dict = Object.freeze({});

/**
 * Memory (docs/router-memory.md): a joined session is mostly idle, so it keeps only what an
 * established session needs. The handshake, the router's dependencies for it and HELLO.Details are
 * dropped at WELCOME (the handle keeps the parsed roles); the child logger and the `closed` promise
 * are made on first use; the handshake timer is released once cleared; the inbox array exists only
 * while messages wait in it.
 */
export class RouterSession {
  readonly id: number;
  /** Until WELCOME or close: what only the handshake needs. */
  #deps: RouterSessionDeps | undefined;
  readonly #onClose: (session: RouterSession) => void;
  readonly #logger: Logger;
  readonly #peer: Peer;
  #log: Logger | undefined;
  #state: SessionState = 'awaiting-hello';
  #hello: Dict = EMPTY;
  #joined: { readonly realm: Realm; readonly handle: SessionHandle } | undefined;
  #inbox: WampMessage[] | undefined;
  #busy = false;
  #timer: NodeJS.Timeout | undefined;
  #finished = false;
  #closed: PromiseWithResolvers<undefined> | undefined;
  readonly #received: Float64Array;
  readonly #sent: Float64Array;

  constructor(deps: RouterSessionDeps) {
    this.id = deps.id;
    this.#deps = deps;
    this.#onClose = deps.onClose;
    this.#logger = deps.logger;
    this.#peer = deps.peer;
    this.#received = (deps.counters ?? UNCOUNTED).received;
    this.#sent = (deps.counters ?? UNCOUNTED).sent;
    // Closures made here outlive the handshake (the peer listeners): none may capture `deps`.
    const timeoutMs = deps.handshakeTimeoutMs;
    this.#timer = setTimeout(() => {
      this.#abort(WampErrorUri.timeout, `handshake not completed within ${timeoutMs} ms`);
    }, timeoutMs);
    this.#peer.on('message', (msg) => { this.#onMessage(msg); });
    this.#peer.on('error', (error) => {
      // Bad bytes from the transport: its AppError carries the URI (protocol_violation, payload_size_exceeded).
      this.#abort(error.uri ?? WampErrorUri.protocolViolation, error.message);
    });
    this.#peer.on('close', () => { this.#finish(); });
    if (this.#peer.closed) this.#finish();
  }

  get state(): SessionState {
    return this.#state;
  }
  /** The joined session, once WELCOME was sent. */
  get handle(): SessionHandle | undefined {
    return this.#joined?.handle;
  }
  /** Settles when the session is closed. */
  get closed(): Promise<void> {
    return this.#closedPromise();
  }

  #closedPromise(): Promise<undefined> {
    if (this.#closed === undefined) {
      this.#closed = Promise.withResolvers<undefined>();
      if (this.#finished) this.#closed.resolve(undefined);
    }
    return this.#closed.promise;
  }

  /** The session's child logger, made on first use (most sessions never log). */
  get #logged(): Logger {
    this.#log ??= this.#logger.child({ session: this.id });
    return this.#log;
  }

  /** Router shutdown: GOODBYE wamp.close.system_shutdown (ABORT before WELCOME); the reply closes. */
  shutdown(): Promise<void> {
    if (this.#state === 'established') {
      this.#state = 'shutting-down';
      this.#send({ type: M.GOODBYE, details: {}, reason: WampCloseUri.systemShutdown });
    } else if (this.#state !== 'shutting-down') {
      this.#abort(WampCloseUri.systemShutdown, 'the router is shutting down');
    }
    return this.#closedPromise();
  }

  /** Close the transport now (shutdown grace period over). */
  kill(): void {
    this.#close();
  }

  /** Every message to the client goes out here, counted by type. */
  #send(message: WampMessage): void {
    const sent = this.#sent;
    sent[message.type] = (sent[message.type] as number) + 1; // every type code is in range (router/metrics/message-counters.ts)
    this.#peer.send(message);
  }

  /** What the broker and dealer send: nothing more after our GOODBYE (spec: basic/sessions.md). */
  readonly #sendToClient = (message: WampMessage): void => {
    if (this.#state === 'established') this.#send(message);
  };

  #onMessage(msg: WampMessage): void {
    const received = this.#received;
    received[msg.type] = (received[msg.type] as number) + 1;
    const state = this.#state;
    if (state === 'closed') return;
    if (msg.type === M.ABORT) {
      this.#logged.debug({ reason: msg.reason }, 'client aborted');
      this.#close();
      return;
    }
    if (!LEGAL[state].has(msg.type)) {
      if (IGNORE_ILLEGAL.has(state)) return;
      this.#abort(WampErrorUri.protocolViolation, `${MessageTypeName[msg.type] ?? msg.type} is not allowed ${STATE_TEXT[state]}`);
      return;
    }
    if (state === 'shutting-down') {
      this.#close(); // the GOODBYE reply to our GOODBYE
      return;
    }
    // The client must wait for our answer to HELLO/AUTHENTICATE: anything it sends meanwhile is illegal.
    if (msg.type === M.HELLO || msg.type === M.AUTHENTICATE) this.#state = 'authenticating';
    (this.#inbox ??= []).push(msg);
    this.#pump();
  }

  /** Handle queued messages one at a time; an async step holds the queue until it settles. */
  #pump(): void {
    if (this.#busy) return;
    this.#busy = true;
    let inbox: WampMessage[] | undefined;
    while ((inbox = this.#inbox) !== undefined && inbox.length > 0) {
      const msg = inbox.shift() as WampMessage;
      let pending: Promise<void> | undefined;
      try {
        pending = this.#process(msg);
      } catch (error) {
        this.#fail(error);
        break;
      }
      if (pending instanceof Promise) {
        pending.then(
          () => { this.#busy = false; this.#pump(); },
          (error: unknown) => { this.#busy = false; this.#fail(error); },
        );
        return;
      }
    }
    this.#busy = false;
    if (this.#inbox?.length === 0) this.#inbox = undefined;
  }

  #process(msg: WampMessage): Promise<void> | undefined {
    if (this.#state === 'closed' || this.#state === 'shutting-down') return undefined; // dropped
    switch (msg.type) {
      case M.HELLO:
        return this.#onHello(msg);
      case M.AUTHENTICATE:
        return this.#onAuthenticate(msg);
      case M.GOODBYE:
        this.#onGoodbye(msg);
        return undefined;
      default: {
        const joined = this.#joined;
        if (!joined) throw new Error(`unreachable: ${MessageTypeName[msg.type] ?? msg.type} queued before WELCOME`);
        return joined.realm.handle(joined.handle, msg as RealmMessage); // LEGAL admits only realm messages here
      }
    }
  }

  async #onHello(msg: Hello): Promise<void> {
    const deps = this.#deps;
    if (deps === undefined) return; // closed before its HELLO was handled
    this.#hello = msg.details;
    this.#apply(await deps.handshake.hello(msg));
  }

  async #onAuthenticate(msg: Authenticate): Promise<void> {
    const deps = this.#deps;
    if (deps === undefined) return;
    this.#apply(await deps.handshake.authenticate(msg));
  }

  #apply(step: HandshakeStep): void {
    if (this.#state === 'closed') return; // closed (timeout, transport gone) while authenticating
    switch (step.kind) {
      case 'abort':
        this.#logged.debug({ reason: step.message.reason }, 'handshake aborted');
        this.#send(step.message);
        this.#close();
        return;
      case 'challenge':
        this.#state = 'challenged';
        this.#send(step.message);
        return;
      case 'welcome': {
        const realm = this.#deps?.realm(step.realm);
        if (!realm) throw new Error(`unreachable: handshake welcomed into unknown realm "${step.realm}"`);
        const handle = createSessionHandle(this.id, realm.name, step.principal, this.#hello, this.#peer.details, this.#sendToClient);
        this.#state = 'established';
        this.#clearTimer();
        this.#deps = undefined;
        this.#hello = EMPTY;
        this.#send(step.message);
        this.#joined = { realm, handle };
        realm.join(handle, (reason, message) => { this.#expel(reason, message); });
        return;
      }
    }
  }

  /**
   * Killed through the meta API (spec: advanced/meta_api_sessions.md "wamp.session.kill"): GOODBYE
   * with `reason` and Details.message; the realm drops the session at once, and the transport closes on
   * the client's GOODBYE reply (spec: basic/sessions.md "Session Closing") or after KILL_GRACE_MS.
   */
  #expel(reason: string, message: string | undefined): void {
    if (this.#state !== 'established') return;
    this.#state = 'shutting-down';
    this.#logged.debug({ reason }, 'session killed');
    this.#send({ type: M.GOODBYE, details: message === undefined ? {} : { message }, reason });
    this.#timer = setTimeout(() => { this.#timer = undefined; this.#close(); }, KILL_GRACE_MS);
  }

  /** spec: basic/sessions.md "Session Closing": reply GOODBYE wamp.close.goodbye_and_out */
  #onGoodbye(msg: Goodbye): void {
    this.#logged.debug({ reason: msg.reason }, 'client said goodbye');
    this.#send({ type: M.GOODBYE, details: {}, reason: WampCloseUri.goodbyeAndOut });
    this.#close();
  }

  #fail(error: unknown): void {
    if (error instanceof AppError && error.uri !== undefined) {
      this.#logged.debug({ err: error }, 'protocol violation');
      this.#abort(error.uri, error.message);
      return;
    }
    this.#logged.error({ err: error }, 'unexpected error handling a message');
    this.#abort(WampErrorUri.runtimeError, 'internal router error');
  }

  #abort(reason: string, message: string): void {
    if (this.#state === 'closed') return;
    this.#send(abortMessage(reason, message));
    this.#close();
  }

  #close(): void {
    this.#state = 'closed';
    this.#peer.close();
    this.#finish();
  }

  /** Runs once: leave the realm, release everything, tell the router. */
  #finish(): void {
    this.#state = 'closed';
    if (this.#finished) return;
    this.#finished = true;
    this.#clearTimer();
    this.#inbox = undefined;
    this.#deps = undefined;
    this.#hello = EMPTY;
    if (this.#joined) this.#joined.realm.leave(this.#joined.handle);
    this.#onClose(this);
    this.#closed?.resolve(undefined);
  }

  #clearTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
