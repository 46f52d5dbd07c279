import { expect } from 'chai';
import { constantTimeEqual, deriveKey, signChallenge } from '../../../../router/auth/crypto.ts';
import { StaticWampCraAuthenticator, craUsersFromConfig } from '../../../../router/auth/wampcra.ts';
import type { AuthDeny, AuthStep } from '../../../../router/auth/authenticator.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { asChallenge, authRequest, autobahnCra, challengeJson } from './fixtures.ts';

// Known answers generated with autobahn-python 22.7.1 (auth.derive_key / auth.compute_wcs) and
// npm autobahn 26.3.1 (lib/auth/cra.js derive_key / sign); both gave identical output.
const CHALLENGE =
  '{"authid":"peter","authrole":"user","authmethod":"wampcra","authprovider":"static","nonce":"LHRTC9zeOIrt_9U3","timestamp":"2014-06-22T16:36:25.448Z","session":3251278072152162}';
const DERIVED_S3CR3T_SALT123 = 'TSMRO/U+jxq60liTV2uxuO6RgKFN022eOOelapaApxk=';

describe('WAMP-CRA crypto (router/auth/crypto.ts)', () => {
  it('derives the same key as autobahn derive_key (PBKDF2-HMAC-SHA256, base64)', () => {
    expect(deriveKey('s3cr3t', 'salt123', 1000, 32)).to.equal(DERIVED_S3CR3T_SALT123);
    expect(deriveKey('secret', 'salt')).to.equal('qN+JnzxPIE2WfgrWPAkph8EAVeuwF7PZ0ordIY1Peq0=');
    expect(deriveKey('pässwörd', 'sälz', 100, 16)).to.equal('k5bEH+zVwz9RcQAqcT8itg==');
  });

  it('signs a challenge like autobahn compute_wcs / sign, with a plain and a derived key', () => {
    expect(signChallenge('secret123', CHALLENGE)).to.equal('Nj02bD6rVoOa09jNtz3S7J41/Dky20wsdL70cFpFsvI=');
    expect(signChallenge(DERIVED_S3CR3T_SALT123, CHALLENGE)).to.equal('gtl1oQ+zhpprvkcBjedOA6UwKkELVhiMVpQXkKb4RYg=');
  });

  it('compares strings of any lengths for equality', () => {
    expect(constantTimeEqual('abc', 'abc')).to.equal(true);
    expect(constantTimeEqual('abc', 'abd')).to.equal(false);
    expect(constantTimeEqual('abc', 'abcd')).to.equal(false);
    expect(constantTimeEqual('', '')).to.equal(true);
  });
});

describe('StaticWampCraAuthenticator', () => {
  const authenticator = new StaticWampCraAuthenticator(craUsersFromConfig({
    peter: { secret: 'secret123', role: 'user' },
    joe: { secret: DERIVED_S3CR3T_SALT123, role: 'user', salt: 'salt123', iterations: 1000, keylen: 32 },
    admin: { secret: 'admin-secret', role: 'admin' },
  }));
  const start = (authid: string | undefined): Promise<AuthStep> => authenticator.start(authRequest({ authid }));

  it('challenges with a JSON string holding the members spec advanced/authentication_cra.md requires', async () => {
    const step = asChallenge(await start('peter'));
    expect(Object.keys(step.extra)).to.deep.equal(['challenge']);
    const c = challengeJson(step);
    expect(c).to.include({ authid: 'peter', authrole: 'user', authmethod: 'wampcra', authprovider: 'static', session: 3251278072152162 });
    expect(c['nonce']).to.be.a('string').with.length.of.at.least(16);
    expect(c['timestamp']).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('uses a fresh nonce for every challenge', async () => {
    const a = challengeJson(asChallenge(await start('peter')));
    const b = challengeJson(asChallenge(await start('peter')));
    expect(a['nonce']).to.not.equal(b['nonce']);
  });

  it('accepts the signature autobahn-js computes with the shared secret', async () => {
    const step = asChallenge(await start('peter'));
    const result = await step.verify(autobahnCra.sign('secret123', step.extra['challenge'] as string), {});
    expect(result).to.deep.equal({ kind: 'accept', principal: { authid: 'peter', authrole: 'user', authmethod: 'wampcra', authprovider: 'static' } });
  });

  it('announces salt/iterations/keylen for a salted user and accepts a key autobahn-js derives from the password', async () => {
    const step = asChallenge(await start('joe'));
    expect(step.extra).to.include({ salt: 'salt123', iterations: 1000, keylen: 32 });
    const key = autobahnCra.derive_key('s3cr3t', 'salt123', 1000, 32);
    const result = await step.verify(autobahnCra.sign(key, step.extra['challenge'] as string), {});
    expect(result.kind).to.equal('accept');
  });

  it('denies a wrong signature with wamp.error.authentication_denied (spec: advanced/uris.md) and no secret in the message', async () => {
    const step = asChallenge(await start('peter'));
    const result = (await step.verify(autobahnCra.sign('wrong', step.extra['challenge'] as string), {})) as AuthDeny;
    expect(result.kind).to.equal('deny');
    expect(result.reason).to.equal(WampErrorUri.authenticationDenied);
    expect(result.message).to.not.include('secret123');
  });

  it('challenges an unknown authid like a known (salted) one, then denies it exactly like a wrong password', async () => {
    const known = asChallenge(await start('joe'));
    const unknown = asChallenge(await start('mallory'));
    expect(Object.keys(unknown.extra)).to.deep.equal(Object.keys(known.extra));
    const c = challengeJson(unknown);
    expect(Object.keys(c)).to.deep.equal(Object.keys(challengeJson(known)));
    expect(c['authrole']).to.equal('user'); // the most common configured role
    const wrong = await known.verify('AAAA', {});
    const denied = await unknown.verify(autobahnCra.sign('anything', unknown.extra['challenge'] as string), {});
    expect(denied).to.deep.equal(wrong);
  });

  it('gives an unknown authid a stable salt when users are salted, so retries do not reveal it', async () => {
    const a = asChallenge(await start('mallory'));
    const b = asChallenge(await start('mallory'));
    expect(a.extra['salt']).to.be.a('string').and.equal(b.extra['salt']);
    expect(a.extra).to.include({ iterations: 1000, keylen: 32 });
  });

  it('treats authids named like Object.prototype members as unknown', async () => {
    const step = asChallenge(await start('constructor'));
    expect((await step.verify('x', {})).kind).to.equal('deny');
  });

  it('requires HELLO.Details.authid (spec: advanced/authentication_cra.md)', async () => {
    const result = (await start(undefined)) as AuthDeny;
    expect(result).to.include({ kind: 'deny', reason: WampErrorUri.authenticationRequired });
  });
});
