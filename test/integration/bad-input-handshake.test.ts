/**
 * Bad-input catalogue, part 1 (docs/conventions.md): rules of the opening handshake, over a real WebSocket
 * connection to the real router. Each case checks the offender's exact ABORT and close, then that
 * two sessions joined before it still work.
 */
import { expect } from 'chai';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import {
  HANDSHAKE_TIMEOUT_MS, PROTOCOLS, TICKET_PATH, expectAbort, useBadInputRouter,
} from './bad-input-fixture.ts';

const ROLES = { caller: {}, subscriber: {} };

for (const protocol of PROTOCOLS) {
  describe(`bad handshake input over ${protocol}`, () => {
    const bed = useBadInputRouter();

    it('aborts with protocol_violation when anything but HELLO comes first (spec: basic/sessions.md)', async () => {
      const bad = await bed.open(protocol);
      bad.send([M.CALL, 1, {}, 'com.good.echo', []]);
      await expectAbort(bad, WampErrorUri.protocolViolation, /^CALL is not allowed before HELLO$/);
      await bed.assertRouterStillServes();
    });

    it('aborts with protocol_violation on a second HELLO (spec: basic/building_blocks.md "Protocol Errors")', async () => {
      const bad = await bed.join(protocol);
      bad.send([M.HELLO, 'realm1', { roles: ROLES }]);
      await expectAbort(bad, WampErrorUri.protocolViolation, /^HELLO is not allowed in an established session$/);
      await bed.assertRouterStillServes();
    });

    it('aborts with protocol_violation on AUTHENTICATE without a CHALLENGE, before HELLO and after WELCOME (spec: advanced/authentication.md)', async () => {
      const early = await bed.open(protocol);
      early.send([M.AUTHENTICATE, 'secret', {}]);
      await expectAbort(early, WampErrorUri.protocolViolation, /^AUTHENTICATE is not allowed before HELLO$/);
      const late = await bed.join(protocol);
      late.send([M.AUTHENTICATE, 'secret', {}]);
      await expectAbort(late, WampErrorUri.protocolViolation, /^AUTHENTICATE is not allowed in an established session$/);
      await bed.assertRouterStillServes();
    });

    it('aborts with protocol_violation on CALL before WELCOME, while a CHALLENGE is pending (spec: basic/building_blocks.md "Protocol Errors")', async () => {
      const bad = await bed.open(protocol, TICKET_PATH);
      bad.send([M.HELLO, 'realm1', { roles: ROLES, authmethods: ['ticket'], authid: 'alice' }]);
      expect(await bad.next()).to.deep.equal([M.CHALLENGE, 'ticket', {}]);
      bad.send([M.CALL, 1, {}, 'com.good.echo', []]);
      await expectAbort(bad, WampErrorUri.protocolViolation, /^CALL is not allowed after CHALLENGE$/);
      await bed.assertRouterStillServes();
    });

    it('aborts with invalid_uri on HELLO with an invalid realm URI (spec: basic/building_blocks.md "URIs")', async () => {
      for (const realm of ['realm 1', 'realm..1', '', 'realm#1']) {
        const bad = await bed.open(protocol);
        bad.send([M.HELLO, realm, { roles: ROLES }]);
        await expectAbort(bad, WampErrorUri.invalidUri, /^invalid realm URI/);
      }
      await bed.assertRouterStillServes();
    });

    it('aborts with no_such_realm on HELLO for an unknown realm (spec: basic/sessions.md)', async () => {
      const bad = await bed.open(protocol);
      bad.send([M.HELLO, 'com.nowhere', { roles: ROLES }]);
      await expectAbort(bad, WampErrorUri.noSuchRealm, /^no realm "com.nowhere" exists on this router$/);
      await bed.assertRouterStillServes();
    });

    it('aborts with protocol_violation on HELLO whose Details is not a dict (spec: basic/messages.md)', async () => {
      const bad = await bed.open(protocol);
      bad.send([M.HELLO, 'realm1', ['roles']]);
      await expectAbort(bad, WampErrorUri.protocolViolation, /^invalid HELLO.Details: expected a dict, got an array$/);
      await bed.assertRouterStillServes();
    });
  });
}

describe('handshake timeout over WebSocket', () => {
  const bed = useBadInputRouter();

  it('aborts with timeout a client that never sends HELLO (handshakeTimeoutMs)', async () => {
    const silent = await bed.open('wamp.2.json');
    const opened = Date.now();
    await expectAbort(silent, WampErrorUri.timeout, new RegExp(`^handshake not completed within ${HANDSHAKE_TIMEOUT_MS} ms$`));
    expect(Date.now() - opened).to.be.within(HANDSHAKE_TIMEOUT_MS - 50, HANDSHAKE_TIMEOUT_MS + 1_000);
    await bed.assertRouterStillServes();
  });

  it('aborts with timeout a client stuck after CHALLENGE (handshakeTimeoutMs)', async () => {
    const stuck = await bed.open('wamp.2.json', TICKET_PATH);
    stuck.send([M.HELLO, 'realm1', { roles: ROLES, authmethods: ['ticket'], authid: 'alice' }]);
    expect((await stuck.next())[0]).to.equal(M.CHALLENGE);
    await expectAbort(stuck, WampErrorUri.timeout, /^handshake not completed within/);
    await bed.assertRouterStillServes();
  });
});
