import { expect } from 'chai';
import { StaticAuthorizer } from '../../../router/authz/static-authorizer.ts';
import type { Action } from '../../../router/authz/authorizer.ts';
import type { SessionInfo } from '../../../router/types.ts';
import type { MatchPolicy, PermissionConfig } from '../../../shared/config/types.ts';

const ALL = { call: true, register: true, publish: true, subscribe: true };
const NONE = { call: false, register: false, publish: false, subscribe: false };

function perm(uri: string, match: MatchPolicy, allow: Partial<PermissionConfig['allow']>, disclose = { caller: false, publisher: false }): PermissionConfig {
  return { uri, match, allow: { ...NONE, ...allow }, disclose, cache: true };
}

const session = {} as SessionInfo;

describe('StaticAuthorizer', () => {
  // [description, permissions, action, uri, expected allow]
  const table: [string, PermissionConfig[], Action, string, boolean][] = [
    ['exact matches only the identical URI', [perm('com.a.b', 'exact', ALL)], 'call', 'com.a.b', true],
    ['exact does not match a longer URI', [perm('com.a.b', 'exact', ALL)], 'call', 'com.a.b.c', false],
    ['prefix is a plain string prefix (Crossbar)', [perm('com.a', 'prefix', ALL)], 'call', 'com.ab', true],
    ['prefix matches the pattern itself', [perm('com.a.', 'prefix', ALL)], 'call', 'com.a.x', true],
    ['empty-uri prefix allows every URI', [perm('', 'prefix', ALL)], 'publish', 'any.thing.at.all', true],
    ['wildcard: an empty component matches any one component', [perm('com..b', 'wildcard', ALL)], 'subscribe', 'com.x.b', true],
    ['wildcard: component counts must agree', [perm('com..b', 'wildcard', ALL)], 'subscribe', 'com.x.y.b', false],
    ['wildcard: literal components must be equal', [perm('com..b', 'wildcard', ALL)], 'subscribe', 'com.x.c', false],
    ['no matching permission denies', [perm('com.a.', 'prefix', ALL)], 'call', 'org.a.b', false],
    ['no permissions at all denies', [], 'register', 'com.a', false],
    ['the longest matching prefix wins (deny beats a shorter allow)', [perm('com.', 'prefix', ALL), perm('com.secret.', 'prefix', {})], 'call', 'com.secret.x', false],
    ['the longest matching prefix wins (allow beats a shorter deny)', [perm('com.secret.', 'prefix', ALL), perm('com.', 'prefix', {})], 'call', 'com.secret.x', true],
    ['a longer wildcard beats a shorter prefix', [perm('com.', 'prefix', {}), perm('com..admin', 'wildcard', ALL)], 'call', 'com.x.admin', true],
    ['exact beats a prefix of the same length', [perm('com.a.b', 'prefix', {}), perm('com.a.b', 'exact', ALL)], 'call', 'com.a.b', true],
    ['exact beats a wildcard of the same length', [perm('com.a.b', 'wildcard', {}), perm('com.a.b', 'exact', ALL)], 'call', 'com.a.b', true],
    ['prefix beats a wildcard of the same length', [perm('com.a.b', 'wildcard', {}), perm('com.a.b', 'prefix', ALL)], 'call', 'com.a.b', true],
    ['a non-matching longer exact does not shadow a matching prefix', [perm('com.', 'prefix', ALL), perm('com.a.b', 'exact', {})], 'call', 'com.a.bc', true],
    ['the action selects the allow flag', [perm('com.', 'prefix', { subscribe: true })], 'publish', 'com.x', false],
  ];
  for (const [description, permissions, action, uri, allow] of table) {
    it(`${description}: ${action} "${uri}" → ${allow ? 'allow' : 'deny'}`, () => {
      expect(new StaticAuthorizer(permissions).authorize(session, action, uri).allow).to.equal(allow);
    });
  }

  it('a longer exact decides for its URI, a shorter wildcard for the others', () => {
    const a = new StaticAuthorizer([perm('com..b', 'wildcard', ALL), perm('com.a.b', 'exact', {})]);
    expect(a.authorize(session, 'call', 'com.a.b').allow).to.equal(false);
    expect(a.authorize(session, 'call', 'com.z.b').allow).to.equal(true);
  });

  it('forces caller disclosure for call and publisher disclosure for publish only', () => {
    const a = new StaticAuthorizer([perm('com.', 'prefix', ALL, { caller: true, publisher: false })]);
    expect(a.authorize(session, 'call', 'com.x')).to.deep.equal({ allow: true, disclose: true });
    expect(a.authorize(session, 'publish', 'com.x')).to.deep.equal({ allow: true, disclose: false });
    expect(a.authorize(session, 'register', 'com.x')).to.deep.equal({ allow: true, disclose: false });
    const b = new StaticAuthorizer([perm('com.', 'prefix', ALL, { caller: false, publisher: true })]);
    expect(b.authorize(session, 'publish', 'com.x')).to.deep.equal({ allow: true, disclose: true });
    expect(b.authorize(session, 'subscribe', 'com.x')).to.deep.equal({ allow: true, disclose: false });
  });

  it('lets the first configured permission win a complete tie', () => {
    const a = new StaticAuthorizer([perm('com.', 'prefix', { call: true }), perm('com.', 'prefix', {})]);
    expect(a.authorize(session, 'call', 'com.x').allow).to.equal(true);
  });
});
