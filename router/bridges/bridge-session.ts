/**
 * One legacy connection (or one `(user, session_id)` of the legacy WebSocket) as an ordinary WAMP
 * session of the router (docs/legacy-protocols.md, "One WAMP session per connection"). It joins over
 * an in-process pair (router/transports/local.ts) with a ticket handshake, so the configured
 * authenticator (static or dynamic) decides who the token belongs to, and the realm's roles and the
 * worker's authorizer apply exactly as to any WAMP client.
 *
 * Calls become plain CALLs of `<prefix>.task.NAME`; updates come from a subscription to the user's
 * status topic, filtered to the tasks this session submitted. A task keeps running when its legacy
 * client goes away (as in the original); only a WAMP CANCEL would stop it, and the bridge sends none.
 *
 * Ordering: every answer goes to one `BridgeSink`, synchronously from the message that caused it, so a
 * task's reply always reaches the sink before its first update. An event for a task id not yet known
 * while calls are in flight is parked until those calls are answered (bounded).
 */
import { EventEmitter } from 'node:events';
import type { TransportAuthConfig } from '../../shared/config/types.ts';
import { legacyErrorText, noSuchTaskText } from '../../shared/legacy/error-text.ts';
import { legacyUpdateData } from '../../shared/legacy/update.ts';
import type { Logger } from '../../shared/logger.ts';
import { isTerminal, type TaskStatusEvent } from '../../shared/task-status.ts';
import { statusTopic, taskProcedure } from '../../shared/wamp/app-uris.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { Dict, WampMessage } from '../../shared/wamp/messages.ts';
import { WampCloseUri } from '../../shared/wamp/uris.ts';
import type { Router } from '../index.ts';
import { createLocalPair, type LocalClient } from '../transports/local.ts';
import type { TransportDetails } from '../transports/peer.ts';

/** Where a bridge session's answers go: the legacy connection (or the buffer of an absent one). */
export interface BridgeSink {
  reply(callId: unknown, taskId: string): void;
  error(callId: unknown, text: string): void;
  update(callId: unknown, data: Readonly<Record<string, unknown>>): void;
}

/** How the session authenticates: the client's token as a WAMP ticket, or a delegated user. */
export type BridgeCredentials =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'delegated'; readonly authid: string; readonly authrole: string };

export interface BridgeSessionOptions {
  readonly router: Router;
  readonly realm: string;
  readonly uriPrefix: string;
  /** The auth block of the WAMP transport the bridge stands in for (token credentials only). */
  readonly auth: TransportAuthConfig | undefined;
  readonly credentials: BridgeCredentials;
  /** kind 'local'; `protocol` names the legacy protocol, `peer` the client's address. */
  readonly transport: TransportDetails;
  readonly logger: Logger;
  /** How long the join may take. @default 10_000 */
  readonly joinTimeoutMs?: number;
  /**
   * Subscribe to the user's status topic (needed to forward updates). false for a session that only
   * proves who a client is, e.g. a delegating service whose calls run in delegated sessions. @default true
   */
  readonly subscribe?: boolean;
}

/** Why a join failed: the ABORT reason and message (e.g. wamp.error.not_authorized). */
export class BridgeJoinError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'BridgeJoinError';
    this.reason = reason;
  }
}

