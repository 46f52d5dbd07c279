/**
 * A thin join/settle helper over the npm `autobahn` client for the interop suite; the typed module
 * (and its silenced console warnings) comes from shared/autobahn.ts.
 * Serializers are instances from `autobahn.serializer`, passed in the transport's `serializers` option.
 */
import { autobahn, type AbJoinDetails, type AbSession, type Dict } from '../../shared/autobahn.ts';
import type { SerializerName } from './fixture.ts';

export {
  autobahn,
  type AbCallPromise,
  type AbEndpoint,
  type AbError,
  type AbEventDetails,
  type AbInvocationDetails,
  type AbJoinDetails,
  type AbSession,
} from '../../shared/autobahn.ts';

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
