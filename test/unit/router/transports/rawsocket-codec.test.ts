/**
 * RawSocket octets without sockets (spec: advanced/transport_rawsocket.md), as hex strings in the
 * style of ws's receiver tests: handshake requests and replies, frame headers, split and coalesced
 * frames, and a property: any frames, cut anywhere, decode to exactly the frames sent.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  FrameDecoder, HandshakeError, MAX_FRAME_LENGTH, buildHandshakeError, buildHandshakeReply, encodeFrame, lengthExponentFor,
  negotiateHandshake, type Frame, type FrameTypeName,
} from '../../../../router/transports/rawsocket-codec.ts';

/** '7f f1 00 00' → bytes */
function h(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

const ALL = ['json', 'msgpack', 'cbor'] as const;

describe('negotiateHandshake (spec: transport_rawsocket.md "Handshake")', () => {
  const accepted: [request: string, serializer: string, clientMaxLength: number][] = [
    ['7f f1 00 00', 'json', 2 ** 24],
    ['7f 12 00 00', 'msgpack', 2 ** 10],
    ['7f 33 00 00', 'cbor', 2 ** 12],
  ];
  for (const [request, serializer, clientMaxLength] of accepted) {
    it(`accepts ${request} as ${serializer}, the client receiving at most ${clientMaxLength} octets`, () => {
      expect(negotiateHandshake(h(request), ALL)).to.deep.equal({ kind: 'accept', serializer, clientMaxLength });
    });
  }

  it('fails the connection without a reply when the first octet is not 0x7F (an HTTP request, zeros)', () => {
    expect(negotiateHandshake(h('47 45 54 20'), ALL)).to.deep.equal({ kind: 'fail', reason: 'first octet 0x47 is not the RawSocket magic 0x7f' });
    expect(negotiateHandshake(h('00 f1 00 00'), ALL)).to.have.property('kind', 'fail');
  });

  it('refuses with error 3 when a reserved octet is not zero', () => {
    for (const request of ['7f f1 00 01', '7f f1 80 00']) {
      expect(negotiateHandshake(h(request), ALL)).to.include({ kind: 'refuse', error: HandshakeError.reservedBitsUsed });
    }
  });

  it('refuses with error 1 the illegal serializer 0, UBJSON (4), FlatBuffers (5), reserved ids and unconfigured serializers', () => {
    for (const request of ['7f f0 00 00', '7f f4 00 00', '7f f5 00 00', '7f ff 00 00']) {
      expect(negotiateHandshake(h(request), ALL), request).to.include({ kind: 'refuse', error: HandshakeError.serializerUnsupported });
    }
    expect(negotiateHandshake(h('7f f3 00 00'), ['json'])).to.deep.equal({
      kind: 'refuse', error: HandshakeError.serializerUnsupported, reason: 'serializer 3 is not one of 1 (json)',
    });
  });

  it('refuses with error 2 a client that accepts only 512 octets (LENGTH 0): it could not receive our WELCOME', () => {
    expect(negotiateHandshake(h('7f 01 00 00'), ALL)).to.deep.equal({
      kind: 'refuse', error: HandshakeError.maxLengthUnacceptable, reason: 'the client accepts at most 512 octets; we need 1024',
    });
  });

  it('checks reserved octets, then the serializer, then the length', () => {
    expect(negotiateHandshake(h('7f 00 01 00'), ALL)).to.include({ error: HandshakeError.reservedBitsUsed });
    expect(negotiateHandshake(h('7f 00 00 00'), ALL)).to.include({ error: HandshakeError.serializerUnsupported });
  });

  it('insists on exactly 4 octets', () => {
    expect(() => negotiateHandshake(h('7f f1 00'), ALL)).to.throw(RangeError);
  });
});

describe('handshake replies', () => {
  it('echoes the serializer with our LENGTH: 7f f1 00 00 (json, 16 MiB), 7f 03 00 00 (cbor, 512 octets)', () => {
    expect(buildHandshakeReply(15, 'json')).to.deep.equal(h('7f f1 00 00'));
    expect(buildHandshakeReply(0, 'cbor')).to.deep.equal(h('7f 03 00 00'));
    expect(buildHandshakeReply(10, 'msgpack')).to.deep.equal(h('7f a2 00 00'));
    expect(() => buildHandshakeReply(16, 'json')).to.throw(RangeError);
  });

  const errors: [name: keyof typeof HandshakeError, hex: string][] = [
    ['serializerUnsupported', '7f 10 00 00'],
    ['maxLengthUnacceptable', '7f 20 00 00'],
    ['reservedBitsUsed', '7f 30 00 00'],
    ['maxConnectionCount', '7f 40 00 00'],
  ];
  for (const [name, hex] of errors) {
    it(`encodes error ${HandshakeError[name]} (${name}) as ${hex}: 0x7F, EEEE 0000, 0, 0`, () => {
      expect(buildHandshakeError(HandshakeError[name])).to.deep.equal(h(hex));
    });
  }

  it('announces the largest 2^(9+L) not above the configured maximum', () => {
    const cases: [size: number, exponent: number][] = [[512, 0], [1023, 0], [1_000_000, 10], [2 ** 24 - 1, 14], [2 ** 24, 15], [64 * 2 ** 20, 15]];
    for (const [size, exponent] of cases) expect(lengthExponentFor(size), String(size)).to.equal(exponent);
    expect(() => lengthExponentFor(511)).to.throw(RangeError);
  });
});

describe('encodeFrame (spec: transport_rawsocket.md "Framing")', () => {
  it('prefixes RRRR XTTT + 24-bit length: message, PING and PONG', () => {
    expect(encodeFrame('message', 'abc')).to.deep.equal(h('00 00 00 03 61 62 63'));
    expect(encodeFrame('ping', h('01 02'))).to.deep.equal(h('01 00 00 02 01 02'));
    expect(encodeFrame('pong', h(''))).to.deep.equal(h('02 00 00 00'));
  });

  it('counts a string payload in UTF-8 octets', () => {
    expect(encodeFrame('message', '"é"')).to.deep.equal(h('00 00 00 04 22 c3 a9 22'));
  });

  it('sets the X bit with a zero length for exactly 2^24 octets, and uses 0xFFFFFF for 2^24 - 1', () => {
    expect(encodeFrame('message', new Uint8Array(MAX_FRAME_LENGTH)).subarray(0, 4)).to.deep.equal(h('08 00 00 00'));
    expect(encodeFrame('pong', new Uint8Array(MAX_FRAME_LENGTH)).subarray(0, 4)).to.deep.equal(h('0a 00 00 00'));
    expect(encodeFrame('message', new Uint8Array(MAX_FRAME_LENGTH - 1)).subarray(0, 4)).to.deep.equal(h('00 ff ff ff'));
    expect(() => encodeFrame('message', new Uint8Array(MAX_FRAME_LENGTH + 1))).to.throw(RangeError);
  });
});

function summary(frames: readonly Frame[]): [FrameTypeName, string][] {
  return frames.map((f) => [f.type, f.payload.toString('hex')]);
}

describe('FrameDecoder', () => {
  it('decodes one frame of each type', () => {
    const decoder = new FrameDecoder(1024);
    const { frames, error } = decoder.push(h('00 00 00 02 5b 5d 01 00 00 01 aa 02 00 00 00'));
    expect(error).to.equal(undefined);
    expect(summary(frames)).to.deep.equal([['message', '5b5d'], ['ping', 'aa'], ['pong', '']]);
  });

  it('reassembles a frame split inside its header and inside its payload (the original ASEXOR bug)', () => {
    const decoder = new FrameDecoder(1024);
    expect(decoder.push(h('00 00')).frames).to.deep.equal([]);
    expect(decoder.push(h('00 05 61')).frames).to.deep.equal([]);
    expect(decoder.push(h('62 63')).frames).to.deep.equal([]);
    expect(summary(decoder.push(h('64 65')).frames)).to.deep.equal([['message', '6162636465']]);
    expect(decoder.buffered).to.equal(0);
  });

  it('decodes coalesced frames and keeps the partial frame after them', () => {
    const decoder = new FrameDecoder(1024);
    expect(summary(decoder.push(h('00 00 00 01 31 00 00 00 01 32 00 00 00 02 33')).frames)).to.deep.equal([['message', '31'], ['message', '32']]);
    expect(decoder.buffered).to.equal(5);
    expect(summary(decoder.push(h('34')).frames)).to.deep.equal([['message', '3334']]);
  });

  it('feeds one octet at a time', () => {
    const decoder = new FrameDecoder(1024);
    const frames = [...h('01 00 00 03 70 69 6e 00 00 00 01 7b')].flatMap((octet) => decoder.push(Uint8Array.of(octet)).frames);
    expect(summary(frames)).to.deep.equal([['ping', '70696e'], ['message', '7b']]);
  });

  it('accepts a frame of exactly the negotiated maximum and an X-bit frame of 2^24 octets', () => {
    expect(summary(new FrameDecoder(3).push(h('00 00 00 03 01 02 03')).frames)).to.deep.equal([['message', '010203']]);
    const decoder = new FrameDecoder(MAX_FRAME_LENGTH);
    expect(decoder.push(h('08 00 00 00')).frames).to.deep.equal([]);
    const { frames } = decoder.push(Buffer.alloc(MAX_FRAME_LENGTH, 7));
    expect(frames.map((f) => [f.type, f.payload.length])).to.deep.equal([['message', MAX_FRAME_LENGTH]]);
  });

  it('reports a frame above the negotiated maximum as tooLarge before its payload arrives (spec: "MUST fail the connection")', () => {
    const { frames, error } = new FrameDecoder(16).push(h('00 00 00 01 61 00 00 00 11'));
    expect(summary(frames)).to.deep.equal([['message', '61']]);
    expect(error).to.include({ kind: 'tooLarge', message: 'frame of 17 octets exceeds the limit of 16 octets' });
    expect(new FrameDecoder(2 ** 20).push(h('08 00 00 00')).error).to.have.property('kind', 'tooLarge');
  });

  it('reports the X bit with a nonzero length as badLength', () => {
    expect(new FrameDecoder(MAX_FRAME_LENGTH).push(h('08 00 00 01')).error).to.include({ kind: 'badLength' });
  });

  it('reports reserved frame types 3..7 as reservedType', () => {
    for (const type of [3, 4, 5, 6, 7]) {
      expect(new FrameDecoder(1024).push(Uint8Array.of(type, 0, 0, 0)).error, String(type)).to.include({
        kind: 'reservedType', message: `frame type ${type} is reserved`,
      });
    }
  });

  it('reports set RRRR bits as reservedBits', () => {
    expect(new FrameDecoder(1024).push(h('10 00 00 00')).error).to.include({ kind: 'reservedBits', message: 'reserved bits 0x10 set in a frame header' });
  });

  it('accepts nothing after an error', () => {
    const decoder = new FrameDecoder(1024);
    const { error } = decoder.push(h('07 00 00 00'));
    const again = decoder.push(h('00 00 00 01 61'));
    expect(again.frames).to.deep.equal([]);
    expect(again.error).to.equal(error);
  });

  it('decodes any frames, cut into any chunks, to exactly the frames sent (property)', () => {
    const frameArb = fc.record({
      type: fc.constantFrom<FrameTypeName>('message', 'ping', 'pong'),
      payload: fc.uint8Array({ maxLength: 600 }),
    });
    fc.assert(fc.property(fc.array(frameArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (sent, cuts) => {
      const stream = Buffer.concat(sent.map((f) => encodeFrame(f.type, f.payload)));
      const positions = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const decoder = new FrameDecoder(600);
      const received: Frame[] = [];
      let from = 0;
      for (const to of [...positions, stream.length]) {
        const { frames, error } = decoder.push(Uint8Array.prototype.slice.call(stream, from, to));
        expect(error).to.equal(undefined);
        received.push(...frames);
        from = to;
      }
      expect(summary(received)).to.deep.equal(sent.map((f) => [f.type, Buffer.from(f.payload).toString('hex')]));
      expect(decoder.buffered).to.equal(0);
    }), { numRuns: 300 });
  });
});
