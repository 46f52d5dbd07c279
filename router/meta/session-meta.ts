/**
 * Session meta API (spec: advanced/meta_api_sessions.md): the wamp.session.on_join / on_leave
 * events and the count, list, get and kill procedures. Everything is realm-local; the router's own
 * sessions are never counted, listed or killable.
 */
import type { Dict } from '../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { SessionHandle } from '../types.ts';
import { WampCallError } from '../dealer/wamp-call-error.ts';
import { authrolesFilter, closeOptions, idArg, stringArg } from './args.ts';
import type { MetaCall, MetaSession } from './meta-session.ts';
import type { MetaRealm } from './realm-view.ts';
import { MetaProcedure, MetaTopic } from './uris.ts';

/**
 * The spec's session details (on_join payload, wamp.session.get result). `transport` is
 * implementation defined: its kind, WAMP subprotocol and peer address, never HTTP headers (cookies).
 */
export function sessionDetails(session: SessionHandle): Dict {
  const { kind, serializer, peer, protocol } = session.transport;
  return {
    session: session.id,
    authid: session.authid,
    authrole: session.authrole,
    authmethod: session.authmethod,
    authprovider: session.authprovider,
    transport: { type: kind, protocol: protocol ?? (serializer === 'none' ? null : `wamp.2.${serializer}`), peer },
  };
}

function noSuchSession(id: number): WampCallError {
  return new WampCallError(WampErrorUri.noSuchSession, [`no session with ID ${id} exists on this realm`]);
}

export class SessionMeta {
  readonly #realm: MetaRealm;
  readonly #meta: MetaSession;

  constructor(realm: MetaRealm, meta: MetaSession) {
    this.#realm = realm;
    this.#meta = meta;
  }

  /** spec: wamp.session.on_join(details) */
  joined(session: SessionHandle): void {
    this.#meta.publish(MetaTopic.sessionOnJoin, [sessionDetails(session)]);
  }

  /** spec: wamp.session.on_leave(session, authid, authrole); readers of Crossbar's [session] still work. */
  left(session: SessionHandle): void {
    this.#meta.publish(MetaTopic.sessionOnLeave, [session.id, session.authid, session.authrole]);
  }

  register(): void {
    const meta = this.#meta;
    meta.register(MetaProcedure.sessionCount, (call) => this.#filtered(call).length);
    meta.register(MetaProcedure.sessionList, (call) => this.#filtered(call).map((session) => session.id));
    meta.register(MetaProcedure.sessionGet, ({ args }) => {
      const id = idArg(args[0], 'session');
      const session = this.#realm.session(id);
      if (!session) throw noSuchSession(id);
      return sessionDetails(session);
    });
    meta.register(MetaProcedure.sessionKill, ({ caller, args, kwargs }) => {
      const id = idArg(args[0], 'session');
      const { reason, message } = closeOptions(kwargs, this.#realm.strictUris);
      // spec: "Specifying the caller's own session will result in a wamp.error.no_such_session"
      if (id === caller?.id || !this.#realm.kill(id, reason, message)) throw noSuchSession(id);
      return undefined;
    });
    meta.register(MetaProcedure.sessionKillByAuthid, ({ caller, args, kwargs }) => {
      const authid = stringArg(args[0], 'authid');
      return this.#killAll(caller, kwargs, (session) => session.authid === authid, false);
    });
    meta.register(MetaProcedure.sessionKillByAuthrole, ({ caller, args, kwargs }) => {
      const authrole = stringArg(args[0], 'authrole');
      return this.#killAll(caller, kwargs, (session) => session.authrole === authrole, false).length;
    });
    // spec: "Closing all sessions in the realm will not generate session meta events or testament events"
    meta.register(MetaProcedure.sessionKillAll, ({ caller, kwargs }) => this.#killAll(caller, kwargs, () => true, true).length);
  }

  /** spec: filter_authroles as first positional argument; also accepted as keyword (autobahn-python style). */
  #filtered({ args, kwargs }: MetaCall): SessionHandle[] {
    const roles = authrolesFilter(args[0] ?? kwargs['filter_authroles']);
    return [...this.#realm.sessions()].filter((session) => roles === undefined || roles.has(session.authrole));
  }

  /** Kill every matching session but the caller (spec: "the caller's session is excluded"); their ids. */
  #killAll(caller: SessionHandle | undefined, kwargs: Dict, matches: (session: SessionHandle) => boolean, quiet: boolean): number[] {
    const { reason, message } = closeOptions(kwargs, this.#realm.strictUris);
    const victims = [...this.#realm.sessions()].filter((session) => session.id !== caller?.id && matches(session));
    for (const victim of victims) this.#realm.kill(victim.id, reason, message, quiet);
    return victims.map((victim) => victim.id);
  }
}
