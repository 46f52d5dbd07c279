/**
 * The part of autobahn-js's API the app uses: the global `autobahn` defined by
 * web/vendor/autobahn.min.js (an IIFE build of the npm package `autobahn`).
 */

declare namespace autobahn {
  interface Serializer { readonly SERIALIZER_ID: string }
  interface TransportDefinition {
    readonly type: 'websocket' | 'longpoll';
    readonly url: string;
    readonly serializers?: readonly Serializer[];
  }
  interface Challenge { readonly challenge?: string; readonly salt?: string; readonly iterations?: number; readonly keylen?: number }
  interface ConnectionOptions {
    readonly transports: readonly TransportDefinition[];
    readonly realm: string;
    readonly authmethods?: readonly string[];
    readonly authid?: string;
    readonly onchallenge?: (session: Session, method: string, extra: Challenge) => string;
    readonly max_retries?: number;
    readonly retry_if_unreachable?: boolean;
    readonly initial_retry_delay?: number;
    readonly max_retry_delay?: number;
    readonly retry_delay_growth?: number;
  }
  interface TransportInfo { readonly type: string; readonly url: string | null; readonly protocol: string | null }
  interface SessionDetails {
    readonly authid: string;
    readonly authrole: string;
    readonly authmethod?: string;
    readonly transport?: TransportInfo;
  }
  interface CloseDetails {
    readonly reason: string | null;
    readonly message: string | null;
    readonly retry_delay: number | null;
    readonly will_retry: boolean;
  }
  interface Subscription { readonly id: number }
  /** autobahn's promises (when.js in the browser build): thenables. */
  interface Session {
    readonly id: number | null;
    readonly isOpen: boolean;
    call(procedure: string, args?: readonly unknown[], kwargs?: Readonly<Record<string, unknown>>, options?: Readonly<Record<string, unknown>>): PromiseLike<unknown>;
    subscribe(topic: string, handler: (args: unknown[] | undefined, kwargs: Record<string, unknown> | undefined) => void): PromiseLike<Subscription>;
  }
  class Connection {
    constructor(options: ConnectionOptions);
    onopen: ((session: Session, details: SessionDetails) => void) | null;
    /** Return true to stop autobahn's own retries. */
    onclose: ((reason: string, details: CloseDetails) => boolean) | null;
    open(): void;
    close(reason?: string, message?: string): void;
  }
  /** An ERROR from the router: URI, args, kwargs. */
  class Error {
    readonly error: string;
    readonly args: unknown[];
    readonly kwargs: Record<string, unknown>;
  }
  const serializer: {
    readonly JSONSerializer?: new () => Serializer;
    readonly MsgpackSerializer?: new () => Serializer;
  };
  const auth_cra: {
    sign(key: string, challenge: string): string;
    derive_key(secret: string, salt: string, iterations?: number, keylen?: number): string;
  };
}
