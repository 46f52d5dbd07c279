import { expect } from 'chai';
import { jsonErrorOffset } from '../../../../shared/config/json-position.ts';

describe('jsonErrorOffset', () => {
  const cases: [text: string, offset: number][] = [
    ['{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]}', -1],
    ['  {}  ', -1],
    ['[1,]', 3],
    ['{"a": 1,}', 8],
    ['{"a" 1}', 5],
    ['{"a": tru}', 6],
    ['{"a": 01}', 7],
    ['"line\nbreak"', 5],
    ['"bad \\x escape"', 6],
    ['[1] 2', 4],
    ['', 0],
    ['{"a": [1, 2}', 11],
  ];
  for (const [text, offset] of cases) {
    it(`finds ${offset === -1 ? 'no error' : `the error at ${offset}`} in ${JSON.stringify(text)} (RFC 8259)`, () => {
      expect(jsonErrorOffset(text)).to.equal(offset);
      const parse = (): void => { JSON.parse(text); };
      if (offset === -1) expect(parse).not.to.throw();
      else expect(parse).to.throw(SyntaxError);
    });
  }
});
