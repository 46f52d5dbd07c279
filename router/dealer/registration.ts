/**
 * One registration: a (procedure pattern, match policy) with its callees and invocation policy.
 * Shared registrations keep every callee in registration order (spec: advanced/rpc_shared_registration.md).
 */
import type { SessionHandle } from '../types.ts';
import type { MatchPolicy } from '../matching.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';

export type InvokePolicy = 'single' | 'roundrobin' | 'random' | 'first' | 'last';

export const INVOKE_POLICIES: readonly InvokePolicy[] = ['single', 'roundrobin', 'random', 'first', 'last'];

export function isInvokePolicy(value: unknown): value is InvokePolicy {
  return typeof value === 'string' && (INVOKE_POLICIES as readonly string[]).includes(value);
}

/** One callee's membership in a registration, with the options of its own REGISTER. */
export interface CalleeEntry {
  readonly session: SessionHandle;
  /** REGISTER.Options.disclose_caller (spec: advanced/rpc_caller_identification.md). */
  readonly discloseCaller: boolean;
}

/** Read-only view for tests and the registration meta API (spec: advanced/meta_api_registrations.md). */
export interface RegistrationInfo {
  readonly id: number;
  /** ISO 8601 creation time. */
  readonly created: string;
  readonly uri: string;
  readonly match: MatchPolicy;
  readonly invoke: InvokePolicy;
  /** Session ids of the callees, in registration order. */
  readonly callees: readonly number[];
}

export interface RegistrationInit {
  readonly id: number;
  readonly uri: string;
  readonly match: MatchPolicy;
  readonly invoke: InvokePolicy;
  /** Returns a float in [0, 1), like Math.random. */
  readonly random: () => number;
}

export class Registration {
  readonly id: number;
  readonly uri: string;
  readonly match: MatchPolicy;
  readonly invoke: InvokePolicy;
  readonly created = new Date();
  readonly #random: () => number;
  readonly #callees: CalleeEntry[] = [];
  /** Round-robin cursor: index of the callee to pick next. */
  #next = 0;

  constructor(init: RegistrationInit) {
    this.id = init.id;
    this.uri = init.uri;
    this.match = init.match;
    this.invoke = init.invoke;
    this.#random = init.random;
  }

  get isEmpty(): boolean {
    return this.#callees.length === 0;
  }

  has(session: SessionHandle): boolean {
    return this.#callees.some((entry) => entry.session.id === session.id);
  }

  add(entry: CalleeEntry): void {
    this.#callees.push(entry);
  }

  /** Remove a callee; returns whether it was one. Keeps the round-robin cursor on the same next callee. */
  remove(session: SessionHandle): boolean {
    const index = this.#callees.findIndex((entry) => entry.session.id === session.id);
    if (index < 0) return false;
    this.#callees.splice(index, 1);
    if (index < this.#next) this.#next -= 1;
    if (this.#next >= this.#callees.length) this.#next = 0;
    return true;
  }

  /** The callee for the next call under this registration's invocation policy. */
  pick(): CalleeEntry | undefined {
    const count = this.#callees.length;
    if (count === 0) return undefined;
    switch (this.invoke) {
      case 'single':
      case 'first':
        return this.#callees[0];
      case 'last':
        return this.#callees[count - 1];
      case 'random':
        return this.#callees[Math.min(count - 1, Math.floor(this.#random() * count))];
      case 'roundrobin': {
        const entry = this.#callees[this.#next % count];
        this.#next = (this.#next + 1) % count;
        return entry;
      }
    }
  }

  info(): RegistrationInfo {
    return {
      id: this.id,
      created: this.created.toISOString(),
      uri: this.uri,
      match: this.match,
      invoke: this.invoke,
      callees: this.#callees.map((entry) => entry.session.id),
    };
  }
}

/** spec: advanced/rpc_shared_registration.md: which error a REGISTER on an existing registration gets, if any. */
export function registrationClash(existing: Registration, session: SessionHandle, invoke: InvokePolicy): string | undefined {
  if (existing.invoke === 'single' || existing.has(session)) return WampErrorUri.procedureAlreadyExists;
  if (existing.invoke !== invoke) return WampErrorUri.procedureExistsWithDifferentInvocationPolicy;
  return undefined;
}
