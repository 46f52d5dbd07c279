/**
 * autobahn-js (npm `autobahn`) authenticating against our router over WebSocket, for every
 * serializer: static ticket and WAMP-CRA (plain and salted, autobahn's own derive_key/sign) on `/ws`,
 * and the dynamic authenticator (an autobahn-js callee) on `/ws-dynamic`.
 */
import { expect } from 'chai';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { startTestRouter, type TestRouter } from '../helpers/start-router.ts';
import { autobahn, join, JoinRefusedError, type OpenSession } from './autobahn-js-client.ts';
import { registerAuthenticator, type AuthenticatorCall } from './dynamic-authenticator.ts';
import { CRA, DYNAMIC, DYNAMIC_AUTH, DYNAMIC_PATH, REALM, REALMS, SERIALIZERS, STATIC_AUTH, TICKETS } from './fixture.ts';

type Dict = Record<string, unknown>;

/** autobahn-js onchallenge for WAMP-CRA: derive the key when the CHALLENGE is salted, then sign. */
function craSigner(secret: string, challenges: Dict[] = []) {
  return (method: string, extra: Dict): string => {
    challenges.push({ method, ...extra });
    const salt = extra['salt'];
    const key = typeof salt === 'string'
      ? autobahn.auth_cra.derive_key(secret, salt, extra['iterations'] as number, extra['keylen'] as number)
      : secret;
    return autobahn.auth_cra.sign(key, String(extra['challenge']));
  };
}

async function refusal(promise: Promise<OpenSession>): Promise<JoinRefusedError> {
  try {
    const opened = await promise;
    await opened.close();
  } catch (err) {
    if (err instanceof JoinRefusedError) return err;
    throw err;
  }
  throw new Error('expected the router to refuse the session, but it joined');
}

for (const serializer of SERIALIZERS) {
  describe(`autobahn-js authentication over wamp.2.${serializer}`, () => {
    let router: TestRouter;
    let authenticator: OpenSession;
    let authenticatorCalls: AuthenticatorCall[];
    const opened: OpenSession[] = [];

    const ticket = (authid: string, value: string, path = '/ws') =>
      join({ url: router.urlFor(path), realm: REALM, serializer, authmethods: ['ticket'], authid, onchallenge: () => value });
    const wampcra = (authid: string, secret: string, path = '/ws', challenges: Dict[] = []) =>
      join({ url: router.urlFor(path), realm: REALM, serializer, authmethods: ['wampcra'], authid, onchallenge: craSigner(secret, challenges) });
    const keep = (session: OpenSession): OpenSession => {
      opened.push(session);
      return session;
    };

    before(async () => {
      router = await startTestRouter({ realms: REALMS, auth: STATIC_AUTH, services: [{ path: DYNAMIC_PATH, auth: DYNAMIC_AUTH }], serializers: [serializer] });
      authenticator = await ticket('backend', TICKETS.backend);
      authenticatorCalls = await registerAuthenticator(authenticator.session);
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    after(async () => {
      await authenticator.close();
      await router.close();
    });

    it('joins with a static ticket; WELCOME carries authid, authrole, authmethod and authprovider (spec: authentication_ticket.md)', async () => {
      const { details } = keep(await ticket('alice', TICKETS.alice));
      expect(details).to.include({ authid: 'alice', authrole: 'user', authmethod: 'ticket', authprovider: 'static' });
      expect(details.transport.protocol).to.equal(`wamp.2.${serializer}`);
    });

    it('is refused with ABORT wamp.error.authentication_denied for a wrong ticket', async () => {
      const err = await refusal(ticket('alice', 'not-the-ticket'));
      expect(err.reason).to.equal(WampErrorUri.authenticationDenied);
    });

    it('joins with WAMP-CRA and a plain secret, signing the CHALLENGE with auth_cra.sign (spec: authentication_cra.md)', async () => {
      const challenges: Dict[] = [];
      const { details } = keep(await wampcra('carol', CRA.carol.secret, '/ws', challenges));
      expect(details).to.include({ authid: 'carol', authrole: 'user', authmethod: 'wampcra', authprovider: 'static' });
      expect(challenges).to.have.length(1);
      expect(challenges[0]).to.not.have.property('salt');
      expect(JSON.parse(String(challenges[0]?.['challenge']))).to.include({ authid: 'carol', authmethod: 'wampcra' });
    });

    it('joins with salted WAMP-CRA: autobahn derive_key(password, salt, iterations, keylen) matches the configured derived key', async () => {
      const challenges: Dict[] = [];
      const { details } = keep(await wampcra('dave', CRA.dave.password, '/ws', challenges));
      expect(details).to.include({ authid: 'dave', authrole: 'user', authmethod: 'wampcra' });
      expect(challenges[0]).to.include({ salt: CRA.dave.salt, iterations: CRA.dave.iterations, keylen: CRA.dave.keylen });
    });

    it('is refused with ABORT wamp.error.authentication_denied for a wrong WAMP-CRA secret', async () => {
      const err = await refusal(wampcra('carol', 'wrong-secret'));
      expect(err.reason).to.equal(WampErrorUri.authenticationDenied);
    });

    it('joins with a ticket checked by the dynamic authenticator, which sees (realm, authid, details.ticket); WELCOME carries its extra', async () => {
      const before = authenticatorCalls.length;
      const { details } = keep(await ticket(DYNAMIC.ticket.authid, DYNAMIC.ticket.ticket, DYNAMIC_PATH));
      expect(details).to.include({ authid: DYNAMIC.ticket.authid, authrole: 'user', authmethod: 'ticket', authprovider: 'dynamic' });
      expect(details.authextra).to.deep.include(DYNAMIC.extra);
      const call = authenticatorCalls[before];
      expect(call).to.include({ realm: REALM, authid: DYNAMIC.ticket.authid });
      expect(call?.details).to.include({ authmethod: 'ticket', ticket: DYNAMIC.ticket.ticket });
    });

    it('is refused with the dynamic authenticator\'s error URI as the ABORT reason for a wrong ticket', async () => {
      const err = await refusal(ticket(DYNAMIC.ticket.authid, 'not-the-ticket', DYNAMIC_PATH));
      expect(err.reason).to.equal(DYNAMIC.deniedUri);
    });

    it('joins with WAMP-CRA using the secret the dynamic authenticator returned', async () => {
      const { details } = keep(await wampcra(DYNAMIC.wampcra.authid, DYNAMIC.wampcra.secret, DYNAMIC_PATH));
      expect(details).to.include({ authid: DYNAMIC.wampcra.authid, authrole: 'user', authmethod: 'wampcra', authprovider: 'dynamic' });
    });

    it('is refused for a wrong WAMP-CRA signature against the dynamic authenticator\'s secret', async () => {
      const err = await refusal(wampcra(DYNAMIC.wampcra.authid, 'wrong-secret', DYNAMIC_PATH));
      expect(err.reason).to.equal(WampErrorUri.authenticationDenied);
    });
  });
}
