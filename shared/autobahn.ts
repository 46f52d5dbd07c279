/**
 * The npm `autobahn` client (26.x, CommonJS, no bundled types), typed for what the worker and the CLI
 * use. In Node it talks WebSocket through the global WebSocket; its promises are when.js promises
 * (progress as the third `then` argument). Its own console warnings (every close and reconnect
 * decision) are silenced unless AUTOBAHN_DEBUG is set: we log those decisions ourselves.
 */
import { createRequire } from 'node:module';

export type Dict = Record<string, unknown>;

/** An ERROR as autobahn reports it (rejected call) or raises it (throw one from an endpoint). */
export interface AbError {
  readonly error: string;
  readonly args: unknown[];
  readonly kwargs: Dict;
}

export interface AbInvocationDetails {
  readonly procedure: string;
  /** Set when the caller asked for progressive results: sends YIELD {progress: true}. */
  readonly progress: ((args?: unknown[], kwargs?: Dict) => void) | null;
  readonly caller?: number | undefined;
  readonly caller_authid?: string | undefined;
  readonly caller_authrole?: string | undefined;
  /**
   * asexor's addition: aborted when the router INTERRUPTs this invocation (CANCEL kill/killnowait, call
   * timeout, caller left; spec: advanced/rpc_call_canceling.md). Set by worker/local-session.ts and by
   * worker/interrupt-transport.ts for autobahn-js; absent elsewhere.
   */
  readonly signal?: AbortSignal | undefined;
}

export interface AbEventDetails {
  readonly publication: number;
  readonly topic?: string;
}

/** A `Result` with args/kwargs (what autobahn resolves a call with when kwargs are present). */
export interface AbResult {
  readonly args: unknown[];
  readonly kwargs: Dict;
}

/** The when.js promise `session.call` returns: progress as the third `then` argument, plus `cancel`. */
export interface AbCallPromise extends PromiseLike<unknown> {
  then<A = unknown, B = never>(
    onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
    onProgress?: (progress: unknown) => void,
  ): PromiseLike<A | B>;
  cancel(options?: { readonly mode?: 'skip' | 'kill' | 'killnowait' }): void;
}

export type AbEndpoint = (args: unknown[], kwargs: Dict, details: AbInvocationDetails) => unknown;

export interface AbSession {
  readonly id: number | null;
  readonly isOpen: boolean;
  call(procedure: string, args?: unknown[], kwargs?: Dict, options?: Dict): AbCallPromise;
  register(procedure: string, endpoint: AbEndpoint, options?: Dict): PromiseLike<unknown>;
  subscribe(topic: string, handler: (args: unknown[], kwargs: Dict, details: AbEventDetails) => void, options?: Dict): PromiseLike<unknown>;
  /** Takes the Subscription `subscribe` resolved with. */
  unsubscribe(subscription: unknown): PromiseLike<unknown>;
  publish(topic: string, args?: unknown[], kwargs?: Dict, options?: Dict): PromiseLike<unknown> | undefined;
}

export interface AbJoinDetails {
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  readonly authprovider: string;
  readonly authextra?: Dict;
  readonly transport: { readonly protocol: string };
}

export interface AbCloseDetails {
  /** The GOODBYE/ABORT reason URI, when the session ended with one. */
  readonly reason: string | null;
  readonly message: string | null;
  readonly will_retry: boolean;
  readonly retry_delay: number | null;
}

export interface AbConnection {
  onopen: (session: AbSession, details: AbJoinDetails) => void;
  /** `reason`: 'closed' | 'lost' | 'unreachable' | 'unsupported'. Return true to stop retrying. */
  onclose: (reason: string, details: AbCloseDetails) => boolean;
  readonly isOpen: boolean;
  readonly isRetrying: boolean;
  open(): void;
  close(reason?: string, message?: string): void;
}

/** A serializer instance, passed in a transport's `serializers` option. */
export interface AbSerializer {
  readonly SERIALIZER_ID: string;
}

/** What a transport factory's `create()` returns; the session sets the three handlers. */
export interface AbTransport {
  protocol: string | undefined;
  serializer: unknown;
  info: { readonly type: string; readonly url: string | null; readonly protocol: string | null };
  onmessage: (message: unknown[]) => void;
  onopen: () => void;
  onclose: (details: { readonly code: number; readonly reason: string; readonly wasClean: boolean }) => void;
  send(message: unknown[]): void;
  close(code?: number, reason?: string): void;
}

export interface AbTransportFactory {
  readonly type: string;
  create(): AbTransport | null;
}

interface AutobahnModule {
  Connection: new (options: Dict) => AbConnection;
  Error: new (error: string, args?: unknown[], kwargs?: Dict) => AbError;
  Result: new (args?: unknown[], kwargs?: Dict) => AbResult;
  /** In Node: JSONSerializer, MsgpackSerializer (msgpack5) and CBORSerializer (cbor). */
  serializer: Record<'JSONSerializer' | 'MsgpackSerializer' | 'CBORSerializer', new () => AbSerializer>;
  auth_cra: { derive_key(secret: string, salt: string, iterations?: number, keylen?: number): string; sign(key: string, challenge: string): string };
  transports: {
    register(name: string, factory: new (options: Dict) => AbTransportFactory): void;
    isRegistered(name: string): boolean;
    /** Throws for an unknown name. */
    get(name: string): new (options: Dict) => AbTransportFactory;
  };
  log: { warn: (...args: unknown[]) => void };
}

const require = createRequire(import.meta.url);
export const autobahn = require('autobahn') as AutobahnModule;

if (process.env['AUTOBAHN_DEBUG'] === undefined) autobahn.log.warn = () => undefined;

/** Whether `value` is an ERROR as autobahn reports it. */
export function isAbError(value: unknown): value is AbError {
  return typeof value === 'object' && value !== null && typeof (value as { error?: unknown }).error === 'string' &&
    Array.isArray((value as { args?: unknown }).args);
}

/** The kwargs of what a call resolved with (or of a progress result): an AbResult's, else undefined (a bare value). */
export function resultKwargs(value: unknown): Dict | undefined {
  return typeof value === 'object' && value !== null && 'kwargs' in value ? (value as AbResult).kwargs : undefined;
}

/** A WAMP-CRA challenge handler for `secret` (salted when the challenge carries a salt; docs/crossbar-compat.md). */
export function craChallengeHandler(secret: string): (session: AbSession, method: string, extra: Dict) => string {
  return (_session, method, extra) => {
    if (method !== 'wampcra') throw new Error(`cannot answer a "${method}" challenge with a WAMP-CRA secret`);
    const salt = extra['salt'];
    const key = typeof salt === 'string'
      ? autobahn.auth_cra.derive_key(secret, salt, Number(extra['iterations'] ?? 1000), Number(extra['keylen'] ?? 32))
      : secret;
    return autobahn.auth_cra.sign(key, String(extra['challenge']));
  };
}

/** A ticket challenge handler. */
export function ticketChallengeHandler(ticket: string): (session: AbSession, method: string) => string {
  return (_session, method) => {
    if (method !== 'ticket') throw new Error(`cannot answer a "${method}" challenge with a ticket`);
    return ticket;
  };
}
