/**
 * A tiny typed WAMP client over the in-process connector (test/helpers/transports/local.ts), for
 * router unit tests: send any message, await the next one (or one matching a predicate), do
 * request/response.
 *
 *   const alice = await LocalTestClient.join(router, 'realm1');
 *   const sub = await alice.subscribe('com.example.topic');
 *   const result = await alice.call('com.example.add', [1, 2]);
 */
import { setImmediate as flush } from 'node:timers/promises';
import type { AttachOptions, Router } from '../../router/index.ts';
import type { LocalClient, LocalPeer } from '../../router/transports/local.ts';
import type { CloseInfo } from '../../router/transports/peer.ts';
import { MessageType, MessageTypeName } from '../../shared/wamp/message-type.ts';
import type { Dict, WampMessage, Welcome } from '../../shared/wamp/messages.ts';
import { CLIENT_ROLES } from './transports/hello.ts';
import { openLocal } from './transports/local.ts';

export { CLIENT_ROLES };

export type MessageOf<T extends WampMessage['type']> = Extract<WampMessage, { type: T }>;


/** Answers an INVOCATION: a value → YIELD [value]; a thrown Error → ERROR with its message as URI. */
export type InvocationHandler = (invocation: MessageOf<typeof MessageType.INVOCATION>) => unknown;

interface Waiter {
  readonly predicate: (m: WampMessage) => boolean;
  readonly resolve: (m: WampMessage) => void;
  readonly reject: (e: Error) => void;
}

export class LocalTestClient {
  readonly client: LocalClient;
  readonly peer: LocalPeer;
  /** Every message received, in order (including those already taken by next/waitFor). */
  readonly received: WampMessage[] = [];
  readonly closed: Promise<CloseInfo>;
  readonly #buffer: WampMessage[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #handlers = new Map<number, InvocationHandler>();
  #request = 0;
  #isClosed = false;

  constructor(router: Router, options: AttachOptions = {}) {
    let resolveClosed: (info: CloseInfo) => void = () => undefined;
    this.closed = new Promise((resolve) => { resolveClosed = resolve; });
    const { peer, client } = openLocal(router, options, {
      closed: (info) => {
        this.#isClosed = true;
        for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error('the router closed the session'));
        resolveClosed(info);
      },
      message: (message) => { this.#receive(message); },
    });
    this.peer = peer;
    this.client = client;
  }

  #receive(message: WampMessage): void {
    this.received.push(message);
    const handler = message.type === MessageType.INVOCATION ? this.#handlers.get(message.registration) : undefined;
    if (handler && message.type === MessageType.INVOCATION) {
      void this.#answer(message, handler);
      return;
    }
    const index = this.#waiters.findIndex((w) => w.predicate(message));
    const waiter = index < 0 ? undefined : this.#waiters.splice(index, 1)[0];
    if (waiter) waiter.resolve(message);
    else this.#buffer.push(message);
  }

  /** Attach, HELLO and expect WELCOME. */
  static async join(router: Router, realm: string, details: Dict = {}, options?: AttachOptions): Promise<LocalTestClient & { welcome: Welcome }> {
    const client = new LocalTestClient(router, options);
    const reply = await client.hello(realm, details);
    if (reply.type !== MessageType.WELCOME) throw new Error(`expected WELCOME, got ${JSON.stringify(reply)}`);
    return Object.assign(client, { welcome: reply });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  nextRequestId(): number {
    return (this.#request += 1);
  }

  send(message: WampMessage): void {
    this.client.send(message);
  }

  /** The first not-yet-taken message matching `predicate` (default: any), within `timeoutMs`. */
  waitFor(predicate: (m: WampMessage) => boolean = () => true, timeoutMs = 2_000): Promise<WampMessage> {
    const index = this.#buffer.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.#buffer.splice(index, 1)[0] as WampMessage);
    if (this.#isClosed) return Promise.reject(new Error('the router closed the session'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no matching message within ${timeoutMs} ms; buffered: ${JSON.stringify(this.#buffer)}`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      this.#waiters.push(waiter);
    });
  }

  /** The next message, which must be of `type`. */
  async expect<T extends WampMessage['type']>(type: T, timeoutMs?: number): Promise<MessageOf<T>> {
    const message = await this.waitFor(undefined, timeoutMs);
    if (message.type !== type) throw new Error(`expected ${MessageTypeName[type] ?? type}, got ${JSON.stringify(message)}`);
    return message as MessageOf<T>;
  }

  /** Messages not yet taken, after letting every queued microtask/immediate run. */
  async pending(): Promise<WampMessage[]> {
    await flush();
    return [...this.#buffer];
  }

  /** Send HELLO; resolves with the router's answer (WELCOME, CHALLENGE or ABORT). */
  hello(realm: string, details: Dict = {}): Promise<WampMessage> {
    this.send({ type: MessageType.HELLO, realm, details: { roles: CLIENT_ROLES, ...details } });
    return this.waitFor();
  }

  /** Send a request and resolve with the answer carrying the same request id (reply or ERROR). */
  request(message: WampMessage & { readonly request: number }): Promise<WampMessage> {
    this.send(message);
    return this.waitFor((m) => 'request' in m && m.request === message.request && m.type !== MessageType.INVOCATION);
  }

  async subscribe(topic: string, options: Dict = {}): Promise<number> {
    const reply = await this.request({ type: MessageType.SUBSCRIBE, request: this.nextRequestId(), options, topic });
    if (reply.type !== MessageType.SUBSCRIBED) throw new Error(`SUBSCRIBE failed: ${JSON.stringify(reply)}`);
    return reply.subscription;
  }

  async register(procedure: string, options: Dict = {}): Promise<number> {
    const reply = await this.request({ type: MessageType.REGISTER, request: this.nextRequestId(), options, procedure });
    if (reply.type !== MessageType.REGISTERED) throw new Error(`REGISTER failed: ${JSON.stringify(reply)}`);
    return reply.registration;
  }

  /** REGISTER `procedure` and answer its INVOCATIONs with `handler` (they are not buffered). */
  async serve(procedure: string, handler: InvocationHandler, options: Dict = {}): Promise<number> {
    const registration = await this.register(procedure, options);
    this.#handlers.set(registration, handler);
    return registration;
  }

  async #answer(invocation: MessageOf<typeof MessageType.INVOCATION>, handler: InvocationHandler): Promise<void> {
    try {
      const value = await handler(invocation);
      this.send({ type: MessageType.YIELD, request: invocation.request, options: {}, args: [value] });
    } catch (error) {
      const uri = error instanceof Error ? error.message : 'com.example.error';
      this.send({ type: MessageType.ERROR, requestType: MessageType.INVOCATION, request: invocation.request, details: {}, error: uri });
    }
  }

  publish(topic: string, args: readonly unknown[] = [], options: Dict = {}): number {
    const request = this.nextRequestId();
    this.send({ type: MessageType.PUBLISH, request, options, topic, args });
    return request;
  }

  /** CALL; resolves with the RESULT or ERROR. */
  call(procedure: string, args: readonly unknown[] = [], options: Dict = {}): Promise<WampMessage> {
    return this.request({ type: MessageType.CALL, request: this.nextRequestId(), options, procedure, args });
  }

  /** Close the transport and wait until the router end saw it. */
  async close(): Promise<void> {
    this.client.close();
    await this.closed;
    await flush();
  }
}
