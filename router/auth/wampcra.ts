/**
 * Static WAMP-CRA: users from the transport's config (`auth.wampcra.users`).
 * A salted user's `secret` is the already-derived key (shared/config/types.ts), so the router
 * never runs PBKDF2 at login; it only announces salt/iterations/keylen so the client can derive
 * the same key from the password. spec: advanced/authentication_cra.md
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { WampCraUser } from '../../shared/config/types.ts';
import type { AuthRequest, AuthStep, Authenticator } from './authenticator.ts';
import { craChallenge, type SaltParams } from './cra-challenge.ts';
import { randomToken } from './crypto.ts';
import { denyMissingAuthid } from './deny.ts';

/** Where WAMP-CRA users come from (the static config is one such store). */
export interface CraUserStore {
  get(authid: string): WampCraUser | undefined;
}

/** Crossbar ≤ 23.x defaults when a user has only `salt`. */
const DEFAULT_ITERATIONS = 1000;
const DEFAULT_KEYLEN = 32;

function saltOf(user: WampCraUser): SaltParams | undefined {
  return user.salt === undefined
    ? undefined
    : { salt: user.salt, iterations: user.iterations ?? DEFAULT_ITERATIONS, keylen: user.keylen ?? DEFAULT_KEYLEN };
}

/**
 * What an unknown authid is challenged as, so its CHALLENGE looks like a real user's: the most
 * common role, and when users are salted a salt that is stable per authid (a fresh one per
 * attempt would give the game away) with the parameters of a salted user.
 */
class Decoy {
  readonly #role: string;
  readonly #salted: WampCraUser | undefined;
  readonly #saltKey = randomBytes(32);
  constructor(users: Iterable<WampCraUser>) {
    const counts = new Map<string, number>();
    let salted: WampCraUser | undefined;
    for (const user of users) {
      counts.set(user.role, (counts.get(user.role) ?? 0) + 1);
      salted ??= user.salt === undefined ? undefined : user;
    }
    this.#role = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'user';
    this.#salted = salted;
  }
  get role(): string {
    return this.#role;
  }
  saltFor(authid: string): SaltParams | undefined {
    const template = this.#salted && saltOf(this.#salted);
    if (!template) return undefined;
    const salt = createHmac('sha256', this.#saltKey).update(authid, 'utf8').digest('base64url').slice(0, template.salt.length || 16);
    return { ...template, salt };
  }
}

export class StaticWampCraAuthenticator implements Authenticator {
  readonly method = 'wampcra';
  readonly #users: CraUserStore;
  readonly #decoy: Decoy;
  constructor(users: CraUserStore & { values(): Iterable<WampCraUser> }) {
    this.#users = users;
    this.#decoy = new Decoy(users.values());
  }
  start(request: AuthRequest): Promise<AuthStep> {
    const authid = request.authid;
    if (authid === undefined) return Promise.resolve(denyMissingAuthid('WAMP-CRA'));
    const user = this.#users.get(authid);
    const common = { authid, authprovider: 'static', session: request.session } as const;
    if (user) {
      const principal = { authid, authrole: user.role, authmethod: 'wampcra', authprovider: 'static' } as const;
      return Promise.resolve(craChallenge({ ...common, authrole: user.role, key: user.secret, salt: saltOf(user), principal }));
    }
    // Unknown authid: challenge with a random key, then deny, exactly like a wrong password.
    const decoy = { ...common, authrole: this.#decoy.role, key: randomToken(32), salt: this.#decoy.saltFor(authid), principal: undefined };
    return Promise.resolve(craChallenge(decoy));
  }
}

/** Build the store from config; a Map, so authids like "constructor" never hit Object.prototype. */
export function craUsersFromConfig(users: Readonly<Record<string, WampCraUser>>): ReadonlyMap<string, WampCraUser> {
  return new Map(Object.entries(users));
}
