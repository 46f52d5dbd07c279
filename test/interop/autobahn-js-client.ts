/**
 * A thin typed wrapper over the npm `autobahn` client (26.x, CommonJS, no bundled types; on Node 24
 * it uses the global WebSocket). Only what the interop suite touches is typed.
 * Serializers in Node: JSONSerializer, MsgpackSerializer (msgpack5) and CBORSerializer (cbor) from
 * `autobahn.serializer`, passed as instances in the transport's `serializers` option.
 */
import { createRequire } from 'node:module';
import type { SerializerName } from './fixture.ts';

type Dict = Record<string, unknown>;

export interface AbError {
  readonly error: string;
  readonly args: unknown[];
  readonly kwargs: Dict;
}

export interface AbInvocationDetails {
  readonly procedure: string;
  /** Set when the caller asked for progressive results: sends YIELD {progress: true}. */
  readonly progress: ((args?: unknown[], kwargs?: Dict) => void) | null;
  readonly caller?: number;
  readonly caller_authid?: string;
  readonly caller_authrole?: string;
}

export interface AbEventDetails {
  readonly publication: number;
  readonly topic?: string;
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
  readonly id: number;
  call(procedure: string, args?: unknown[], kwargs?: Dict, options?: Dict): AbCallPromise;
  register(procedure: string, endpoint: AbEndpoint, options?: Dict): PromiseLike<unknown>;
  subscribe(topic: string, handler: (args: unknown[], kwargs: Dict, details: AbEventDetails) => void, options?: Dict): PromiseLike<unknown>;
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

interface AbConnection {
  onopen: (session: AbSession, details: AbJoinDetails) => void;
  onclose: (reason: string, details: { readonly reason: string | null; readonly message: string | null }) => boolean;
  open(): void;
  close(reason?: string, message?: string): void;
}

interface AbSerializer {
  readonly SERIALIZER_ID: string;
}

interface AutobahnModule {
  Connection: new (options: Dict) => AbConnection;
  Error: new (error: string, args?: unknown[], kwargs?: Dict) => AbError;
  Result: new (args?: unknown[], kwargs?: Dict) => unknown;
  serializer: Record<'JSONSerializer' | 'MsgpackSerializer' | 'CBORSerializer', new () => AbSerializer>;
  auth_cra: { derive_key(secret: string, salt: string, iterations?: number, keylen?: number): string; sign(key: string, challenge: string): string };
  log: { warn: (...args: unknown[]) => void };
}

const require = createRequire(import.meta.url);
export const autobahn = require('autobahn') as AutobahnModule;

// autobahn-js logs every close and reconnect decision through console.warn; keep test output clean.
if (process.env['AUTOBAHN_DEBUG'] === undefined) autobahn.log.warn = () => undefined;

const SERIALIZER_CLASSES = {
  json: autobahn.serializer.JSONSerializer,
  msgpack: autobahn.serializer.MsgpackSerializer,
  cbor: autobahn.serializer.CBORSerializer,
} as const;

export interface JoinOptions {
  readonly url: string;
  readonly realm: string;
  readonly serializer: SerializerName;
  readonly authmethods?: readonly string[];
  readonly authid?: string;
  readonly onchallenge?: (method: string, extra: Dict) => string | Promise<string>;
}

export interface OpenSession {
  readonly session: AbSession;
  readonly details: AbJoinDetails;
  /** Errors autobahn reported internally (e.g. "failing transport due to protocol violation"). */
  readonly internalErrors: readonly unknown[];
  /** GOODBYE and wait for the socket to close. */
  close(): Promise<void>;
}

/** The router refused the session (ABORT) or the connection closed before WELCOME. */
export class JoinRefusedError extends Error {
  readonly reason: string | null;
  constructor(reason: string | null, message: string | null) {
    super(`join refused: ${reason ?? '(no reason)'}: ${message ?? ''}`);
    this.name = 'JoinRefusedError';
    this.reason = reason;
  }
}

/** Open one connection with reconnection disabled; resolves on WELCOME, rejects on ABORT/close. */
export function join(options: JoinOptions): Promise<OpenSession> {
  const internalErrors: unknown[] = [];
  const connection = new autobahn.Connection({
    url: options.url,
    realm: options.realm,
    transports: [{ type: 'websocket', url: options.url, serializers: [new SERIALIZER_CLASSES[options.serializer]()] }],
    ...(options.authmethods === undefined ? {} : { authmethods: [...options.authmethods] }),
    ...(options.authid === undefined ? {} : { authid: options.authid }),
    ...(options.onchallenge === undefined ? {} : { onchallenge: (_s: AbSession, method: string, extra: Dict) => options.onchallenge?.(method, extra) }),
    retry_if_unreachable: false,
    max_retries: 0,
    on_internal_error: (err: unknown) => internalErrors.push(err),
    on_user_error: (err: unknown) => internalErrors.push(err),
  });
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  return new Promise<OpenSession>((resolve, reject) => {
    connection.onopen = (session, details) => {
      resolve({
        session,
        details,
        internalErrors,
        close: async () => {
          try {
            connection.close();
          } catch {
            // already closed (e.g. the router dropped us)
          }
          await closed;
        },
      });
    };
    connection.onclose = (_reason, details) => {
      reject(new JoinRefusedError(details.reason, details.message));
      onClosed();
      return true; // stop any retry
    };
    connection.open();
  });
}

/** The WAMP error URI of a rejected call/publish, or a description of a non-WAMP failure. */
export function errorUri(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'error' in err && typeof err.error === 'string') return err.error;
  return err instanceof Error ? `(${err.message})` : `(${String(err)})`;
}

/** Await a call promise and report its outcome as a value: {ok, value} or {ok: false, uri}. */
export async function settle(promise: PromiseLike<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; uri: string }> {
  try {
    return { ok: true, value: await promise };
  } catch (err) {
    return { ok: false, uri: errorUri(err) };
  }
}
