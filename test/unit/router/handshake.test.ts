import { expect } from 'chai';
import { createRouter, VERSION, type Router } from '../../../router/index.ts';
import { signChallenge } from '../../../router/auth/crypto.ts';
import type { TransportAuthConfig } from '../../../shared/config/types.ts';
import { ROUTER_ROLES } from '../../../shared/wamp/features.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../../shared/wamp/uris.ts';
import { LocalTestClient } from '../../helpers/local-client.ts';
import { openRealm } from '../../helpers/router-fixtures.ts';

const TICKET: TransportAuthConfig = { ticket: { type: 'static', principals: { alice: { ticket: 'open-sesame', role: 'user' } } } };
const WAMPCRA: TransportAuthConfig = { wampcra: { type: 'static', users: { carol: { secret: 's3cr3t', role: 'user' } } } };

describe('Handshake (spec: basic/sessions.md, advanced/authentication.md)', () => {
  let router: Router;
  const clients: LocalTestClient[] = [];
  function attach(auth?: TransportAuthConfig): LocalTestClient {
    const client = new LocalTestClient(router, auth ? { auth } : {});
    clients.push(client);
    return client;
  }
  beforeEach(() => {
    router = createRouter({ realms: [openRealm('realm1', ['anonymous', 'user', 'backend']), openRealm('realm2', ['user'])] });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await router.close();
  });

  it('welcomes an anonymous session on a transport without an auth block, with the router roles and agent', async () => {
    const client = attach();
    const welcome = await client.hello('realm1');
    if (welcome.type !== MessageType.WELCOME) throw new Error(JSON.stringify(welcome));
    expect(welcome.details).to.deep.include({
      realm: 'realm1', authrole: 'anonymous', authmethod: 'anonymous', authprovider: 'static', authextra: {},
      roles: ROUTER_ROLES, agent: `asexor/${VERSION}`,
    });
    expect(welcome.details['authid']).to.be.a('string');
    expect(router.sessionCount).to.equal(1);
  });

  it('aborts with wamp.error.no_matching_auth_method when the transport does not offer anonymous', async () => {
    const reply = await attach(TICKET).hello('realm1');
    expect(reply).to.deep.include({ type: MessageType.ABORT, reason: WampErrorUri.noMatchingAuthMethod });
  });

  it('uses the first offered method the transport has', async () => {
    const reply = await attach(TICKET).hello('realm1', { authmethods: ['wampcra', 'ticket'], authid: 'alice' });
    expect(reply).to.deep.equal({ type: MessageType.CHALLENGE, authMethod: 'ticket', extra: {} });
  });

  it('welcomes a ticket principal with the right ticket (spec: advanced/authentication_ticket.md)', async () => {
    const client = attach(TICKET);
    await client.hello('realm1', { authmethods: ['ticket'], authid: 'alice' });
    client.send({ type: MessageType.AUTHENTICATE, signature: 'open-sesame', extra: {} });
    const welcome = await client.expect(MessageType.WELCOME);
    expect(welcome.details).to.deep.include({ authid: 'alice', authrole: 'user', authmethod: 'ticket', authprovider: 'static' });
  });

  it('aborts a wrong ticket with the authenticator reason and message', async () => {
    const client = attach(TICKET);
    await client.hello('realm1', { authmethods: ['ticket'], authid: 'alice' });
    client.send({ type: MessageType.AUTHENTICATE, signature: 'wrong', extra: {} });
    const abort = await client.expect(MessageType.ABORT);
    expect(abort.reason).to.equal(WampErrorUri.authenticationDenied);
    expect(abort.details['message']).to.be.a('string').and.match(/denied/);
    await client.closed;
  });

  it('runs the WAMP-CRA challenge bound to the session id of WELCOME (spec: advanced/authentication_cra.md)', async () => {
    const client = attach(WAMPCRA);
    const challenge = await client.hello('realm1', { authmethods: ['wampcra'], authid: 'carol' });
    if (challenge.type !== MessageType.CHALLENGE) throw new Error(JSON.stringify(challenge));
    const text = challenge.extra['challenge'] as string;
    client.send({ type: MessageType.AUTHENTICATE, signature: signChallenge('s3cr3t', text), extra: {} });
    const welcome = await client.expect(MessageType.WELCOME);
    expect(welcome.details).to.deep.include({ authid: 'carol', authrole: 'user', authmethod: 'wampcra' });
    expect((JSON.parse(text) as { session: number }).session).to.equal(welcome.session);
  });

  it('aborts a WAMP-CRA signature made with the wrong secret', async () => {
    const client = attach(WAMPCRA);
    const challenge = await client.hello('realm1', { authmethods: ['wampcra'], authid: 'carol' });
    if (challenge.type !== MessageType.CHALLENGE) throw new Error(JSON.stringify(challenge));
    client.send({ type: MessageType.AUTHENTICATE, signature: signChallenge('guess', challenge.extra['challenge'] as string), extra: {} });
    expect(await client.expect(MessageType.ABORT)).to.have.property('reason', WampErrorUri.authenticationDenied);
  });

  it('aborts a HELLO that announces no client role with wamp.error.protocol_violation', async () => {
    const reply = await attach().hello('realm1', { roles: { broker: {} } });
    expect(reply).to.deep.include({ type: MessageType.ABORT, reason: WampErrorUri.protocolViolation });
  });

  it('aborts an unknown realm with wamp.error.no_such_realm', async () => {
    const reply = await attach().hello('nope');
    expect(reply).to.deep.include({ type: MessageType.ABORT, reason: WampErrorUri.noSuchRealm });
  });

  it('aborts an invalid realm URI with wamp.error.invalid_uri (spec: basic/building_blocks.md "URIs")', async () => {
    const reply = await attach().hello('bad realm');
    expect(reply).to.deep.include({ type: MessageType.ABORT, reason: WampErrorUri.invalidUri });
  });

  it('aborts with wamp.error.no_such_role when the realm does not define the authrole', async () => {
    const reply = await attach().hello('realm2'); // anonymous → role 'anonymous', which realm2 lacks
    expect(reply).to.deep.include({ type: MessageType.ABORT, reason: WampErrorUri.noSuchRole });
    expect(router.sessionCount).to.equal(0);
  });

  it('puts the dynamic authenticator extra into WELCOME.Details.authextra', async () => {
    const backend = await LocalTestClient.join(router, 'realm1');
    clients.push(backend);
    await backend.serve('com.example.authenticate', (inv) => {
      expect(inv.args?.slice(0, 2)).to.deep.equal(['realm1', 'dave']);
      return { role: 'user', extra: { greeting: 'hello dave' } };
    });
    const client = attach({ ticket: { type: 'dynamic', authenticator: 'com.example.authenticate' } });
    await client.hello('realm1', { authmethods: ['ticket'], authid: 'dave' });
    client.send({ type: MessageType.AUTHENTICATE, signature: 'any', extra: {} });
    const welcome = await client.expect(MessageType.WELCOME);
    expect(welcome.details).to.deep.include({ authid: 'dave', authrole: 'user', authprovider: 'dynamic', authextra: { greeting: 'hello dave' } });
  });
});
