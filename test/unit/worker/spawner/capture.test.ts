import { expect } from 'chai';
import { LineSplitter, OutputCapture } from '../../../../worker/spawner/capture.ts';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('OutputCapture', () => {
  it('keeps everything below the cap, untruncated', () => {
    const capture = new OutputCapture(10, 'head');
    capture.push(b('abc'));
    capture.push(b('def'));
    expect([capture.text(), capture.truncated]).to.deep.equal(['abcdef', false]);
  });

  it("'head' keeps the first cap bytes across chunks and flags truncation", () => {
    const capture = new OutputCapture(5, 'head');
    for (const chunk of ['abc', 'defg', 'hij']) capture.push(b(chunk));
    expect([capture.text(), capture.truncated]).to.deep.equal(['abcde', true]);
  });

  it("'tail' keeps the last cap bytes across chunks and flags truncation", () => {
    const capture = new OutputCapture(5, 'tail');
    for (const chunk of ['abc', 'defg', 'hij']) capture.push(b(chunk));
    expect([capture.text(), capture.truncated]).to.deep.equal(['fghij', true]);
  });

  it("'tail' returns exactly the last cap bytes however much is pushed", () => {
    const capture = new OutputCapture(1000, 'tail');
    for (let i = 0; i < 10_000; i++) capture.push(Buffer.alloc(100, 120));
    expect(capture.text()).to.have.length(1000);
  });

  it("'tail' does not start inside a UTF-8 sequence", () => {
    const capture = new OutputCapture(4, 'tail');
    capture.push(b('xxé€')); // é = 2 bytes, € = 3 bytes: the last 4 bytes start inside é
    expect(capture.text()).to.equal('€');
  });

  it('a cap of 0 keeps nothing and flags any output', () => {
    const capture = new OutputCapture(0, 'head');
    capture.push(b('x'));
    expect([capture.text(), capture.truncated]).to.deep.equal(['', true]);
  });
});

describe('LineSplitter', () => {
  it('splits on \\n and \\r\\n across chunk boundaries and flushes the last unterminated line', () => {
    const splitter = new LineSplitter(100);
    expect(splitter.push(b('one\r\ntw'))).to.deep.equal(['one']);
    expect(splitter.push(b('o\n\nthr'))).to.deep.equal(['two', '']);
    expect(splitter.push(b('ee'))).to.deep.equal([]);
    expect(splitter.end()).to.deep.equal(['three']);
    expect(splitter.end()).to.deep.equal([]);
  });

  it('cuts a line at maxLineBytes and drops the rest up to the newline', () => {
    const splitter = new LineSplitter(4);
    expect(splitter.push(b('abcdefgh'))).to.deep.equal([]);
    expect(splitter.push(b('ij\nxy\n'))).to.deep.equal(['abcd', 'xy']);
  });
});
