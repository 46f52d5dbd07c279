import { expect } from 'chai';
import { buildAuthenticators } from '../../../../router/auth/index.ts';
import { AnonymousAuthenticator } from '../../../../router/auth/anonymous.ts';
import { DynamicAuthenticator } from '../../../../router/auth/dynamic.ts';
import { StaticTicketAuthenticator } from '../../../../router/auth/ticket.ts';
import { StaticWampCraAuthenticator } from '../../../../router/auth/wampcra.ts';
import type { AuthAccept } from '../../../../router/auth/authenticator.ts';
import type { InternalCall } from '../../../../router/types.ts';
import { silentLogger } from '../../../../shared/logger.ts';
import { authRequest } from './fixtures.ts';

const deps = { call: (() => Promise.reject(new Error('unused'))) as InternalCall, logger: silentLogger() };

describe('buildAuthenticators', () => {
  it("admits only anonymous sessions as role 'anonymous' when the transport has no auth block (Crossbar rule)", async () => {
    const map = buildAuthenticators(undefined, deps);
    expect([...map.keys()]).to.deep.equal(['anonymous']);
    const step = (await map.get('anonymous')!.start(authRequest({ authid: 'alice' }))) as AuthAccept;
    expect(step.principal.authrole).to.equal('anonymous');
    expect(step.principal.authid).to.not.equal('alice'); // anonymous clients cannot pick an authid
  });

  it('builds one authenticator per configured method, static or dynamic', () => {
    const map = buildAuthenticators({
      anonymous: { type: 'static', role: 'guest' },
      ticket: { type: 'static', principals: { joe: { ticket: 't', role: 'user' } } },
      wampcra: { type: 'dynamic', authenticator: 'com.example.authenticate' },
    }, deps);
    expect(map.get('anonymous')).to.be.instanceOf(AnonymousAuthenticator);
    expect(map.get('ticket')).to.be.instanceOf(StaticTicketAuthenticator);
    expect(map.get('wampcra')).to.be.instanceOf(DynamicAuthenticator);
    const cra = buildAuthenticators({ wampcra: { type: 'static', users: {} } }, deps);
    expect([...cra.keys()]).to.deep.equal(['wampcra']);
    expect(cra.get('wampcra')).to.be.instanceOf(StaticWampCraAuthenticator);
  });

  it('offers no method at all for an empty auth block', () => {
    expect(buildAuthenticators({}, deps).size).to.equal(0);
  });
});
