/**
 * The original ASEXOR raw socket's frames without sockets (docs/legacy-rawsocket.md, "Framing"):
 * headers byte by byte, the length limits, frame types 3..7, and properties: any frames, cut or
 * joined anywhere, decode to exactly the frames sent; the unconsumed tail of a read is never lost.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  LEGACY_RAW_MAX_PAYLOAD, LegacyFrameDecoder, encodeLegacyFrame, parseLegacyHeader, type LegacyFrame, type LegacyFrameType,
} from '../../../../router/bridges/legacy-raw-framing.ts';

function h(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

function frames(decoded: readonly LegacyFrame[]): [LegacyFrameType, string][] {
  return decoded.map((f) => [f.type, f.payload.toString('hex')]);
}

/** Cut `stream` at the given offsets (any order, duplicates allowed) and push every piece. */
function decodeInPieces(decoder: LegacyFrameDecoder, stream: Buffer, cuts: readonly number[]): { frames: LegacyFrame[]; error: Error | undefined } {
  const points = [...new Set([0, ...cuts.map((c) => c % (stream.length + 1)), stream.length])].sort((a, b) => a - b);
  const out: LegacyFrame[] = [];
  for (let i = 1; i < points.length; i += 1) {
    const piece = Buffer.from(stream.subarray(points[i - 1], points[i])); // a fresh buffer, as a socket read would be
    const result = decoder.push(piece);
    out.push(...result.frames);
    if (result.error !== undefined) return { frames: out, error: result.error };
  }
  return { frames: out, error: undefined };
}

