import { expect } from 'chai';
import type { Action, Authorization, Authorizer } from '../../../router/authz/authorizer.ts';
import { Realm, type RealmMessage } from '../../../router/realm.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import type { Dict } from '../../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../../shared/wamp/uris.ts';
import { RecordingSession } from '../../helpers/recording-session.ts';
import { openRealm } from '../../helpers/router-fixtures.ts';

type Decide = (action: Action, uri: string) => Authorization | Promise<Authorization>;

function realmWith(decide: Decide, strictUris = false): Realm {
  const authorizer: Authorizer = { authorize: (_s, action, uri) => decide(action, uri) };
  return new Realm({ config: openRealm('realm1', ['user']), authorizer, logger: silentLogger(), strictUris });
}

const allow: Decide = () => ({ allow: true, disclose: false });
const subscribe = (topic: string, options: Dict = {}): RealmMessage => ({ type: MessageType.SUBSCRIBE, request: 1, options, topic });
const call = (procedure: string): RealmMessage => ({ type: MessageType.CALL, request: 2, options: {}, procedure, args: [] });
const publish = (topic: string, options: Dict = {}): RealmMessage => ({ type: MessageType.PUBLISH, request: 3, options, topic });

describe('Realm request checks', () => {
  let carol: RecordingSession;
  beforeEach(() => {
    carol = new RecordingSession({ id: 42, authid: 'carol', authrole: 'user' });
  });

  function joined(realm: Realm): Realm {
    realm.join(carol);
    return realm;
  }

  it('answers an invalid URI with ERROR wamp.error.invalid_uri before asking the authorizer (spec: basic/building_blocks.md "URIs")', async () => {
    const asked: string[] = [];
    const realm = joined(realmWith((_a, uri) => { asked.push(uri); return { allow: true, disclose: false }; }));
    await realm.handle(carol, subscribe('com.example..t'));
    await realm.handle(carol, call('com.example. bad'));
    expect(carol.take().map((m) => m.type === MessageType.ERROR && m.error)).to.deep.equal([WampErrorUri.invalidUri, WampErrorUri.invalidUri]);
    expect(asked).to.deep.equal([]);
  });

  it('accepts empty components in wildcard patterns only, and strict URIs when configured', async () => {
    const realm = joined(realmWith(allow, true));
    await realm.handle(carol, subscribe('com.example..t', { match: 'wildcard' }));
    await realm.handle(carol, subscribe('com.Example.t'));
    expect(carol.take().map((m) => m.type)).to.deep.equal([MessageType.SUBSCRIBED, MessageType.ERROR]);
  });

  it('refuses to register or publish under the reserved "wamp." prefix', async () => {
    const realm = joined(realmWith(allow));
    await realm.handle(carol, { type: MessageType.REGISTER, request: 4, options: {}, procedure: 'wamp.session.count' });
    await realm.handle(carol, publish('wamp.session.on_join', { acknowledge: true }));
    expect(carol.take().map((m) => m.type === MessageType.ERROR && m.error)).to.deep.equal([WampErrorUri.invalidUri, WampErrorUri.invalidUri]);
  });

  it('answers an unknown match policy with ERROR wamp.error.invalid_argument', async () => {
    const realm = joined(realmWith(allow));
    await realm.handle(carol, subscribe('com.example', { match: 'regex' }));
    expect(carol.last()).to.deep.include({ type: MessageType.ERROR, error: WampErrorUri.invalidArgument });
  });

  it('answers a denial with ERROR wamp.error.not_authorized and a readable message (Crossbar wording)', async () => {
    const realm = joined(realmWith(() => ({ allow: false, disclose: false })));
    await realm.handle(carol, call('com.example.x'));
    expect(carol.take()).to.deep.equal([{
      type: MessageType.ERROR, requestType: MessageType.CALL, request: 2, details: {}, error: WampErrorUri.notAuthorized,
      args: ['session (session_id=42, authid="carol", authrole="user") is not authorized to call procedure "com.example.x" on realm "realm1"'],
    }]);
  });

  it('answers a throwing or rejecting authorizer with ERROR wamp.error.authorization_failed', async () => {
    const sync = joined(realmWith(() => { throw new Error('boom'); }));
    await sync.handle(carol, subscribe('com.example.t'));
    const rejecting = realmWith(() => Promise.reject(new Error('down')));
    rejecting.join(carol);
    await rejecting.handle(carol, subscribe('com.example.t'));
    const errors = carol.take().map((m) => m.type === MessageType.ERROR && [m.error, m.args?.[0]]);
    expect(errors).to.deep.equal([
      [WampErrorUri.authorizationFailed, 'authorization of subscribe on "com.example.t" failed: boom'],
      [WampErrorUri.authorizationFailed, 'authorization of subscribe on "com.example.t" failed: down'],
    ]);
  });

  it('denies a PUBLISH without acknowledge silently, and with acknowledge by ERROR (spec: basic/publish_subscribe.md)', async () => {
    const realm = joined(realmWith(() => Promise.resolve({ allow: false, disclose: false })));
    await realm.handle(carol, publish('com.example.t'));
    await realm.handle(carol, publish('com.example t'));
    expect(carol.take()).to.deep.equal([]);
    await realm.handle(carol, publish('com.example.t', { acknowledge: true }));
    expect(carol.last()).to.deep.include({ type: MessageType.ERROR, requestType: MessageType.PUBLISH, error: WampErrorUri.notAuthorized });
  });

  it('drops a request whose session left while the authorizer was deciding', async () => {
    let release = (): void => undefined;
    const realm = joined(realmWith(() => new Promise((resolve) => { release = () => { resolve({ allow: true, disclose: false }); }; })));
    const pending = realm.handle(carol, subscribe('com.example.t'));
    realm.leave(carol);
    release();
    await pending;
    expect(carol.take()).to.deep.equal([]);
    expect(realm.broker.size).to.equal(0);
  });

  it('counts joined sessions and forgets them on leave', () => {
    const realm = joined(realmWith(allow));
    expect(realm.sessionCount).to.equal(1);
    realm.leave(carol);
    realm.leave(carol);
    expect(realm.sessionCount).to.equal(0);
  });
});
