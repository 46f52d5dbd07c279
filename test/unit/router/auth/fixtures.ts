/** Shared inputs for the authenticator tests. */
import { createRequire } from 'node:module';
import { expect } from 'chai';
import type { Dict } from '../../../../shared/wamp/messages.ts';
import type { AuthChallenge, AuthRequest, AuthStep } from '../../../../router/auth/authenticator.ts';

export function authRequest(overrides: Partial<AuthRequest> = {}): AuthRequest {
  return {
    realm: 'realm1',
    details: {},
    authid: undefined,
    session: 3251278072152162,
    transport: { kind: 'websocket', serializer: 'json', peer: 'tcp4:127.0.0.1:53122', protocol: 'wamp.2.json' },
    ...overrides,
  };
}

export function asChallenge(step: AuthStep): AuthChallenge {
  expect(step.kind).to.equal('challenge');
  return step as AuthChallenge;
}

export function challengeJson(step: AuthChallenge): Dict {
  const text = step.extra['challenge'];
  expect(text).to.be.a('string');
  return JSON.parse(text as string) as Dict;
}

/** autobahn-js's real WAMP-CRA client code (npm `autobahn`, lib/auth/cra.js), as a third-party peer would run it. */
export const autobahnCra = createRequire(import.meta.url)('autobahn/lib/auth/cra.js') as {
  derive_key(secret: string, salt: string, iterations?: number, keylen?: number): string;
  sign(key: string, challenge: string): string;
};
