/**
 * Testaments (spec: advanced/pubsub_testament.md): wamp.session.add_testament stores an event a
 * session wants published when it goes away; the realm publishes a session's testaments when it
 * leaves for any reason (GOODBYE, ABORT, kill, transport loss), as if that session had published them.
 *
 * We have no session resumption, so a session is detached and destroyed at the same moment: both
 * buckets are published then, `detached` first (spec: "A Router that does not allow Session
 * Resumption MUST send detached-scope Testaments before destroyed-scope Testaments").
 */
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { Args, Dict } from '../../shared/wamp/messages.ts';
import { SequentialIds } from '../../shared/wamp/ids.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { parseRecipientFilter } from '../broker/recipient-filter.ts';
import type { SessionHandle } from '../types.ts';
import { WampCallError } from '../dealer/wamp-call-error.ts';
import { dictArg, invalidArgument, listArg, stringArg } from './args.ts';
import type { MetaCall, MetaSession } from './meta-session.ts';
import type { MetaRealm } from './realm-view.ts';
import { MetaProcedure } from './uris.ts';

export type TestamentScope = 'detached' | 'destroyed';
/** Publication order. */
const SCOPES: readonly TestamentScope[] = ['detached', 'destroyed'];
/** Testaments one session may hold per scope (bounds the memory a client can make the router keep). */
export const MAX_TESTAMENTS = 100;

interface Testament {
  readonly topic: string;
  readonly options: Dict;
  readonly args: Args;
  readonly kwargs: Dict;
  /** Publisher disclosure decided by the authorizer when the testament was added. */
  readonly disclose: boolean;
}

type Buckets = Record<TestamentScope, Testament[]>;

/** spec: `scope` defaults to destroyed. Crossbar 20.x spells it "detatched": accepted as an alias. */
function scopeArg(value: unknown): TestamentScope {
  const scope = value ?? 'destroyed';
  if (scope === 'detached' || scope === 'destroyed') return scope;
  if (scope === 'detatched') return 'detached';
  throw invalidArgument(`scope must be "destroyed" or "detached", got ${JSON.stringify(scope)}`);
}

function callerSession(caller: SessionHandle | undefined): SessionHandle {
  if (!caller) throw new WampCallError(WampErrorUri.noSuchSession, ['testaments belong to a client session of this realm']);
  return caller;
}

export class Testaments {
  readonly #realm: MetaRealm;
  readonly #meta: MetaSession;
  readonly #bySession = new Map<number, Buckets>();
  readonly #requests = new SequentialIds();

  constructor(realm: MetaRealm, meta: MetaSession) {
    this.#realm = realm;
    this.#meta = meta;
  }

  register(): void {
    this.#meta.register(MetaProcedure.addTestament, (call) => this.#add(call));
    // The spec returns nothing; like Crossbar we return how many were flushed.
    this.#meta.register(MetaProcedure.flushTestaments, ({ caller, kwargs }) => {
      const session = callerSession(caller);
      const scope = scopeArg(kwargs['scope']);
      const bucket = this.#bySession.get(session.id)?.[scope];
      const count = bucket?.length ?? 0;
      if (bucket) bucket.length = 0;
      return count;
    });
  }

  /** The session left: publish its testaments (unless `publish` is false, spec: kill_all), then forget them. */
  release(session: SessionHandle, publish: boolean): void {
    const buckets = this.#bySession.get(session.id);
    if (!buckets) return;
    this.#bySession.delete(session.id);
    if (!publish) return;
    for (const scope of SCOPES) {
      for (const { topic, options, args, kwargs, disclose } of buckets[scope]) {
        const payload = Object.keys(kwargs).length > 0 ? { args, kwargs } : { args };
        this.#realm.broker.publish(session, { type: MessageType.PUBLISH, request: this.#requests.next(), options, topic, ...payload }, { allow: true, disclose });
      }
    }
  }

  /** spec: add_testament(topic, args, kwargs, publish_options=, scope=); authorized now, as a PUBLISH by the caller. */
  async #add({ caller, args, kwargs }: MetaCall): Promise<undefined> {
    const session = callerSession(caller);
    const topic = stringArg(args[0], 'topic');
    const eventArgs = listArg(args[1], 'args') ?? [];
    const eventKwargs = dictArg(args[2], 'kwargs');
    // spec: "The Router MAY ignore publish options that do not make sense for a Testament (for example, acknowledged publishes)"
    const { acknowledge: _acknowledge, ...options } = dictArg(kwargs['publish_options'], 'publish_options');
    const scope = scopeArg(kwargs['scope']);
    try {
      parseRecipientFilter(options);
    } catch (error) {
      throw invalidArgument(`publish_options: ${error instanceof Error ? error.message : String(error)}`);
    }
    const verdict = await this.#realm.check(session, 'publish', topic, options);
    if (!verdict.allow) throw new WampCallError(verdict.error, [verdict.text]);
    // Left while being authorized: nothing may be stored for a session that will never leave again.
    if (this.#realm.session(session.id) !== session) throw new WampCallError(WampErrorUri.noSuchSession, ['the session left']);
    let buckets = this.#bySession.get(session.id);
    if (!buckets) this.#bySession.set(session.id, (buckets = { detached: [], destroyed: [] }));
    if (buckets[scope].length >= MAX_TESTAMENTS) throw invalidArgument(`at most ${MAX_TESTAMENTS} testaments per scope`);
    buckets[scope].push({ topic, options, args: eventArgs, kwargs: eventKwargs, disclose: verdict.authorization.disclose });
    return undefined;
  }
}
