/**
 * One realm: its joined sessions, its broker, dealer and meta API. Every request is checked in the
 * same order: URI (ERROR wamp.error.invalid_uri), then the realm's Authorizer (ERROR
 * wamp.error.not_authorized / wamp.error.authorization_failed), then dispatched to the broker or
 * dealer. Protocol violations thrown from here end the session (RouterSession aborts it).
 */
import { MessageType } from '../shared/wamp/message-type.ts';
import { assertNever, type Call, type ClientSessionMessage, type Dict, type Goodbye, type Publish, type Register, type Subscribe } from '../shared/wamp/messages.ts';
import { WampErrorUri } from '../shared/wamp/uris.ts';
import { SequentialIds } from '../shared/wamp/ids.ts';
import { isValidPattern } from '../shared/wamp/uri-rules.ts';
import type { RealmConfig } from '../shared/config/types.ts';
import type { Logger } from '../shared/logger.ts';
import type { Timers } from '../shared/timers.ts';
import type { Action, Authorization, Authorizer } from './authz/authorizer.ts';
import { Broker } from './broker/broker.ts';
import { Dealer } from './dealer/dealer.ts';
import { isMatchPolicy, type MatchPolicy } from './matching.ts';
import { RealmMeta } from './meta/index.ts';
import type { Verdict } from './meta/realm-view.ts';
import type { SessionHandle } from './types.ts';

/** What a joined session hands the realm (GOODBYE is the session's own business). */
export type RealmMessage = Exclude<ClientSessionMessage, Goodbye>;
type GuardedRequest = Publish | Subscribe | Call | Register;

/** How the realm makes a joined session say GOODBYE (meta API wamp.session.kill): reason, optional message. */
export type SessionCloser = (reason: string, message: string | undefined) => void;

interface Member {
  readonly handle: SessionHandle;
  readonly close: SessionCloser | undefined;
}

export interface RealmOptions {
  readonly config: RealmConfig;
  readonly authorizer: Authorizer;
  readonly logger: Logger;
  readonly strictUris: boolean;
  /** The dealer's clock (DealerOptions.timers). @default realTimers */
  readonly timers?: Timers;
}

const WHAT: Readonly<Record<Action, string>> = {
  call: 'call procedure', register: 'register procedure', publish: 'publish to topic', subscribe: 'subscribe to topic',
};

