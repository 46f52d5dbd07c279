/**
 * A small typed, promise-based WAMP client over any ClientConnection (test/helpers/transports/),
 * so one scenario runs unchanged over every transport. It announces the caller, callee, publisher
 * and subscriber roles with the features our scenarios use (CLIENT_ROLES).
 *
 *   const alice = await WampTestClient.join(connection, { realm: 'matrix', ...ticketAuth('alice', 'secret') });
 *   await bob.register('com.example.add', (args) => ({ args: [Number(args[0]) + Number(args[1])] }));
 *   const result = await alice.call('com.example.add', { args: [2, 3] });
 *   await alice.goodbye();
 */
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import type { Dict, Goodbye, Invocation, Published, Result, WampMessage, Welcome } from '../../shared/wamp/messages.ts';
import { WampCloseUri } from '../../shared/wamp/uris.ts';
import { AsyncQueue } from './async-queue.ts';
import type { ClientConnection } from './transports/connection.ts';
import { CLIENT_ROLES, helloDetails } from './transports/hello.ts';
import {
  WampAbort, WampError, type CallHandle, type Handler, type InvocationContext, type JoinOptions, type Payload, type Subscription,
} from './wamp-test-types.ts';

export * from './wamp-test-types.ts';
export { craAuth, ticketAuth } from './wamp-test-auth.ts';

interface Pending {
  readonly resolve: (message: WampMessage) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress?: ((result: Result) => void) | undefined;
}

/** How long join waits for the router to close the transport after ABORT. */
const ROUTER_CLOSE_WAIT_MS = 2_000;

export class WampTestClient {
  readonly connection: ClientConnection;
  /** Messages no request, registration or subscription was waiting for. */
  readonly stray: WampMessage[] = [];
  /** Resolves with the connection's close reason. */
  readonly closed: Promise<string>;
  #welcome: Welcome | undefined;
  #lastRequest = 0;
  readonly #handshake = new AsyncQueue<WampMessage>('handshake reply');
  readonly #pending = new Map<number, Pending>();
  readonly #handlers = new Map<number, Handler>();
  readonly #invocations = new Map<number, AbortController>();
  readonly #subscriptions = new Map<number, Subscription>();
  #goodbye: ((message: Goodbye) => void) | undefined;

