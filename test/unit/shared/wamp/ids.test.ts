import { expect } from 'chai';
import { MAX_ID, SequentialIds, isWampId, randomId } from '../../../../shared/wamp/ids.ts';

describe('ids', () => {
  describe('isWampId', () => {
    it('accepts integers in [1, 2^53] (spec: basic/building_blocks.md "IDs")', () => {
      for (const id of [1, 2, 2 ** 32, MAX_ID - 1, MAX_ID]) expect(isWampId(id), String(id)).to.equal(true);
    });

    it('rejects 0, negatives, floats, values above 2^53 and non-numbers', () => {
      for (const value of [0, -1, 1.5, MAX_ID + 2, Infinity, NaN, '1', 1n, null, undefined]) {
        expect(isWampId(value), String(value)).to.equal(false);
      }
    });
  });

  describe('randomId', () => {
    it('draws global-scope ids in [1, 2^53] (spec: basic/building_blocks.md "IDs")', () => {
      for (let i = 0; i < 1000; i++) expect(isWampId(randomId())).to.equal(true);
    });

    it('spreads over the whole range, not just the low 32 bits', () => {
      const ids = Array.from({ length: 1000 }, randomId);
      expect(new Set(ids).size).to.equal(1000);
      expect(ids.filter((id) => id > 2 ** 52).length).to.be.within(350, 650);
      expect(ids.some((id) => id > 2 ** 32)).to.equal(true);
    });
  });

  describe('SequentialIds', () => {
    it('starts at 1 and increments by 1 (spec: basic/building_blocks.md "IDs", session scope)', () => {
      const ids = new SequentialIds();
      expect([ids.next(), ids.next(), ids.next()]).to.deep.equal([1, 2, 3]);
    });

    it('wraps to 1 after issuing 2^53', () => {
      const ids = new SequentialIds(MAX_ID - 1);
      expect([ids.next(), ids.next(), ids.next()]).to.deep.equal([MAX_ID, 1, 2]);
    });

    it('keeps independent counters per instance', () => {
      const a = new SequentialIds();
      const b = new SequentialIds();
      a.next();
      expect(a.next()).to.equal(2);
      expect(b.next()).to.equal(1);
    });

    it('rejects a start value outside [0, 2^53]', () => {
      expect(() => new SequentialIds(-1)).to.throw(RangeError);
      expect(() => new SequentialIds(MAX_ID + 2)).to.throw(RangeError);
      expect(() => new SequentialIds(0.5)).to.throw(RangeError);
    });
  });
});
