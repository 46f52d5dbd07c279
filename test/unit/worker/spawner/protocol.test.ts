import { expect } from 'chai';
import { parseParentMessage, parseSpawnerMessage } from '../../../../worker/spawner/protocol.ts';

const req = { file: 'true', args: ['a'], timeoutMs: 1000, maxOutputBytes: 10, killGraceMs: 5, streamLines: false };

describe('spawner protocol', () => {
  it('accepts well-formed parent messages', () => {
    expect(parseParentMessage({ t: 'run', id: 1, req })).to.deep.equal({ t: 'run', id: 1, req });
    expect(parseParentMessage({ t: 'cancel', id: 2 })).to.deep.equal({ t: 'cancel', id: 2 });
    expect(parseParentMessage({ t: 'shutdown' })).to.deep.equal({ t: 'shutdown' });
  });

  const badRequests: [string, Record<string, unknown>, string][] = [
    ['an empty file', { ...req, file: '' }, 'file must be a non-empty string'],
    ['a shell string instead of argv', { ...req, args: 'a b' }, 'args must be an array of strings'],
    ['a non-string env value', { ...req, env: { A: 1 } }, 'env must map names to strings'],
    ['a zero timeout', { ...req, timeoutMs: 0 }, 'timeoutMs must be a positive number'],
    ['a negative output cap', { ...req, maxOutputBytes: -1 }, 'maxOutputBytes must be a non-negative number'],
  ];
  for (const [what, bad, reason] of badRequests) {
    it(`turns a run with ${what} into an invalid message carrying the reason`, () => {
      expect(parseParentMessage({ t: 'run', id: 3, req: bad })).to.deep.equal({ t: 'invalid', id: 3, reason });
    });
  }

  it('ignores parent messages without a usable id or type', () => {
    for (const bad of [null, [], { t: 'run', id: 0, req }, { t: 'cancel', id: 1.5 }, { t: 'nope' }]) {
      expect(parseParentMessage(bad)).to.equal(undefined);
    }
  });

  it('accepts well-formed spawner messages and rejects malformed outcomes', () => {
    const outcome = { kind: 'exited', exitCode: 0, stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false, durationMs: 1 };
    expect(parseSpawnerMessage({ t: 'done', id: 1, outcome })).to.deep.equal({ t: 'done', id: 1, outcome });
    expect(parseSpawnerMessage({ t: 'lines', id: 1, lines: ['a'] })).to.deep.equal({ t: 'lines', id: 1, lines: ['a'] });
    expect(parseSpawnerMessage({ t: 'done', id: 1, outcome: { ...outcome, exitCode: 'x' } })).to.equal(undefined);
    expect(parseSpawnerMessage({ t: 'done', id: 1, outcome: { kind: 'other', durationMs: 1 } })).to.equal(undefined);
    expect(parseSpawnerMessage({ t: 'lines', id: 1, lines: [1] })).to.equal(undefined);
  });
});