  private constructor(connection: ClientConnection) {
    this.connection = connection;
    this.closed = new Promise((resolve) => {
      connection.listen({
        message: (message) => { this.#dispatch(message); },
        closed: (reason) => {
          const error = new Error(`${connection.name} closed: ${reason}`);
          this.#handshake.fail(error);
          for (const pending of this.#pending.values()) pending.reject(error);
          this.#pending.clear();
          for (const subscription of this.#subscriptions.values()) subscription.events.fail(error);
          resolve(reason);
        },
      });
    });
  }

  /**
   * HELLO (+ CHALLENGE/AUTHENTICATE) → WELCOME. On ABORT, waits up to ROUTER_CLOSE_WAIT_MS for the
   * router to close the transport (noted in the WampAbort), closes it, and rejects with the WampAbort.
   */
  static async join(connection: ClientConnection, options: JoinOptions): Promise<WampTestClient> {
    const client = new WampTestClient(connection);
    connection.send({ type: M.HELLO, realm: options.realm, details: helloDetails(options, CLIENT_ROLES) });
    for (;;) {
      const reply = await client.#handshake.next();
      if (reply.type === M.WELCOME) {
        client.#welcome = reply;
        return client;
      }
      if (reply.type === M.CHALLENGE && options.onChallenge) {
        connection.send({ type: M.AUTHENTICATE, signature: options.onChallenge(reply), extra: {} });
        continue;
      }
      const routerClosed = reply.type === M.ABORT && await client.#closedWithin(ROUTER_CLOSE_WAIT_MS);
      await connection.close();
      if (reply.type === M.ABORT) throw new WampAbort(reply.reason, reply.args, routerClosed);
      throw new Error(`unexpected handshake reply ${JSON.stringify(reply)} on ${connection.name}`);
    }
  }

  get welcome(): Welcome {
    if (!this.#welcome) throw new Error('not joined');
    return this.#welcome;
  }
  get session(): number {
    return this.welcome.session;
  }

  startCall(procedure: string, payload: Payload = {}, options: Dict = {}, onProgress?: (result: Result) => void): CallHandle {
    const request = this.#nextRequest();
    const result = this.#request(request, { type: M.CALL, request, options, procedure, ...payload }, onProgress) as Promise<Result>;
    return {
      request,
      result,
      cancel: (mode) => { this.connection.send({ type: M.CANCEL, request, options: { mode } }); },
    };
  }

  /** CALL → RESULT; rejects with WampError on ERROR. */
  call(procedure: string, payload: Payload = {}, options: Dict = {}): Promise<Result> {
    return this.startCall(procedure, payload, options).result;
  }

  async register(procedure: string, handler: Handler, options: Dict = {}): Promise<number> {
    const request = this.#nextRequest();
    const reply = await this.#request(request, { type: M.REGISTER, request, options, procedure });
    if (reply.type !== M.REGISTERED) throw new Error(`REGISTER answered ${JSON.stringify(reply)}`);
    this.#handlers.set(reply.registration, handler);
    return reply.registration;
  }

  async subscribe(topic: string, options: Dict = {}): Promise<Subscription> {
    const request = this.#nextRequest();
    const reply = await this.#request(request, { type: M.SUBSCRIBE, request, options, topic });
    if (reply.type !== M.SUBSCRIBED) throw new Error(`SUBSCRIBE answered ${JSON.stringify(reply)}`);
    const subscription: Subscription = { id: reply.subscription, events: new AsyncQueue(`EVENT for ${topic}`) };
    this.#subscriptions.set(reply.subscription, subscription);
    return subscription;
  }

  /** PUBLISH; with `acknowledge: true` resolves with PUBLISHED (rejects on ERROR), else at once. */
  async publish(topic: string, payload: Payload = {}, options: Dict = {}): Promise<Published | undefined> {
    const request = this.#nextRequest();
    const message = { type: M.PUBLISH, request, options, topic, ...payload } as const;
    if (options['acknowledge'] !== true) {
      this.connection.send(message);
      return undefined;
    }
    return await this.#request(request, message) as Published;
  }

  /** GOODBYE and the router's GOODBYE reply (spec: basic/sessions.md), then close the connection. */
  async goodbye(reason: string = WampCloseUri.closeRealm): Promise<Goodbye> {
    const reply = new Promise<Goodbye>((resolve, reject) => {
      this.#goodbye = resolve;
      void this.closed.then((why) => { reject(new Error(`closed before the GOODBYE reply: ${why}`)); });
    });
    this.connection.send({ type: M.GOODBYE, details: {}, reason });
    const answer = await reply;
    await this.connection.close();
    return answer;
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  async #closedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => { resolve(false); }, ms); });
    try {
      return await Promise.race([this.closed.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #nextRequest(): number {
    return (this.#lastRequest += 1);
  }

  #request(request: number, message: WampMessage, onProgress?: (result: Result) => void): Promise<WampMessage> {
    return new Promise((resolve, reject) => {
      this.#pending.set(request, { resolve, reject, onProgress });
      this.connection.send(message);
    });
  }

  #dispatch(message: WampMessage): void {
    switch (message.type) {
      case M.WELCOME: case M.ABORT: case M.CHALLENGE:
        this.#handshake.push(message);
        return;
      case M.GOODBYE:
        if (this.#goodbye) this.#goodbye(message);
        else this.connection.send({ type: M.GOODBYE, details: {}, reason: WampCloseUri.goodbyeAndOut });
        return;
      case M.INVOCATION:
        this.#invoke(message);
        return;
      case M.INTERRUPT:
        if (this.#invocations.has(message.request)) this.#invocations.get(message.request)?.abort(message.options);
        else this.stray.push(message);
        return;
      case M.EVENT: {
        const subscription = this.#subscriptions.get(message.subscription);
        if (subscription) subscription.events.push(message);
        else this.stray.push(message);
        return;
      }
      case M.RESULT: case M.ERROR: case M.SUBSCRIBED: case M.UNSUBSCRIBED: case M.REGISTERED: case M.UNREGISTERED: case M.PUBLISHED: {
        const pending = this.#pending.get(message.request);
        if (!pending) {
          this.stray.push(message);
        } else if (message.type === M.RESULT && message.details['progress'] === true) {
          if (pending.onProgress) pending.onProgress(message);
          else this.stray.push(message);
        } else {
          this.#pending.delete(message.request);
          if (message.type === M.ERROR) pending.reject(new WampError(message.error, message.args));
          else pending.resolve(message);
        }
        return;
      }
      default:
        this.stray.push(message);
    }
  }

  #invoke(invocation: Invocation): void {
    const handler = this.#handlers.get(invocation.registration);
    if (!handler) {
      this.stray.push(invocation);
      return;
    }
    const { request } = invocation;
    const controller = new AbortController();
    this.#invocations.set(request, controller);
    const context: InvocationContext = {
      details: invocation.details,
      signal: controller.signal,
      progress: (payload) => { this.connection.send({ type: M.YIELD, request, options: { progress: true }, ...payload }); },
    };
    void (async () => {
      try {
        const payload = await handler(invocation.args ?? [], invocation.kwargs ?? {}, context);
        this.connection.send({ type: M.YIELD, request, options: {}, ...payload });
      } catch (err) {
        const error = err instanceof WampError ? err : new WampError('com.matrix.handler_failed', [String(err)]);
        this.connection.send({ type: M.ERROR, requestType: M.INVOCATION, request, details: {}, error: error.uri, args: error.args });
      } finally {
        this.#invocations.delete(request);
      }
    })();
  }
}