const ROLES = Object.freeze({
  caller: { features: { caller_identification: true, progressive_call_results: true } },
  subscriber: { features: { publisher_identification: true } },
});
/** A task name must be one URI component (no dots, no whitespace, not empty). */
const TASK_NAME = /^[^\s.#]+$/;
/** Events parked while calls are in flight; beyond this the oldest are dropped (logged). */
const MAX_PARKED = 10_000;
const DEFAULT_JOIN_TIMEOUT_MS = 10_000;

interface PendingCall {
  readonly callId: unknown;
  readonly task: string;
}

export class BridgeSession extends EventEmitter<{ closed: [reason: string] }> {
  readonly authid: string;
  readonly authrole: string;
  readonly #client: LocalClient;
  readonly #log: Logger;
  readonly #prefix: string;
  readonly #calls = new Map<number, PendingCall>();
  /** task id → the call id that created it, until its terminal event. */
  readonly #tasks = new Map<string, unknown>();
  #parked: TaskStatusEvent[] = [];
  #request = 0;
  #subscribe = 0;
  #sink: BridgeSink | undefined;
  #closed = false;

  private constructor(client: LocalClient, authid: string, authrole: string, prefix: string, log: Logger) {
    super();
    this.#client = client;
    this.authid = authid;
    this.authrole = authrole;
    this.#prefix = prefix;
    this.#log = log;
  }

  /** Joins, subscribes to the user's status topic, and resolves once both are done. */
  static open(options: BridgeSessionOptions): Promise<BridgeSession> {
    const { router, credentials } = options;
    const { peer, client } = createLocalPair(options.transport);
    const auth: TransportAuthConfig | undefined = credentials.kind === 'token' ? options.auth : delegatedAuth(credentials);
    const signature = credentials.kind === 'token' ? credentials.token : DELEGATED_TICKETS.get(auth as object) ?? '';
    const details: Dict = { roles: ROLES, authmethods: ['ticket'], ...(credentials.kind === 'delegated' ? { authid: credentials.authid } : {}) };
    return new Promise<BridgeSession>((resolve, reject) => {
      let session: BridgeSession | undefined;
      const timer = setTimeout(() => {
        fail(new BridgeJoinError('wamp.error.timeout', 'the router did not admit the session in time'));
      }, options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS);
      const fail = (error: BridgeJoinError): void => {
        clearTimeout(timer);
        reject(error); // first: closing the pair below reports 'lost' through the close listener
        client.events.off('message', handshake);
        client.close();
      };
      const ready = (joined: BridgeSession): void => {
        clearTimeout(timer);
        client.events.off('message', handshake);
        client.events.removeAllListeners('close');
        client.events.on('message', (m) => { joined.#receive(m); });
        client.events.once('close', () => { joined.#gone('closed'); });
        resolve(joined);
      };
      const handshake = (msg: WampMessage): void => {
        switch (msg.type) {
          case MessageType.CHALLENGE:
            client.send({ type: MessageType.AUTHENTICATE, signature, extra: {} });
            return;
          case MessageType.WELCOME: {
            const authid = typeof msg.details['authid'] === 'string' ? msg.details['authid'] : '';
            const authrole = typeof msg.details['authrole'] === 'string' ? msg.details['authrole'] : '';
            session = new BridgeSession(client, authid, authrole, options.uriPrefix,
              options.logger.child({ component: 'legacy-bridge', authid, session: msg.session }));
            if (options.subscribe === false) {
              ready(session);
              return;
            }
            session.#subscribe = 1;
            client.send({ type: MessageType.SUBSCRIBE, request: 1, options: {}, topic: statusTopic(options.uriPrefix, authid) });
            return;
          }
          case MessageType.SUBSCRIBED:
            if (session !== undefined && msg.request === session.#subscribe) {
              ready(session);
              return;
            }
            fail(new BridgeJoinError('wamp.error.protocol_violation', 'unexpected SUBSCRIBED'));
            return;
          case MessageType.ERROR:
            fail(new BridgeJoinError(msg.error, `cannot subscribe to the status topic: ${msg.error}`));
            return;
          case MessageType.ABORT: {
            const text = msg.details['message'];
            fail(new BridgeJoinError(msg.reason, typeof text === 'string' ? text : msg.reason));
            return;
          }
          default:
            fail(new BridgeJoinError('wamp.error.protocol_violation', `unexpected message ${msg.type} while joining`));
        }
      };
      client.events.on('message', handshake);
      client.events.once('close', () => { fail(new BridgeJoinError('wamp.close.lost', 'the session closed while joining')); });
      router.attach(peer, auth === undefined ? {} : { auth });
      client.send({ type: MessageType.HELLO, realm: options.realm, details });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Tasks submitted here that have not ended yet. */
  get openTasks(): number {
    return this.#tasks.size;
  }

  /** Where answers go from now on; undefined drops them (e.g. `no_update` handled by the caller). */
  setSink(sink: BridgeSink | undefined): void {
    this.#sink = sink;
  }

  /** Submit task `task`; the reply or error goes to the sink, tagged with `callId`. */
  submit(callId: unknown, task: string, args: readonly unknown[], kwargs: Dict): void {
    if (this.#closed) {
      this.#sink?.error(callId, 'the session is closed');
      return;
    }
    if (!TASK_NAME.test(task)) {
      this.#sink?.error(callId, noSuchTaskText(task));
      return;
    }
    const request = ++this.#request;
    this.#calls.set(request, { callId, task });
    this.#client.send({
      type: MessageType.CALL, request, options: {}, procedure: taskProcedure(this.#prefix, task),
      ...(Object.keys(kwargs).length > 0 ? { args, kwargs } : args.length > 0 ? { args } : {}),
    });
  }

  /** Leave the realm (GOODBYE); the tasks already submitted run on. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#client.send({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.goodbyeAndOut });
    // The router answers GOODBYE and closes its end; nothing more is expected from it.
    setImmediate(() => { this.#client.close(); });
    this.#gone('closed by the bridge');
  }

  #receive(msg: WampMessage): void {
    switch (msg.type) {
      case MessageType.EVENT:
        this.#event(msg.kwargs);
        return;
      case MessageType.RESULT: {
        const call = this.#take(msg.request);
        if (call === undefined) return;
        const taskId = msg.args?.[0];
        if (typeof taskId !== 'string') {
          this.#sink?.error(call.callId, 'the worker answered without a task id');
        } else {
          this.#tasks.set(taskId, call.callId);
          this.#sink?.reply(call.callId, taskId);
        }
        this.#release();
        return;
      }
      case MessageType.ERROR: {
        const call = this.#take(msg.request);
        if (call === undefined) return;
        const first = msg.args?.[0];
        this.#sink?.error(call.callId, legacyErrorText(call.task, msg.error, typeof first === 'string' ? first : undefined));
        this.#release();
        return;
      }
      case MessageType.GOODBYE:
        this.#client.send({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.goodbyeAndOut });
        this.#client.close();
        this.#gone(msg.reason);
        return;
      case MessageType.ABORT:
        this.#client.close();
        this.#gone(msg.reason);
        return;
      default:
        return;
    }
  }

  #take(request: number): PendingCall | undefined {
    const call = this.#calls.get(request);
    if (call !== undefined) this.#calls.delete(request);
    return call;
  }

  #event(kwargs: Dict | undefined): void {
    const event = kwargs as TaskStatusEvent | undefined;
    if (event === undefined || typeof event.task_id !== 'string' || typeof event.status !== 'string') return;
    if (this.#tasks.has(event.task_id)) {
      this.#deliver(event);
    } else if (this.#calls.size > 0) {
      if (this.#parked.length >= MAX_PARKED) {
        this.#parked.shift();
        this.#log.warn('too many status events waiting for their task ids; dropped the oldest');
      }
      this.#parked.push(event);
    }
  }

  #deliver(event: TaskStatusEvent): void {
    const callId = this.#tasks.get(event.task_id);
    if (isTerminal(event.status)) this.#tasks.delete(event.task_id);
    const data = legacyUpdateData(event);
    if (data !== undefined) this.#sink?.update(callId, data);
  }

  /** After a call was answered: deliver the parked events that are now known, drop the rest when idle. */
  #release(): void {
    if (this.#parked.length === 0) return;
    const parked = this.#parked;
    this.#parked = [];
    for (const event of parked) {
      if (this.#tasks.has(event.task_id)) this.#deliver(event);
      else if (this.#calls.size > 0) this.#parked.push(event);
    }
  }

  #gone(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of this.#calls.values()) this.#sink?.error(call.callId, 'the session closed before the call was answered');
    this.#calls.clear();
    this.#parked = [];
    this.emit('closed', reason);
  }
}

/** Delegated sessions join with a one-off static ticket principal; the ticket never leaves the process. */
const DELEGATED_TICKETS = new WeakMap<object, string>();

function delegatedAuth(credentials: { readonly authid: string; readonly authrole: string }): TransportAuthConfig {
  const ticket = crypto.randomUUID();
  const auth: TransportAuthConfig = {
    ticket: { type: 'static', principals: { [credentials.authid]: { ticket, role: credentials.authrole } } },
  };
  DELEGATED_TICKETS.set(auth, ticket);
  return auth;
}