function refusal(error: string, text: string): Verdict {
  return { allow: false, error, text };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Realm {
  readonly name: string;
  readonly broker: Broker;
  readonly dealer: Dealer;
  readonly strictUris: boolean;
  readonly #roles: ReadonlySet<string>;
  readonly #sessions = new Map<number, Member>();
  readonly #authorizer: Authorizer;
  readonly #meta: RealmMeta;
  readonly #log: Logger;

  constructor(options: RealmOptions) {
    this.name = options.config.name;
    this.#roles = new Set(options.config.roles.map((role) => role.name));
    this.#authorizer = options.authorizer;
    this.strictUris = options.strictUris;
    this.#log = options.logger.child({ realm: this.name });
    const ids = new SequentialIds(); // router scope: subscription and registration ids
    this.#meta = new RealmMeta(this, options.logger);
    this.broker = new Broker({ realm: this.name, logger: options.logger, ids, hooks: this.#meta.subscriptionHooks });
    this.dealer = new Dealer({
      realm: this.name, logger: options.logger, ids, hooks: this.#meta.registrationHooks, ...(options.timers ? { timers: options.timers } : {}),
    });
    this.#meta.start();
  }

  hasRole(role: string): boolean {
    return this.#roles.has(role);
  }
  get sessionCount(): number {
    return this.#sessions.size;
  }
  isJoined(session: SessionHandle): boolean {
    return this.#sessions.get(session.id)?.handle === session;
  }
  /** The joined sessions (meta API wamp.session.*). */
  *sessions(): IterableIterator<SessionHandle> {
    for (const member of this.#sessions.values()) yield member.handle;
  }
  session(id: number): SessionHandle | undefined {
    return this.#sessions.get(id)?.handle;
  }

  /** @param close how the meta API's wamp.session.kill ends this session (absent: it only leaves) */
  join(session: SessionHandle, close?: SessionCloser): void {
    this.#sessions.set(session.id, { handle: session, close });
    this.#log.debug({ session: session.id, authid: session.authid, authrole: session.authrole }, 'session joined');
    this.#meta.joined(session);
  }

  /** Called when a joined session closes; idempotent (a killed session has left already). */
  leave(session: SessionHandle): void {
    this.#leave(session, false);
  }

  /**
   * End a joined session from the router side (meta API wamp.session.kill*): GOODBYE `reason`,
   * then it leaves at once. `quiet`: publish neither its testaments nor wamp.session.on_leave
   * (spec: advanced/meta_api_sessions.md "wamp.session.kill_all").
   */
  kill(id: number, reason: string, message: string | undefined, quiet = false): boolean {
    const member = this.#sessions.get(id);
    if (!member) return false;
    member.close?.(reason, message);
    this.#leave(member.handle, quiet);
    return true;
  }

  #leave(session: SessionHandle, quiet: boolean): void {
    if (!this.isJoined(session)) return;
    this.#sessions.delete(session.id);
    this.broker.leave(session);
    this.dealer.leave(session);
    this.#meta.left(session, quiet);
    this.#log.debug({ session: session.id }, 'session left');
  }

  /** Clear the dealer's timers; sessions are closed by the router. */
  close(): void {
    this.dealer.close();
  }

  /** Handle one message of a joined session; a returned promise settles when it is fully handled. */
  handle(session: SessionHandle, msg: RealmMessage): Promise<void> | undefined {
    switch (msg.type) {
      case MessageType.PUBLISH:
        return this.#guarded(session, msg, 'publish', msg.topic, 'exact');
      case MessageType.SUBSCRIBE:
        return this.#guarded(session, msg, 'subscribe', msg.topic, msg.options['match']);
      case MessageType.CALL:
        return this.#guarded(session, msg, 'call', msg.procedure, 'exact');
      case MessageType.REGISTER:
        return this.#guarded(session, msg, 'register', msg.procedure, msg.options['match']);
      case MessageType.UNSUBSCRIBE:
        this.broker.unsubscribe(session, msg);
        return undefined;
      case MessageType.UNREGISTER:
        this.dealer.unregister(session, msg);
        return undefined;
      case MessageType.CANCEL:
        this.dealer.cancel(session, msg);
        return undefined;
      case MessageType.YIELD:
        this.dealer.yield(session, msg);
        return undefined;
      case MessageType.ERROR: // the dealer rejects ERROR for anything but INVOCATION (protocol violation)
        this.dealer.error(session, msg);
        return undefined;
      default:
        return assertNever(msg);
    }
  }

  /** The checks a request of `session` would get (meta API: a testament is authorized like a PUBLISH when added). */
  check(session: SessionHandle, action: Action, uri: string, options: Dict): Promise<Verdict> {
    const match = action === 'publish' || action === 'call' ? 'exact' : options['match'];
    return new Promise((resolve) => {
      const verdict = this.#decide(session, action, uri, match, options);
      if (verdict instanceof Promise) void verdict.then((settled) => { if (settled !== undefined) resolve(settled); });
      else if (verdict !== undefined) resolve(verdict);
    });
  }

  /**
   * URI check, then authorization (sync or async), then the broker or dealer; a promise only if the
   * authorizer is async. No closure per message on the synchronous path.
   */
  #guarded(session: SessionHandle, msg: GuardedRequest, action: Action, uri: string, match: unknown): Promise<void> | undefined {
    const verdict = this.#decide(session, action, uri, match, msg.options);
    if (verdict instanceof Promise) return verdict.then((settled) => { if (settled !== undefined) this.#apply(session, msg, settled); });
    if (verdict !== undefined) this.#apply(session, msg, verdict);
    return undefined;
  }

  #apply(session: SessionHandle, msg: GuardedRequest, verdict: Verdict): void {
    if (!verdict.allow) {
      // spec: basic/publish_subscribe.md: a PUBLISH without acknowledge gets no answer, not even an ERROR
      if (msg.type === MessageType.PUBLISH && msg.options['acknowledge'] !== true) return;
      session.send({ type: MessageType.ERROR, requestType: msg.type, request: msg.request, details: {}, error: verdict.error, args: [verdict.text] });
      return;
    }
    switch (msg.type) {
      case MessageType.PUBLISH: this.broker.publish(session, msg, verdict.authorization); return;
      case MessageType.SUBSCRIBE: this.broker.subscribe(session, msg); return;
      case MessageType.CALL: this.dealer.call(session, msg, verdict.authorization); return;
      case MessageType.REGISTER: this.dealer.register(session, msg); return;
    }
  }

  /** The verdict, or a promise of it (async authorizer); undefined if the session left while an async authorizer ran. */
  #decide(session: SessionHandle, action: Action, uri: string, match: unknown, options: Dict): Verdict | Promise<Verdict | undefined> | undefined {
    const policy: unknown = match ?? 'exact';
    if (!isMatchPolicy(policy)) return refusal(WampErrorUri.invalidArgument, `unknown match policy ${JSON.stringify(policy)}`);
    const problem = this.#uriProblem(action, uri, policy);
    if (problem) return refusal(WampErrorUri.invalidUri, problem);
    let decision: Authorization | Promise<Authorization>;
    try {
      decision = this.#authorizer.authorize(session, action, uri, options);
    } catch (error) {
      return this.#failure(session, action, uri, error);
    }
    if (decision instanceof Promise) {
      return decision.then((settled) => this.#settle(session, action, uri, settled), (error: unknown) => this.#failure(session, action, uri, error));
    }
    return this.#settle(session, action, uri, decision);
  }

  #settle(session: SessionHandle, action: Action, uri: string, decision: Authorization): Verdict | undefined {
    // The session may have left while an async authorizer ran: nothing to answer then.
    if (!this.isJoined(session)) return undefined;
    if (typeof decision !== 'object' || typeof decision.allow !== 'boolean') {
      return this.#failure(session, action, uri, new Error('authorizer returned an invalid decision'));
    }
    if (!decision.allow) {
      return refusal(WampErrorUri.notAuthorized, `session (session_id=${session.id}, authid="${session.authid}", authrole="${session.authrole}") is not authorized to ${WHAT[action]} "${uri}" on realm "${this.name}"`);
    }
    return { allow: true, authorization: decision };
  }

  #failure(session: SessionHandle, action: Action, uri: string, error: unknown): Verdict {
    this.#log.warn({ err: error, session: session.id, action, uri }, 'authorizer failed');
    return refusal(WampErrorUri.authorizationFailed, `authorization of ${action} on "${uri}" failed: ${describe(error)}`);
  }

  /** undefined = valid. spec: basic/building_blocks.md "URIs" (loose/strict; empty components only in patterns) */
  #uriProblem(action: Action, uri: string, match: MatchPolicy): string | undefined {
    if (!isValidPattern(uri, match, this.strictUris)) {
      return `invalid ${action === 'call' || action === 'register' ? 'procedure' : 'topic'} URI "${uri}"${match === 'exact' ? '' : ` for match "${match}"`}`;
    }
    // spec: basic/building_blocks.md "URIs": application URIs must not use "wamp" as first component
    if ((action === 'register' || action === 'publish') && uri.startsWith('wamp.')) {
      return `"${uri}" is reserved for the WAMP protocol (the "wamp." prefix): cannot ${action} it`;
    }
    return undefined;
  }
}
