import { expect } from 'chai';
import { StaticTicketAuthenticator, ticketPrincipalsFromConfig } from '../../../../router/auth/ticket.ts';
import type { AuthDeny, AuthStep } from '../../../../router/auth/authenticator.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { asChallenge, authRequest } from './fixtures.ts';

describe('StaticTicketAuthenticator', () => {
  const authenticator = new StaticTicketAuthenticator(ticketPrincipalsFromConfig({
    joe: { ticket: 'secret!!!', role: 'user' },
  }));
  const start = (authid: string | undefined): Promise<AuthStep> => authenticator.start(authRequest({ authid }));

  it('sends CHALLENGE with empty extra (spec: advanced/authentication_ticket.md)', async () => {
    expect(asChallenge(await start('joe')).extra).to.deep.equal({});
  });

  it('accepts the configured ticket as authprovider static', async () => {
    const result = await asChallenge(await start('joe')).verify('secret!!!', {});
    expect(result).to.deep.equal({ kind: 'accept', principal: { authid: 'joe', authrole: 'user', authmethod: 'ticket', authprovider: 'static' } });
  });

  it('denies a wrong ticket with wamp.error.authentication_denied without echoing any ticket', async () => {
    const result = (await asChallenge(await start('joe')).verify('guess', {})) as AuthDeny;
    expect(result).to.include({ kind: 'deny', reason: WampErrorUri.authenticationDenied });
    expect(result.message).to.not.include('secret!!!').and.not.include('guess');
  });

  it('challenges an unknown authid too and denies it exactly like a wrong ticket', async () => {
    const unknown = asChallenge(await start('mallory'));
    expect(unknown.extra).to.deep.equal({});
    const wrong = await asChallenge(await start('joe')).verify('guess', {});
    expect(await unknown.verify('secret!!!', {})).to.deep.equal(wrong);
  });

  it('does not resolve authids through Object.prototype', async () => {
    const result = await asChallenge(await start('__proto__')).verify('', {});
    expect(result.kind).to.equal('deny');
  });

  it('requires HELLO.Details.authid (spec: advanced/authentication_ticket.md)', async () => {
    expect(await start(undefined)).to.include({ kind: 'deny', reason: WampErrorUri.authenticationRequired });
  });
});
