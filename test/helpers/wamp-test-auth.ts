/** Challenge responders for WampTestClient.join: ticket and WAMP-CRA (salted or not). */
import { deriveKey, signChallenge } from '../../router/auth/crypto.ts';
import type { JoinOptions } from './wamp-test-types.ts';

/** JoinOptions fields for ticket authentication. spec: advanced/authentication_ticket.md */
export function ticketAuth(authid: string, ticket: string): Omit<JoinOptions, 'realm'> {
  return { authid, authmethods: ['ticket'], onChallenge: () => ticket };
}

/** JoinOptions fields for WAMP-CRA, deriving the key when the CHALLENGE carries a salt. spec: advanced/authentication_cra.md */
export function craAuth(authid: string, password: string): Omit<JoinOptions, 'realm'> {
  return {
    authid,
    authmethods: ['wampcra'],
    onChallenge: ({ extra }) => {
      const { challenge, salt, iterations, keylen } = extra;
      if (typeof challenge !== 'string') throw new Error(`CHALLENGE without a challenge string: ${JSON.stringify(extra)}`);
      const key = typeof salt === 'string'
        ? deriveKey(password, salt, typeof iterations === 'number' ? iterations : undefined, typeof keylen === 'number' ? keylen : undefined)
        : password;
      return signChallenge(key, challenge);
    },
  };
}
