import { expect } from 'chai';
import { globMatch, originPolicy } from '../../../../router/transports/origin-policy.ts';

describe('originPolicy (router/transports/origin-policy.ts, Crossbar allowed_origins)', () => {
  it('allows every origin, null and none when no pattern list is configured (Crossbar default ["*"])', () => {
    const allowed = originPolicy(undefined);
    for (const origin of [undefined, 'null', 'http://evil.example', 'https://app.example.com']) expect(allowed(origin), String(origin)).to.equal(true);
  });

  it('allows a request without an Origin header (not a browser page) whatever the patterns', () => {
    expect(originPolicy([])(undefined)).to.equal(true);
    expect(originPolicy(['https://app.example.com'])(undefined)).to.equal(true);
  });

  it('matches the whole origin, case-insensitively, with * for any run of characters', () => {
    const allowed = originPolicy(['https://*.example.com', 'http://localhost:*']);
    expect(allowed('https://app.example.com')).to.equal(true);
    expect(allowed('HTTPS://App.Example.COM')).to.equal(true);
    expect(allowed('https://a.b.example.com')).to.equal(true);
    expect(allowed('http://localhost:3000')).to.equal(true);
    expect(allowed('https://example.com')).to.equal(false);
    expect(allowed('https://app.example.com.evil.example')).to.equal(false);
    expect(allowed('http://app.example.com')).to.equal(false);
    expect(allowed('https://evilexample.com')).to.equal(false);
    expect(allowed('http://localhost')).to.equal(true); // port 80
    expect(allowed('http://localhost.evil.example:3000')).to.equal(false);
  });

  it('treats a default port written or left out as the same origin, in the pattern and in the header', () => {
    expect(originPolicy(['https://app.example.com'])('https://app.example.com:443')).to.equal(true);
    expect(originPolicy(['https://app.example.com:443'])('https://app.example.com')).to.equal(true);
    expect(originPolicy(['http://app.example.com'])('http://app.example.com:8080')).to.equal(false);
    expect(originPolicy(['http://[::1]:80'])('http://[::1]')).to.equal(true);
  });

  it('refuses Origin: null unless allowNullOrigin, even with a * pattern', () => {
    expect(originPolicy(['*'])('null')).to.equal(false);
    expect(originPolicy(['*'], true)('null')).to.equal(true);
    expect(originPolicy(['*'])('http://anything.example')).to.equal(true);
  });

  it('refuses everything but header-less requests with an empty list', () => {
    expect(originPolicy([])('https://app.example.com')).to.equal(false);
  });

  it('matches globs without backtracking blow-up on a long hostile Origin', () => {
    const started = performance.now();
    expect(globMatch('*a*a*a*a*a*a*b', 'a'.repeat(20_000))).to.equal(false);
    expect(performance.now() - started).to.be.below(2000);
    expect(globMatch('a*', 'a')).to.equal(true);
    expect(globMatch('*', '')).to.equal(true);
    expect(globMatch('a*c', 'abbbc')).to.equal(true);
    expect(globMatch('a*c', 'abbbd')).to.equal(false);
  });
});
