/**
 * Registration meta API (spec: advanced/meta_api_registrations.md): the on_create, on_register,
 * on_unregister and on_delete events (dealer hooks) and the list, lookup, match, get, list_callees
 * and count_callees procedures. Registrations on `wamp.` URIs (the meta procedures) are not shown.
 */
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { RegistrationInfo } from '../dealer/registration.ts';
import { WampCallError } from '../dealer/wamp-call-error.ts';
import { idArg, matchOption, stringArg } from './args.ts';
import type { ObservationHooks, RegistrationDetails } from './hooks.ts';
import type { MetaSession } from './meta-session.ts';
import { idOrNull, lifecycleEvents, listsByPolicy } from './observation-meta.ts';
import type { MetaRealm } from './realm-view.ts';
import { isProtectedUri, MetaProcedure, MetaTopic } from './uris.ts';

export class RegistrationMeta {
  readonly hooks: ObservationHooks<RegistrationDetails>;
  readonly #realm: MetaRealm;
  readonly #meta: MetaSession;

  constructor(realm: MetaRealm, meta: MetaSession) {
    this.#realm = realm;
    this.#meta = meta;
    this.hooks = lifecycleEvents(meta, {
      create: MetaTopic.registrationOnCreate,
      add: MetaTopic.registrationOnRegister,
      remove: MetaTopic.registrationOnUnregister,
      delete: MetaTopic.registrationOnDelete,
    });
  }

  register(): void {
    const meta = this.#meta;
    const dealer = (): MetaRealm['dealer'] => this.#realm.dealer;
    meta.register(MetaProcedure.registrationList, () => listsByPolicy(dealer().registrations()));
    meta.register(MetaProcedure.registrationLookup, ({ args }) => idOrNull(dealer().lookup(stringArg(args[0], 'procedure'), matchOption(args[1]))));
    // spec: "Obtains the registration best matching a given procedure URI": the one a CALL would reach
    meta.register(MetaProcedure.registrationMatch, ({ args }) => idOrNull(dealer().match(stringArg(args[0], 'procedure'))));
    meta.register(MetaProcedure.registrationGet, ({ args }) => {
      const { id, created, uri, match, invoke } = this.#find(args[0]);
      return { id, created, uri, match, invoke };
    });
    meta.register(MetaProcedure.registrationListCallees, ({ args }) => [...this.#find(args[0]).callees]);
    meta.register(MetaProcedure.registrationCountCallees, ({ args }) => this.#find(args[0]).callees.length);
  }

  #find(value: unknown): RegistrationInfo {
    const id = idArg(value, 'registration');
    const registration = this.#realm.dealer.registration(id);
    if (!registration || isProtectedUri(registration.uri)) {
      throw new WampCallError(WampErrorUri.noSuchRegistration, [`no registration with ID ${id} exists on this realm`]);
    }
    return registration;
  }
}
