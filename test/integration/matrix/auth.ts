/** Session scenarios for the transport matrix: ticket and WAMP-CRA authentication, GOODBYE. */
import { expect } from 'chai';
import { CRA_USER, TICKETS, USER_ROLE } from '../../helpers/matrix-router.ts';
import { WampAbort, craAuth, ticketAuth } from '../../helpers/wamp-test-client.ts';
import { WampCloseUri, WampErrorUri } from '../../../shared/wamp/uris.ts';
import { rejection, type Scenario } from './parties.ts';

export const SESSION_SCENARIOS: readonly Scenario[] = [
  {
    title: 'welcomes a ticket-authenticated session with its authid, authrole and authmethod (spec: advanced/authentication_ticket.md)',
    async run(p) {
      const alice = await p.join(ticketAuth('alice', TICKETS.alice));
      expect(alice.session).to.be.a('number');
      expect(alice.welcome.details).to.include({ authid: 'alice', authrole: USER_ROLE, authmethod: 'ticket' });
    },
  },
  {
    title: 'aborts a wrong ticket with wamp.error.authentication_denied and closes the transport (spec: advanced/uris.md)',
    async run(p) {
      const abort = await rejection(p.join(ticketAuth('alice', 'not-the-ticket')), WampAbort);
      expect(abort.reason).to.equal(WampErrorUri.authenticationDenied);
      expect(abort.routerClosed, 'the router closed the transport after ABORT').to.equal(true);
    },
  },
  {
    title: 'aborts an unknown ticket authid with the same wamp.error.authentication_denied (spec: advanced/uris.md)',
    async run(p) {
      const abort = await rejection(p.join(ticketAuth('mallory', TICKETS.alice)), WampAbort);
      expect(abort.reason).to.equal(WampErrorUri.authenticationDenied);
    },
  },
  {
    title: 'welcomes a WAMP-CRA session whose salted key the client derives (spec: advanced/authentication_cra.md)',
    async run(p) {
      const peter = await p.join(craAuth(CRA_USER.authid, CRA_USER.password));
      expect(peter.welcome.details).to.include({ authid: CRA_USER.authid, authrole: USER_ROLE, authmethod: 'wampcra' });
    },
  },
  {
    title: 'aborts a wrong WAMP-CRA signature with wamp.error.authentication_denied (spec: advanced/authentication_cra.md)',
    async run(p) {
      const abort = await rejection(p.join(craAuth(CRA_USER.authid, 'wrong-password')), WampAbort);
      expect(abort.reason).to.equal(WampErrorUri.authenticationDenied);
    },
  },
  {
    title: 'answers GOODBYE with GOODBYE wamp.close.goodbye_and_out and the session ends (spec: basic/sessions.md)',
    async run(p) {
      const alice = await p.first('alice');
      const reply = await alice.goodbye();
      expect(reply.reason).to.equal(WampCloseUri.goodbyeAndOut);
      expect(await alice.closed).to.be.a('string');
    },
  },
];
