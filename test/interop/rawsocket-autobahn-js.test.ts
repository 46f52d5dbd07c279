/**
 * autobahn-js (npm `autobahn`, Node only, JSON only) over our RawSocket transport, on TCP
 * (`{ type: 'rawsocket', host, port }`) and on a Unix socket (`{ type: 'rawsocket', path }`):
 * ticket auth, and RPC and pub/sub each way with an autobahn-js session on the WebSocket side.
 */
import { expect } from 'chai';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { startRawSocketRouter, type RawSocketTestRouter } from '../helpers/start-rawsocket.ts';
import { JoinRefusedError, autobahn, join, settle, type AbJoinDetails, type AbSession, type OpenSession } from './autobahn-js-client.ts';
import { REALM, REALMS, STATIC_AUTH, TICKETS } from './fixture.ts';

type RawSocketTarget = { readonly host: string; readonly port: number } | { readonly path: string };

/** Open an autobahn-js RawSocket connection (no retries); resolves on WELCOME, rejects on ABORT/close. */
function joinRawSocket(target: RawSocketTarget, authid: string, ticket: string): Promise<OpenSession> {
  const connection = new autobahn.Connection({
    realm: REALM,
    transports: [{ type: 'rawsocket', ...target }],
    authmethods: ['ticket'],
    authid,
    onchallenge: () => ticket,
    retry_if_unreachable: false,
    max_retries: 0,
  });
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  return new Promise((resolve, reject) => {
    connection.onopen = (session: AbSession, details: AbJoinDetails) => {
      resolve({
        session,
        details,
        internalErrors: [],
        close: async () => {
          connection.close();
          await closed;
        },
      });
    };
    connection.onclose = (_reason, details) => {
      reject(new JoinRefusedError(details.reason, details.message));
      onClosed();
      return true;
    };
    connection.open();
  });
}

for (const kind of ['tcp', 'unix'] as const) {
  describe(`autobahn-js over RawSocket ${kind} (wamp.2.json)`, () => {
    let router: RawSocketTestRouter;
    let rs: OpenSession;
    let ws: OpenSession;
    const target = (): RawSocketTarget => (kind === 'tcp' ? router.tcp : router.unix);

    before(async () => {
      router = await startRawSocketRouter({ realms: REALMS, auth: STATIC_AUTH });
      rs = await joinRawSocket(target(), 'backend', TICKETS.backend);
      ws = await join({ url: router.url, realm: REALM, serializer: 'msgpack', authmethods: ['ticket'], authid: 'backend', onchallenge: () => TICKETS.backend });
    });
    after(async () => {
      await rs.close();
      await ws.close();
      await router.close();
    });

    it('joins with ticket authentication (spec: authentication_ticket.md)', () => {
      expect(rs.details).to.include({ authid: 'backend', authrole: 'backend', authmethod: 'ticket', authprovider: 'static' });
    });

    it('is refused with ABORT wamp.error.authentication_denied for a wrong ticket', async () => {
      const refused = await joinRawSocket(target(), 'alice', 'not-the-ticket').then(() => undefined, (err: unknown) => err);
      expect(refused).to.be.instanceOf(JoinRefusedError).and.to.have.property('reason', WampErrorUri.authenticationDenied);
    });

    it('calls a procedure registered over WebSocket, and serves a call from the WebSocket side', async () => {
      await ws.session.register('com.example.on_ws', (args) => ['ws got', ...args]);
      await rs.session.register('com.example.on_rs', (args, kwargs) => ({ sum: Number(args[0]) + Number(args[1]), kwargs }));
      expect(await settle(rs.session.call('com.example.on_ws', ['héllo', 2 ** 40]))).to.deep.equal({ ok: true, value: ['ws got', 'héllo', 2 ** 40] });
      expect(await settle(ws.session.call('com.example.on_rs', [2, 3], { k: 'v' }))).to.deep.equal({ ok: true, value: { sum: 5, kwargs: { k: 'v' } } });
    });

    it('receives events published over WebSocket and delivers its own to a WebSocket subscriber', async () => {
      const atRs = Promise.withResolvers<unknown[]>();
      const atWs = Promise.withResolvers<unknown[]>();
      await rs.session.subscribe('com.example.to_rs', (args) => { atRs.resolve(args); });
      await ws.session.subscribe('com.example.to_ws', (args) => { atWs.resolve(args); });
      await ws.session.publish('com.example.to_rs', ['from ws'], {}, { acknowledge: true, exclude_me: true });
      await rs.session.publish('com.example.to_ws', ['from rs', { nested: [1, 2] }], {}, { acknowledge: true });
      expect(await atRs.promise).to.deep.equal(['from ws']);
      expect(await atWs.promise).to.deep.equal(['from rs', { nested: [1, 2] }]);
    });
  });
}
