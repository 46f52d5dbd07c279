import { expect } from 'chai';
import fc from 'fast-check';
import { constants } from 'node:os';
import {
  encodeCancel, encodeRun, encodeShutdown, NativeProtocolError, ReplyDecoder, type NativeReply,
} from '../../../../worker/spawner/native-codec.ts';
import type { WireRunRequest } from '../../../../worker/spawner/protocol.ts';
import { frame, u32 } from './frames.ts';

function blob(text: string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return Buffer.concat([u32(bytes.length), bytes]);
}
function done(id: number, kind: number, code: number, out: string | Buffer, err: string | Buffer, flags = 0): Buffer {
  const head = Buffer.alloc(14);
  head.writeUInt8(kind, 0);
  head.writeUInt8(flags, 1);
  head.writeInt32LE(code, 2);
  head.writeDoubleLE(12.5, 6);
  return frame(4, id, Buffer.concat([head, blob(out), blob(err)]));
}

const READY = frame(1, 0, Buffer.concat([u32(1), u32(4242)]));
const SAMPLE: Buffer[] = [
  READY,
  frame(2, 7, u32(1234)),
  frame(3, 7, Buffer.from('first line\n\nthird line')),
  done(7, 1, 3, 'out\n', 'something broke\n'),
  done(8, 2, constants.signals.SIGSEGV, '', ''),
  done(9, 5, constants.errno.ENOENT, '', 'No such file or directory'),
];
const EXPECTED: NativeReply[] = [
  { t: 'ready', version: 1, pid: 4242 },
  { t: 'spawned', id: 7, pid: 1234 },
  { t: 'lines', id: 7, lines: ['first line', '', 'third line'] },
  { t: 'done', id: 7, outcome: { kind: 'exited', exitCode: 3, stdout: 'out\n', stderr: 'something broke\n', stdoutTruncated: false, stderrTruncated: false, durationMs: 12.5 } },
  { t: 'done', id: 8, outcome: { kind: 'signaled', signal: 'SIGSEGV', stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false, durationMs: 12.5 } },
  { t: 'done', id: 9, outcome: { kind: 'spawn_failed', code: 'ENOENT', message: 'spawn prog-9 ENOENT: No such file or directory', durationMs: 12.5 } },
];

const decoder = (): ReplyDecoder => new ReplyDecoder((id) => `prog-${String(id)}`);

describe('native spawner codec', () => {
  it('decodes every reply type into the spawner message union', () => {
    expect(decoder().push(Buffer.concat(SAMPLE))).to.deep.equal(EXPECTED);
  });

  it('decodes the same replies however the bytes are split or coalesced (property)', () => {
    const bytes = Buffer.concat(SAMPLE);
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const d = decoder();
      const got: NativeReply[] = [];
      let from = 0;
      for (const at of [...points, bytes.length]) {
        got.push(...d.push(bytes.subarray(from, at)));
        from = at;
      }
      expect(got).to.deep.equal(EXPECTED);
    }), { numRuns: 300 });
  });

  it('drops a partial UTF-8 sequence at the start of a truncated stderr tail, never of stdout', () => {
    const tail = Buffer.from('\u00e9rror', 'utf8').subarray(1); // a continuation byte first
    const [reply] = decoder().push(done(3, 1, 1, 'ok', tail, 2));
    expect(reply).to.deep.include({ t: 'done' });
    if (reply?.t !== 'done' || !('stderr' in reply.outcome)) throw new Error('no outcome');
    expect(reply.outcome.stderr).to.equal('rror');
    expect(reply.outcome.stderrTruncated).to.equal(true);
  });

  const malformed: [string, Buffer, RegExp][] = [
    ['a frame shorter than its header', Buffer.from([4, 0, 0, 0, 1, 0, 0, 0]), /bad reply frame length 4/],
    ['a frame over the size limit', Buffer.from([0xff, 0xff, 0xff, 0xff]), /bad reply frame length/],
    ['an unknown reply type', frame(9, 1, Buffer.alloc(0)), /unknown reply type 9/],
    ['an unknown outcome kind', done(1, 42, 0, '', ''), /unknown outcome kind 42/],
    ['a DONE cut short inside its fields', frame(4, 1, Buffer.from([1, 0, 0])), /truncated reply/],
    ['a blob longer than its frame', frame(4, 1, Buffer.concat([Buffer.alloc(14), u32(1000)])), /truncated reply/],
  ];
  for (const [what, bytes, message] of malformed) {
    it(`throws NativeProtocolError for ${what}`, () => {
      expect(() => decoder().push(bytes)).to.throw(NativeProtocolError, message);
    });
  }

  it('encodes RUN with the fields in order, NUL-terminated strings, and clamped numbers', () => {
    const req: WireRunRequest = {
      file: 'pandoc', args: ['in.md', 'é'], cwd: '/tmp', env: { LANG: 'C' },
      timeoutMs: 2 ** 40, maxOutputBytes: 1.5, killGraceMs: 2000, streamLines: true,
    };
    const frame = encodeRun(5, req);
    expect(frame.readUInt32LE(0)).to.equal(frame.length - 4);
    expect(frame.readUInt8(4)).to.equal(1);
    expect(frame.readUInt32LE(5)).to.equal(5);
    expect([frame.readUInt32LE(9), frame.readUInt32LE(13), frame.readUInt32LE(17)]).to.deep.equal([2 ** 31 - 1, 2000, 1]);
    expect(frame.readUInt8(21)).to.equal(3); // stream lines + has cwd
    expect([frame.readUInt32LE(22), frame.readUInt32LE(26)]).to.deep.equal([2, 1]);
    expect(frame.subarray(30).toString('utf8').split('\0')).to.deep.equal(['pandoc', '/tmp', 'in.md', 'é', 'LANG=C', '']);
  });

  it('encodes CANCEL and SHUTDOWN as header-only frames', () => {
    expect([...encodeCancel(9)]).to.deep.equal([5, 0, 0, 0, 2, 9, 0, 0, 0]);
    expect([...encodeShutdown()]).to.deep.equal([5, 0, 0, 0, 3, 0, 0, 0, 0]);
  });
});
