/**
 * One WAMP-CRA round: build the CHALLENGE and check the signature. Shared by the static
 * (config users) and dynamic (authenticator procedure) WAMP-CRA authenticators.
 * spec: advanced/authentication_cra.md
 */
import type { Dict } from '../../shared/wamp/messages.ts';
import type { AuthChallenge, AuthProvider, Principal } from './authenticator.ts';
import { constantTimeEqual, randomToken, signChallenge } from './crypto.ts';
import { denyCredentials } from './deny.ts';

/** PBKDF2 parameters announced in CHALLENGE.Extra for a salted secret. */
export interface SaltParams {
  readonly salt: string;
  readonly iterations: number;
  readonly keylen: number;
}

export interface CraRound {
  readonly authid: string;
  readonly authrole: string;
  readonly authprovider: AuthProvider;
  /** WELCOME.Details.session: the challenge binds the signature to it. */
  readonly session: number;
  /** The HMAC key: the shared secret, or for salted users the derived key (base64 text). */
  readonly key: string;
  readonly salt: SaltParams | undefined;
  /** Accepted principal; undefined = deny even on a matching signature (unknown authid decoy). */
  readonly principal: Principal | undefined;
}

/** The challenge string: a JSON object with exactly the members the spec requires. */
export function challengeString(round: Pick<CraRound, 'authid' | 'authrole' | 'authprovider' | 'session'>): string {
  return JSON.stringify({
    authid: round.authid,
    authrole: round.authrole,
    authmethod: 'wampcra',
    authprovider: round.authprovider,
    nonce: randomToken(48), // 64 characters, like Crossbar's nonce
    timestamp: new Date().toISOString(), // UTC ISO-8601 with milliseconds
    session: round.session,
  });
}

export function craChallenge(round: CraRound): AuthChallenge {
  const challenge = challengeString(round);
  const expected = signChallenge(round.key, challenge);
  const extra: Dict = round.salt
    ? { challenge, salt: round.salt.salt, iterations: round.salt.iterations, keylen: round.salt.keylen }
    : { challenge };
  return {
    kind: 'challenge',
    extra,
    verify(signature: string) {
      // Always compare (also for the decoy) so that timing does not tell known from unknown authids.
      const ok = constantTimeEqual(signature, expected);
      return Promise.resolve(ok && round.principal ? { kind: 'accept', principal: round.principal } : denyCredentials('WAMP-CRA'));
    },
  };
}
