/**
 * What a joined session keeps (docs/router-memory.md): HELLO.Details is dropped at WELCOME, the
 * handle answers hasRole/hasFeature as before from its parsed roles.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { expect } from 'chai';
import { createRouter, type Router } from '../../../router/index.ts';
import { createSessionHandle } from '../../../router/session/session-handle.ts';
import type { Principal } from '../../../router/auth/authenticator.ts';
import type { TransportDetails } from '../../../router/transports/peer.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import { CLIENT_ROLES, LocalTestClient } from '../../helpers/local-client.ts';
import { openRealm } from '../../helpers/router-fixtures.ts';

const PRINCIPAL: Principal = { authid: 'alice', authrole: 'user', authmethod: 'ticket', authprovider: 'static' };
const TRANSPORT: TransportDetails = { kind: 'local', serializer: 'none', peer: 'local' };

/** V8's gc() without --expose-gc (as cli/idle-gc.ts gets it). */
function gc(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

describe('session handle (router/session/session-handle.ts)', () => {
  const hello = {
    roles: {
      caller: { features: { progressive_call_results: true, call_cancelling: true, caller_identification: false } },
      callee: {},
      subscriber: { features: 'not a dict' },
    },
  };
  const handle = createSessionHandle(7, 'realm1', PRINCIPAL, hello, TRANSPORT, () => undefined);

  it('knows the roles HELLO.Details.roles announced, with or without features (spec: basic/sessions.md)', () => {
    expect(handle.hasRole('caller')).to.equal(true);
    expect(handle.hasRole('callee')).to.equal(true);
    expect(handle.hasRole('subscriber')).to.equal(true);
    expect(handle.hasRole('publisher')).to.equal(false);
  });

  it('has exactly the features announced true, under either spelling of call_canceling', () => {
    expect(handle.hasFeature('caller', 'progressive_call_results')).to.equal(true);
    expect(handle.hasFeature('caller', 'call_canceling')).to.equal(true);
    expect(handle.hasFeature('caller', 'call_cancelling')).to.equal(true);
    expect(handle.hasFeature('caller', 'caller_identification')).to.equal(false);
    expect(handle.hasFeature('callee', 'progressive_call_results')).to.equal(false);
    expect(handle.hasFeature('publisher', 'progressive_call_results')).to.equal(false);
  });

  it('is frozen and carries the identity and transport', () => {
    expect(Object.isFrozen(handle)).to.equal(true);
    expect(handle).to.include({ id: 7, realm: 'realm1', authid: 'alice', authrole: 'user', authmethod: 'ticket', authprovider: 'static', transport: TRANSPORT });
  });

  it('does not share features between two sessions that announce a role without features', () => {
    const other = createSessionHandle(8, 'realm1', PRINCIPAL, { roles: { callee: { features: { call_canceling: true } } } }, TRANSPORT, () => undefined);
    expect(other.hasFeature('callee', 'call_canceling')).to.equal(true);
    expect(handle.hasFeature('callee', 'call_canceling')).to.equal(false);
  });
});

describe('RouterSession memory (router/session/session.ts)', () => {
  let router: Router;
  const clients: LocalTestClient[] = [];
  beforeEach(() => {
    router = createRouter({ realms: [openRealm('realm1')], handshakeTimeoutMs: 100 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await router.close();
  });

  it('keeps no reference to HELLO.Details once the session is established', async () => {
    const client = new LocalTestClient(router);
    clients.push(client);
    let marker: WeakRef<object> | undefined;
    (() => {
      const extra = { big: 'x'.repeat(1000) };
      marker = new WeakRef(extra);
      client.send({ type: MessageType.HELLO, realm: 'realm1', details: { roles: CLIENT_ROLES, extra } });
    })();
    await client.expect(MessageType.WELCOME);
    await new Promise((resolve) => setImmediate(resolve));
    gc()();
    expect(marker?.deref(), 'HELLO.Details.extra still reachable').to.equal(undefined);
    // Still a working session: the handshake's state is gone, the established one is not.
    expect(router.sessionCount).to.equal(1);
  });

  it('still ends with the handshake timeout when no HELLO comes, and closes established sessions on router.close()', async () => {
    const silent = new LocalTestClient(router);
    clients.push(silent);
    const abort = await silent.expect(MessageType.ABORT);
    expect(abort.reason).to.equal('wamp.error.timeout');
    const joined = await LocalTestClient.join(router, 'realm1');
    clients.push(joined);
    await router.close();
    const goodbye = await joined.expect(MessageType.GOODBYE);
    expect(goodbye.reason).to.equal('wamp.close.system_shutdown');
  });
});
