/**
 * The router configuration every interop suite runs against: one realm, a `backend` role that may do
 * everything, a `user` role limited to `com.example.` (caller disclosure forced on
 * `com.example.whoami`, nothing allowed under `com.example.admin.`), static ticket/WAMP-CRA principals
 * on `/ws` and a dynamic authenticator (`com.example.authenticate`, registered by a client) on
 * `/ws-dynamic`.
 */
import { pbkdf2Sync } from 'node:crypto';
import type { RealmConfig, TransportAuthConfig } from '../../shared/config/types.ts';
import { openRole, permission } from '../helpers/router-fixtures.ts';

export const REALM = 'realm1';
export const AUTHENTICATOR = 'com.example.authenticate';
export const DYNAMIC_PATH = '/ws-dynamic';
export const SERIALIZERS = ['json', 'msgpack', 'cbor'] as const;
export type SerializerName = (typeof SERIALIZERS)[number];

/** Ticket principals of `/ws`. */
export const TICKETS = {
  alice: 'alice-ticket',
  bob: 'bob-ticket',
  backend: 'backend-ticket',
} as const;

/** WAMP-CRA users of `/ws`: carol has a plain secret, dave a salted password. */
export const CRA = {
  carol: { secret: 'carol-secret' },
  dave: { password: 'dave-password', salt: 'dave-salt', iterations: 1000, keylen: 32 },
} as const;

/** Credentials the dynamic authenticator accepts on `/ws-dynamic`. */
export const DYNAMIC = {
  ticket: { authid: 'erin', ticket: 'erin-dynamic-ticket' },
  wampcra: { authid: 'frank', secret: 'frank-dynamic-secret' },
  /** What the authenticator returns as `extra` (becomes WELCOME.Details.authextra). */
  extra: { via: 'com.example.authenticate' },
  /** The URI the authenticator raises for wrong credentials (becomes the ABORT reason). */
  deniedUri: 'com.example.invalid_credentials',
} as const;

/**
 * Derived independently of autobahn (node:crypto), like Crossbar ≤ 23.x stores it:
 * base64(PBKDF2-HMAC-SHA256(password, salt, iterations, keylen)) (docs/crossbar-compat.md).
 */
export function deriveKey(password: string, salt: string, iterations: number, keylen: number): string {
  return pbkdf2Sync(password, salt, iterations, keylen, 'sha256').toString('base64');
}

export const REALMS: readonly RealmConfig[] = [
  {
    name: REALM,
    roles: [
      openRole('backend'),
      {
        name: 'user',
        permissions: [
          permission('com.example.', 'prefix', ['call', 'subscribe']),
          permission('com.example.whoami', 'exact', ['call'], { caller: true }),
          permission('com.example.admin.', 'prefix', []),
        ],
      },
    ],
  },
];

export const STATIC_AUTH: TransportAuthConfig = {
  ticket: {
    type: 'static',
    principals: {
      alice: { ticket: TICKETS.alice, role: 'user' },
      bob: { ticket: TICKETS.bob, role: 'user' },
      backend: { ticket: TICKETS.backend, role: 'backend' },
    },
  },
  wampcra: {
    type: 'static',
    users: {
      carol: { secret: CRA.carol.secret, role: 'user' },
      dave: {
        secret: deriveKey(CRA.dave.password, CRA.dave.salt, CRA.dave.iterations, CRA.dave.keylen),
        salt: CRA.dave.salt,
        iterations: CRA.dave.iterations,
        keylen: CRA.dave.keylen,
        role: 'user',
      },
    },
  },
};

export const DYNAMIC_AUTH: TransportAuthConfig = {
  ticket: { type: 'dynamic', authenticator: AUTHENTICATOR },
  wampcra: { type: 'dynamic', authenticator: AUTHENTICATOR },
};
