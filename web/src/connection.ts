/**
 * One WAMP connection with autobahn-js, kept open: each attempt opens an autobahn Connection with a
 * single transport and no retries of its own; the rounds, the order of the transports (WebSocket,
 * then long poll) and the backoff are the policy of web/src/reconnect.ts. The state is reported to
 * the page after every change (it is what the header shows).
 */
import type { Credentials } from './login.ts';
import { retryDelay, transportOrder, unreachableMessage, verdict, type TransportKind } from './reconnect.ts';


export type ConnState =
  | { readonly kind: 'connecting'; readonly transport: TransportKind; readonly round: number }
  | { readonly kind: 'open'; readonly transport: TransportKind; readonly protocol: string }
  | { readonly kind: 'waiting'; readonly until: number; readonly round: number; readonly message: string }
  /** Final: the login was refused, or (before the first session) no transport reached the server. */
  | { readonly kind: 'failed'; readonly message: string; readonly joinedBefore: boolean }
  | { readonly kind: 'closed' };

export interface ConnectorOptions {
  readonly wsUrl: string;
  readonly lpUrl: string;
  readonly realm: string;
  readonly credentials: Credentials;
  readonly transports: readonly TransportKind[];
  /** An attempt that has not joined after this long is given up, ms. */
  readonly attemptTimeoutMs: number;
  readonly onState: (state: ConnState) => void;
  readonly onOpen: (session: autobahn.Session, details: autobahn.SessionDetails) => void;
  /** The session in use is gone (lost, or closed by stop()). */
  readonly onLost: () => void;
}

function onchallenge(credentials: Credentials): (session: autobahn.Session, method: string, extra: autobahn.Challenge) => string {
  return (_session, method, extra) => {
    if (method === 'ticket') return credentials.secret;
    if (method === 'wampcra') {
      // Salted users (docs/authentication.md, "Salted WAMP-CRA secrets"): the key is derived from the password and the challenge's salt.
      const key = extra.salt !== undefined ? autobahn.auth_cra.derive_key(credentials.secret, extra.salt, extra.iterations, extra.keylen) : credentials.secret;
      return autobahn.auth_cra.sign(key, extra.challenge ?? '');
    }
    throw new Error(`unsupported authentication method ${method}`);
  };
}

function serializers(): autobahn.Serializer[] {
  const out: autobahn.Serializer[] = [];
  const { MsgpackSerializer, JSONSerializer } = autobahn.serializer;
  if (MsgpackSerializer !== undefined) {
    try {
      out.push(new MsgpackSerializer());
    } catch {
      // a build without msgpack: JSON only
    }
  }
  if (JSONSerializer !== undefined) out.push(new JSONSerializer());
  return out;
}

export class Connector {
  readonly #options: ConnectorOptions;
  #stopped = false;
  #everJoined = false;
  #lastGood: TransportKind | undefined;
  #round = 0;
  #current: autobahn.Connection | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #state: ConnState = { kind: 'closed' };

  constructor(options: ConnectorOptions) {
    this.#options = options;
  }

  get state(): ConnState {
    return this.#state;
  }

  start(): void {
    this.#round = 0;
    this.#startRound();
  }

  /** Skips the wait of a pending retry. */
  retryNow(): void {
    if (this.#state.kind !== 'waiting') return;
    clearTimeout(this.#timer);
    this.#startRound();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const current = this.#current;
    this.#current = undefined;
    if (current !== undefined) {
      try {
        current.close('wamp.close.normal', 'logged out');
      } catch {
        // already closed
      }
    }
    this.#set({ kind: 'closed' });
  }

  #set(state: ConnState): void {
    this.#state = state;
    this.#options.onState(state);
  }

  #startRound(): void {
    if (this.#stopped) return;
    this.#round += 1;
    this.#attempt(transportOrder(this.#options.transports, this.#lastGood), 0);
  }

  #attempt(order: readonly TransportKind[], index: number): void {
    const kind = order[index];
    if (kind === undefined || this.#stopped) return;
    const { credentials } = this.#options;
    const transport: autobahn.TransportDefinition = kind === 'websocket'
      ? { type: 'websocket', url: this.#options.wsUrl, serializers: serializers() }
      : { type: 'longpoll', url: this.#options.lpUrl };
    const connection = new autobahn.Connection({
      transports: [transport], realm: this.#options.realm,
      authmethods: [credentials.method], authid: credentials.authid, onchallenge: onchallenge(credentials),
      max_retries: 0, retry_if_unreachable: false,
    });
    this.#current = connection;
    let joined = false;
    const giveUp = setTimeout(() => {
      try {
        connection.close();
      } catch {
        // already closing
      }
    }, this.#options.attemptTimeoutMs);
    connection.onopen = (session, details) => {
      clearTimeout(giveUp);
      if (this.#current !== connection) return;
      joined = true;
      this.#everJoined = true;
      this.#lastGood = kind;
      this.#round = 0;
      this.#set({ kind: 'open', transport: kind, protocol: details.transport?.protocol ?? '' });
      this.#options.onOpen(session, details);
    };
    connection.onclose = (reason, details) => {
      clearTimeout(giveUp);
      if (this.#current !== connection) return true;
      this.#current = undefined;
      if (joined) this.#options.onLost();
      if (this.#stopped) return true;
      const outcome = verdict({ reason, wampReason: details.reason, message: details.message, joined });
      if (outcome.kind === 'refused') {
        this.#set({ kind: 'failed', message: outcome.message, joinedBefore: this.#everJoined });
      } else if (outcome.kind === 'next-transport' && index + 1 < order.length) {
        this.#attempt(order, index + 1);
      } else if (!this.#everJoined) {
        this.#set({ kind: 'failed', message: unreachableMessage(this.#options.wsUrl.replace(/\/ws$/, '/')), joinedBefore: false });
      } else {
        if (outcome.kind === 'lost') this.#round = 0;
        const delay = retryDelay(this.#round + 1);
        this.#set({ kind: 'waiting', until: Date.now() + delay, round: this.#round + 1, message: outcome.message });
        this.#timer = setTimeout(() => { this.#startRound(); }, delay);
      }
      return true;
    };
    this.#set({ kind: 'connecting', transport: kind, round: this.#round });
    connection.open();
  }
}
