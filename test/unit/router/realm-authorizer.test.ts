import { expect } from 'chai';
import { createRealmAuthorizer } from '../../../router/authz/realm-authorizer.ts';
import type { InternalCall, SessionInfo } from '../../../router/types.ts';
import { silentLogger } from '../../../shared/logger.ts';
import type { RealmConfig } from '../../../shared/config/types.ts';

const realm: RealmConfig = {
  name: 'realm1',
  roles: [
    { name: 'user', permissions: [{ uri: 'com.', match: 'prefix', allow: { call: true, register: false, publish: false, subscribe: true }, disclose: { caller: true, publisher: false }, cache: true }] },
    { name: 'app', authorizer: 'com.example.authorize' },
  ],
};

function sessionAs(authrole: string): SessionInfo {
  return { id: 7, realm: 'realm1', authid: 'a', authrole, authmethod: 'anonymous', authprovider: 'static', transport: { kind: 'local', serializer: 'none', peer: 'local' } };
}

describe('createRealmAuthorizer', () => {
  const procedures: string[] = [];
  const call: InternalCall = (_realm, procedure) => {
    procedures.push(procedure);
    return Promise.resolve({ args: [{ allow: true }], kwargs: {} });
  };
  const authorizer = createRealmAuthorizer(realm, { call, logger: silentLogger() });

  it("decides a static role from the role's permissions", async () => {
    expect(await authorizer.authorize(sessionAs('user'), 'call', 'com.x', {})).to.deep.equal({ allow: true, disclose: true });
    expect(await authorizer.authorize(sessionAs('user'), 'register', 'com.x', {})).to.deep.equal({ allow: false, disclose: false });
  });

  it("asks a dynamic role's authorizer procedure", async () => {
    expect(await authorizer.authorize(sessionAs('app'), 'publish', 'org.y', {})).to.deep.equal({ allow: true, disclose: false });
    expect(procedures).to.deep.equal(['com.example.authorize']);
  });

  it('denies everything to a role the realm does not define', async () => {
    expect(await authorizer.authorize(sessionAs('admin'), 'call', 'com.x', {})).to.deep.equal({ allow: false, disclose: false });
  });
});
