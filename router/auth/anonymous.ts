/** Static anonymous authentication: accept everyone under one configured role. */
import type { AuthRequest, AuthStep, Authenticator } from './authenticator.ts';
import { randomToken } from './crypto.ts';

/**
 * A fresh authid for an anonymous session. HELLO.Details.authid is never trusted for anonymous
 * sessions: an anonymous client must not be able to pose as "alice" (authids are disclosed to
 * callees and used to route per-user events). Crossbar also generates a random one.
 */
export function generateAuthid(): string {
  return `anonymous-${randomToken(12)}`;
}

export class AnonymousAuthenticator implements Authenticator {
  readonly method = 'anonymous';
  readonly #role: string;
  constructor(role: string) {
    this.#role = role;
  }
  start(_request: AuthRequest): Promise<AuthStep> {
    return Promise.resolve({
      kind: 'accept',
      principal: { authid: generateAuthid(), authrole: this.#role, authmethod: 'anonymous', authprovider: 'static' },
    });
  }
}
