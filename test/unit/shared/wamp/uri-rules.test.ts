import { expect } from 'chai';
import { isValidPattern, isValidUri } from '../../../../shared/wamp/uri-rules.ts';

const LOOSE = { strict: false, allowEmptyComponents: false } as const;
const STRICT = { strict: true, allowEmptyComponents: false } as const;
const LOOSE_WILDCARD = { strict: false, allowEmptyComponents: true } as const;
const STRICT_WILDCARD = { strict: true, allowEmptyComponents: true } as const;

function check(uris: readonly string[], opts: Parameters<typeof isValidUri>[1], valid: boolean): void {
  for (const uri of uris) expect(isValidUri(uri, opts), JSON.stringify(uri)).to.equal(valid);
}

describe('uri-rules (spec: basic/building_blocks.md "URIs")', () => {
  describe('loose rule', () => {
    it('accepts components without whitespace, "." or "#", including upper case and unicode', () => {
      check(['com', 'com.myapp.topic1', 'Com.MyApp-2.x', 'wamp.error.not_authorized', 'de.müller.straße', 'a.b$c.d:e'],
        LOOSE, true);
    });

    it('rejects empty components, whitespace and "#"', () => {
      check(['', '.', 'com.', '.com', 'com..app', 'com.my app', 'com.tab\tx', 'com.nbsp\u00a0x', 'com.#', 'com.a#b', 'com.x\n'],
        LOOSE, false);
    });
  });

  describe('strict rule', () => {
    it('accepts [0-9a-z_]+ components', () => {
      check(['com', 'com.myapp.topic_1', '1.2.3', '_._'], STRICT, true);
    });

    it('rejects upper case, "-", unicode and anything the loose rule rejects', () => {
      check(['Com.myapp', 'com.my-app', 'de.müller', 'com..app', 'com.', '', 'com app'], STRICT, false);
    });
  });

  describe('empty components allowed (wildcard patterns, spec: advanced pattern-based subscription)', () => {
    it('accepts empty components anywhere', () => {
      check(['com.myapp..userevent', '.myapp.x', 'com.myapp.', '..', 'com.myapp.x'], LOOSE_WILDCARD, true);
      check(['com..x', 'com.myapp.'], STRICT_WILDCARD, true);
    });

    it('still rejects whitespace and "#" (loose) and non [0-9a-z_] characters (strict)', () => {
      check(['com..a b', 'com..#'], LOOSE_WILDCARD, false);
      check(['com..X', 'com..a-b'], STRICT_WILDCARD, false);
    });
  });

  describe('allowLastEmpty (prefix patterns, as autobahn/Crossbar)', () => {
    it('accepts a trailing "." but no other empty component', () => {
      expect(isValidUri('com.myapp.', { ...LOOSE, allowLastEmpty: true })).to.equal(true);
      expect(isValidUri('com.myapp.', { ...STRICT, allowLastEmpty: true })).to.equal(true);
      expect(isValidUri('com..myapp', { ...LOOSE, allowLastEmpty: true })).to.equal(false);
      expect(isValidUri('.com', { ...STRICT, allowLastEmpty: true })).to.equal(false);
    });
  });

  describe('isValidPattern', () => {
    it('applies the rule for each match policy', () => {
      expect(isValidPattern('com.myapp.x', 'exact', false)).to.equal(true);
      expect(isValidPattern('com.myapp.', 'exact', false)).to.equal(false);
      expect(isValidPattern('com.myapp.', 'prefix', false)).to.equal(true);
      expect(isValidPattern('com.myapp.topic.emergency', 'prefix', true)).to.equal(true);
      expect(isValidPattern('com..x', 'prefix', false)).to.equal(false);
      expect(isValidPattern('com..x', 'wildcard', true)).to.equal(true);
      expect(isValidPattern('com..X', 'wildcard', true)).to.equal(false);
    });
  });

  it('runs in linear time on adversarial input', () => {
    const nasty = `${'a.'.repeat(50_000)}#`;
    const started = performance.now();
    for (const opts of [LOOSE, STRICT, LOOSE_WILDCARD, STRICT_WILDCARD]) expect(isValidUri(nasty, opts)).to.equal(false);
    expect(performance.now() - started).to.be.below(500);
  });
});
