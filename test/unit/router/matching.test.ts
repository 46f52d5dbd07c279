import { expect } from 'chai';
import { UriIndex, type MatchPolicy } from '../../../router/matching.ts';

function indexOf(entries: readonly (readonly [string, MatchPolicy])[]): UriIndex<string> {
  const index = new UriIndex<string>();
  for (const [uri, match] of entries) index.set(uri, match, `${match}:${uri}`);
  return index;
}

describe('UriIndex', () => {
  describe('best() (spec: advanced/rpc_pattern_based_registration.md worked examples)', () => {
    const index = indexOf([
      ['a1.b2.c3.d4.e55', 'exact'],
      ['a1.b2.c3', 'prefix'],
      ['a1.b2.c3.d4', 'prefix'],
      ['a1.b2..d4.e5', 'wildcard'],
      ['a1.b2.c33..e5', 'wildcard'],
      ['a1.b2..d4.e5..g7', 'wildcard'],
      ['a1.b2..d4..f6.g7', 'wildcard'],
    ]);
    const cases: readonly (readonly [string, string | undefined])[] = [
      ['a1.b2.c3.d4.e55', 'exact:a1.b2.c3.d4.e55'],
      ['a1.b2.c3.d98.e74', 'prefix:a1.b2.c3'],
      ['a1.b2.c3.d4.e325', 'prefix:a1.b2.c3.d4'],
      ['a1.b2.c55.d4.e5', 'wildcard:a1.b2..d4.e5'],
      ['a1.b2.c88.d4.e5.f6.g7', 'wildcard:a1.b2..d4.e5..g7'],
      ['a2.b2.c2.d2.e2', undefined],
    ];
    for (const [uri, expected] of cases) {
      it(`routes ${uri} to ${expected ?? 'nothing (no_such_procedure)'}`, () => {
        expect(index.best(uri)).to.equal(expected);
      });
    }

    // The spec's example 'a1.b2.c33.d4.e5' says "no prefix match", but by the spec's own prefix rule
    // ("com.myapp.myobject1-mysubobject1" matches prefix "com.myapp.myobject1") and Crossbar's,
    // 'a1.b2.c3' is a string prefix of it. We follow the prefix rule; the wildcard tie-break the
    // example illustrates is checked without that colliding prefix.
    it('routes a1.b2.c33.d4.e5 to the string prefix a1.b2.c3 (the spec example contradicts its prefix rule)', () => {
      expect(index.best('a1.b2.c33.d4.e5')).to.equal('prefix:a1.b2.c3');
    });

    it('prefers a1.b2.c33..e5 over a1.b2..d4.e5 for a1.b2.c33.d4.e5 (longer first portion)', () => {
      const wildcards = indexOf([['a1.b2..d4.e5', 'wildcard'], ['a1.b2.c33..e5', 'wildcard']]);
      expect(wildcards.best('a1.b2.c33.d4.e5')).to.equal('wildcard:a1.b2.c33..e5');
    });
  });

  describe('prefix matching', () => {
    it('is string-prefix based (spec: advanced/rpc_pattern_based_registration.md "Prefix Matching")', () => {
      const index = indexOf([['com.myapp.myobject1', 'prefix']]);
      for (const uri of [
        'com.myapp.myobject1.myprocedure1',
        'com.myapp.myobject1-mysubobject1',
        'com.myapp.myobject1.mysubobject1.myprocedure1',
        'com.myapp.myobject1',
      ]) expect(index.best(uri), uri).to.equal('prefix:com.myapp.myobject1');
      for (const uri of ['com.myapp.myobject2', 'com.myapp.myobject']) expect(index.best(uri), uri).to.equal(undefined);
    });

    it('treats "com.myapp." and "com.myapp" as distinct patterns, the longer one winning', () => {
      const index = indexOf([['com.myapp', 'prefix'], ['com.myapp.', 'prefix']]);
      expect(index.best('com.myapp.x')).to.equal('prefix:com.myapp.');
      expect(index.best('com.myapp2')).to.equal('prefix:com.myapp');
      expect(index.matchAll('com.myapp.x')).to.deep.equal(['prefix:com.myapp.', 'prefix:com.myapp']);
    });
  });

  describe('wildcard matching', () => {
    it('matches whole components only (spec: pubsub_pattern_based_subscription.md "Wildcard Matching")', () => {
      const index = indexOf([['com.myapp..userevent', 'wildcard']]);
      for (const uri of ['com.myapp.foo.userevent', 'com.myapp.bar.userevent', 'com.myapp.a12.userevent']) {
        expect(index.best(uri), uri).to.equal('wildcard:com.myapp..userevent');
      }
      for (const uri of ['com.myapp.foo.userevent.bar', 'com.myapp.foo.user', 'com.myapp2.foo.userevent']) {
        expect(index.best(uri), uri).to.equal(undefined);
      }
    });

    it('does not let an empty URI component match a literal pattern component', () => {
      const index = indexOf([['a.b.c', 'wildcard'], ['a..c', 'wildcard']]);
      expect(index.matchAll('a..c')).to.deep.equal(['wildcard:a..c']);
    });
  });

  describe('matchAll()', () => {
    it('returns every matching entry: exact, prefixes longest first, wildcards best first', () => {
      const index = indexOf([
        ['a.b.c', 'exact'], ['a', 'prefix'], ['a.b', 'prefix'], ['a..c', 'wildcard'], ['a.b.', 'wildcard'],
        ['x', 'prefix'], ['a.b.d', 'exact'],
      ]);
      expect(index.matchAll('a.b.c')).to.deep.equal([
        'exact:a.b.c', 'prefix:a.b', 'prefix:a', 'wildcard:a.b.', 'wildcard:a..c',
      ]);
      expect(index.matchAll('q')).to.deep.equal([]);
    });
  });

  describe('get/set/delete', () => {
    it('keys entries by pattern and policy together', () => {
      const index = indexOf([['a.b', 'exact'], ['a.b', 'prefix'], ['a.b', 'wildcard']]);
      expect(index.size).to.equal(3);
      expect(index.get('a.b', 'prefix')).to.equal('prefix:a.b');
      expect(index.get('a.b', 'wildcard')).to.equal('wildcard:a.b');
      expect(index.get('a', 'prefix')).to.equal(undefined);
      index.set('a.b', 'prefix', 'replaced');
      expect(index.size).to.equal(3);
      expect(index.get('a.b', 'prefix')).to.equal('replaced');
    });

    it('forgets deleted entries and reports whether something was deleted', () => {
      const index = indexOf([['a.b', 'exact'], ['a.', 'prefix'], ['a..c', 'wildcard'], ['a..d', 'wildcard']]);
      expect(index.delete('a..c', 'wildcard')).to.equal(true);
      expect(index.delete('a..c', 'wildcard')).to.equal(false);
      expect(index.delete('a.', 'prefix')).to.equal(true);
      expect(index.delete('a.b', 'prefix')).to.equal(false);
      expect(index.best('a.x.c')).to.equal(undefined);
      expect(index.best('a.x.d')).to.equal('wildcard:a..d');
      expect(index.best('a.b')).to.equal('exact:a.b');
      expect([...index.values()]).to.deep.equal(['exact:a.b', 'wildcard:a..d']);
      expect(index.size).to.equal(2);
    });

    it('keeps a shorter prefix matching after a longer one with the same length is deleted', () => {
      const index = indexOf([['ab', 'prefix'], ['ac', 'prefix'], ['a', 'prefix']]);
      index.delete('ab', 'prefix');
      expect(index.best('ab.x')).to.equal('prefix:a');
      expect(index.best('ac.x')).to.equal('prefix:ac');
    });
  });
});