describe('legacy raw socket framing (router/bridges/legacy-raw-framing.ts)', () => {
  describe('encodeLegacyFrame', () => {
    it('writes the type in the low 3 bits of byte 0 (upper bits 0) and the length as 24-bit big-endian', () => {
      expect(encodeLegacyFrame('data', h('00'))).to.deep.equal(h('00 000001 00'));
      expect(encodeLegacyFrame('ping', h('abcd'))).to.deep.equal(h('01 000002 abcd'));
      expect(encodeLegacyFrame('pong', Buffer.alloc(0))).to.deep.equal(h('02 000000'));
      expect(encodeLegacyFrame('data', Buffer.alloc(0x012345)).subarray(0, 4)).to.deep.equal(h('00 012345'));
    });

    it('refuses a payload of 2^24 bytes: its length would spill into the type bits', () => {
      expect(encodeLegacyFrame('data', Buffer.alloc(LEGACY_RAW_MAX_PAYLOAD)).subarray(0, 4)).to.deep.equal(h('00 ffffff'));
      expect(() => encodeLegacyFrame('data', Buffer.alloc(LEGACY_RAW_MAX_PAYLOAD + 1))).to.throw(RangeError, /at most 16777215/);
    });
  });

  describe('parseLegacyHeader', () => {
    it('ignores the upper 5 bits of byte 0 on receive', () => {
      expect(parseLegacyHeader(h('f8 000003'), 100)).to.deep.equal({ type: 'data', length: 3 });
      expect(parseLegacyHeader(h('09 000000'), 100)).to.deep.equal({ type: 'ping', length: 0 });
      expect(parseLegacyHeader(h('fa ffffff'), LEGACY_RAW_MAX_PAYLOAD)).to.deep.equal({ type: 'pong', length: LEGACY_RAW_MAX_PAYLOAD });
    });

    for (let type = 3; type <= 7; type += 1) {
      it(`treats frame type ${type} as a protocol error`, () => {
        const result = parseLegacyHeader(Uint8Array.of(0xf8 | type, 0, 0, 1), 100);
        expect(result).to.be.instanceOf(Error).and.include({ kind: 'badType' });
      });
    }

    it('reports a length above the limit, at the limit it passes', () => {
      expect(parseLegacyHeader(h('00 000064'), 100)).to.deep.equal({ type: 'data', length: 100 });
      const result = parseLegacyHeader(h('00 000065'), 100);
      expect(result).to.be.instanceOf(Error).and.include({ kind: 'tooLarge', message: 'a frame of 101 bytes exceeds the limit of 100 bytes' });
    });
  });

  describe('LegacyFrameDecoder', () => {
    it('keeps the unconsumed tail of a read: frame 1 plus the first 8 bytes of frame 2, then the rest', () => {
      const one = encodeLegacyFrame('data', Buffer.from('first call'));
      const two = encodeLegacyFrame('data', Buffer.from('second call, a longer one'));
      const decoder = new LegacyFrameDecoder();
      const first = decoder.push(Buffer.concat([one, two.subarray(0, 8)]));
      expect(frames(first.frames)).to.deep.equal([['data', Buffer.from('first call').toString('hex')]]);
      expect(decoder.buffered).to.equal(8);
      const second = decoder.push(two.subarray(8));
      expect(second.frames.map((f) => f.payload.toString())).to.deep.equal(['second call, a longer one']);
      expect(decoder.buffered).to.equal(0);
    });

    it('decodes a header split byte by byte and empty payloads', () => {
      const decoder = new LegacyFrameDecoder();
      const stream = Buffer.concat([encodeLegacyFrame('ping', Buffer.alloc(0)), encodeLegacyFrame('data', h('a1'))]);
      const out: LegacyFrame[] = [];
      for (const byte of stream) out.push(...decoder.push(Uint8Array.of(byte)).frames);
      expect(frames(out)).to.deep.equal([['ping', ''], ['data', 'a1']]);
    });

    it('stops at a frame over the configured limit, without waiting for its payload, and stays stopped', () => {
      const decoder = new LegacyFrameDecoder(16);
      const result = decoder.push(Buffer.concat([encodeLegacyFrame('data', Buffer.alloc(16)), h('00 000011')]));
      expect(result.frames).to.have.length(1);
      expect(result.error).to.include({ kind: 'tooLarge' });
      expect(decoder.push(encodeLegacyFrame('data', h('00')))).to.deep.equal({ frames: [], error: result.error });
    });

    it('stops at a bad frame type, keeping the frames before it', () => {
      const decoder = new LegacyFrameDecoder();
      const result = decoder.push(Buffer.concat([encodeLegacyFrame('data', h('01')), h('03 000000'), encodeLegacyFrame('data', h('02'))]));
      expect(frames(result.frames)).to.deep.equal([['data', '01']]);
      expect(result.error).to.include({ kind: 'badType' });
    });

    it('takes a limit of at most 2^24 − 1', () => {
      expect(() => new LegacyFrameDecoder(LEGACY_RAW_MAX_PAYLOAD + 1)).to.throw(RangeError);
      expect(() => new LegacyFrameDecoder(-1)).to.throw(RangeError);
    });

    it('joins a frame that drips in through many tiny reads', () => {
      const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
      const stream = encodeLegacyFrame('data', payload);
      const decoder = new LegacyFrameDecoder();
      const out: LegacyFrame[] = [];
      for (let i = 0; i < stream.length; i += 3) out.push(...decoder.push(Buffer.from(stream.subarray(i, i + 3))).frames);
      expect(out).to.have.length(1);
      expect(out[0]?.payload.equals(payload)).to.equal(true);
    });
  });

  describe('properties', () => {
    const frameArb = fc.record({
      type: fc.constantFrom<LegacyFrameType>('data', 'ping', 'pong'),
      payload: fc.uint8Array({ maxLength: 300 }),
    });

    it('any frames, cut and joined anywhere, decode to exactly the frames sent', () => {
      fc.assert(fc.property(fc.array(frameArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (sent, cuts) => {
        const stream = Buffer.concat(sent.map((f) => encodeLegacyFrame(f.type, f.payload)));
        const decoder = new LegacyFrameDecoder();
        const result = decodeInPieces(decoder, stream, cuts);
        expect(result.error).to.equal(undefined);
        expect(frames(result.frames)).to.deep.equal(sent.map((f) => [f.type, Buffer.from(f.payload).toString('hex')]));
        expect(decoder.buffered).to.equal(0);
      }), { numRuns: 500 });
    });

    it('with a bad type or an oversize frame somewhere, the frames before it come out and then the error, however cut', () => {
      const badHeader = fc.oneof(
        fc.tuple(fc.integer({ min: 3, max: 7 }), fc.integer({ min: 0, max: 31 })).map(([type, upper]) => ({ bytes: Uint8Array.of((upper << 3) | type, 0, 0, 0), kind: 'badType' })),
        fc.integer({ min: 301, max: LEGACY_RAW_MAX_PAYLOAD }).map((length) => ({ bytes: Uint8Array.of(0, length >> 16, (length >> 8) & 0xff, length & 0xff), kind: 'tooLarge' })),
      );
      fc.assert(fc.property(fc.array(frameArb, { maxLength: 10 }), badHeader, fc.array(frameArb, { maxLength: 3 }), fc.array(fc.nat(), { maxLength: 20 }),
        (before, bad, after, cuts) => {
          const stream = Buffer.concat([...before.map((f) => encodeLegacyFrame(f.type, f.payload)), bad.bytes, ...after.map((f) => encodeLegacyFrame(f.type, f.payload))]);
          const result = decodeInPieces(new LegacyFrameDecoder(300), stream, cuts);
          expect(frames(result.frames)).to.deep.equal(before.map((f) => [f.type, Buffer.from(f.payload).toString('hex')]));
          expect(result.error).to.include({ kind: bad.kind });
        }), { numRuns: 300 });
    });

    it('upper header bits never change what is decoded', () => {
      fc.assert(fc.property(frameArb, fc.integer({ min: 0, max: 31 }), (frame, upper) => {
        const bytes = encodeLegacyFrame(frame.type, frame.payload);
        bytes[0] = (bytes[0] ?? 0) | (upper << 3);
        const result = new LegacyFrameDecoder().push(bytes);
        expect(frames(result.frames)).to.deep.equal([[frame.type, Buffer.from(frame.payload).toString('hex')]]);
      }), { numRuns: 200 });
    });
  });
});
