import { expect } from 'chai';
import fc from 'fast-check';
import { SerializationError } from '../../../../shared/errors.ts';
import { frameMessage, longPollProtocols, pickProtocol, splitBody, type LongPollProtocol } from '../../../../router/transports/longpoll-codec.ts';

const PROTOCOLS = longPollProtocols(['json', 'msgpack', 'cbor']);

function protocol(name: string): LongPollProtocol {
  const found = PROTOCOLS.get(name);
  if (found === undefined) throw new Error(`no protocol ${name}`);
  return found;
}

function splitError(name: string, body: Uint8Array | string): string {
  try {
    splitBody(protocol(name), typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  } catch (err) {
    expect(err).to.be.instanceOf(SerializationError);
    return (err as Error).message;
  }
  throw new Error('expected a SerializationError');
}

describe('long-poll codec', () => {
  it('offers every serializer unbatched and batched (spec: transport_http_longpoll.md "valid protocols")', () => {
    expect([...PROTOCOLS.keys()]).to.deep.equal([
      'wamp.2.json', 'wamp.2.json.batched', 'wamp.2.msgpack', 'wamp.2.msgpack.batched', 'wamp.2.cbor', 'wamp.2.cbor.batched',
    ]);
    expect(longPollProtocols(['json']).size).to.equal(2);
  });

  it('picks the first protocol of the client\'s list that it speaks, skipping non-strings', () => {
    expect(pickProtocol([42, 'wamp.2.ubjson', 'wamp.2.cbor', 'wamp.2.json'], PROTOCOLS)?.name).to.equal('wamp.2.cbor');
    expect(pickProtocol(['wamp.2.json'], longPollProtocols(['msgpack']))).to.equal(undefined);
  });

  it('frames a JSON batch entry with a trailing 0x1E and a binary one with a big-endian uint32 length (spec: transport_batched_websocket.md)', () => {
    expect(frameMessage(protocol('wamp.2.json.batched'), '[1]').toString('latin1')).to.equal('[1]\u001e');
    expect([...frameMessage(protocol('wamp.2.msgpack.batched'), Uint8Array.of(0x91, 0x01))]).to.deep.equal([0, 0, 0, 2, 0x91, 0x01]);
    expect(frameMessage(protocol('wamp.2.json'), '[1]').toString('utf8')).to.equal('[1]');
  });

  it('splits what it frames back into the same messages, for every batched protocol', () => {
    for (const name of ['wamp.2.json.batched', 'wamp.2.msgpack.batched', 'wamp.2.cbor.batched']) {
      const p = protocol(name);
      fc.assert(fc.property(fc.array(fc.array(fc.oneof(fc.integer(), fc.string())), { minLength: 1, maxLength: 8 }), (messages) => {
        const body = Buffer.concat(messages.map((m) => frameMessage(p, p.serializer.encode(m))));
        expect(splitBody(p, body).map((part) => p.serializer.decode(part))).to.deep.equal(messages);
      }), { numRuns: 50 });
    }
  });

  it('returns an unbatched body as one message, JSON as text', () => {
    expect(splitBody(protocol('wamp.2.json'), Buffer.from('[1,"a\u001e"]'))).to.deep.equal(['[1,"a\u001e"]']);
    expect(splitBody(protocol('wamp.2.msgpack'), Uint8Array.of(0x91, 0x01))).to.have.length(1);
  });

  it('rejects empty bodies and empty batches (spec: a batch of length 0 is illegal)', () => {
    expect(splitError('wamp.2.json', '')).to.match(/empty body/);
    expect(splitError('wamp.2.json.batched', '\u001e')).to.match(/empty message in a JSON batch/);
    expect(splitError('wamp.2.msgpack.batched', Uint8Array.of(0, 0, 0, 0))).to.match(/empty message/);
  });

  it('rejects a JSON batch whose last message has no separator, and truncated binary entries', () => {
    expect(splitError('wamp.2.json.batched', '[1]\u001e[2]')).to.match(/does not end with the record separator/);
    expect(splitError('wamp.2.msgpack.batched', Uint8Array.of(0, 0, 1))).to.match(/truncated length prefix/);
    expect(splitError('wamp.2.cbor.batched', Uint8Array.of(0, 0, 0, 5, 0x81))).to.match(/announces 5 bytes but only 1 follow/);
  });

  it('rejects invalid UTF-8 on JSON', () => {
    expect(splitError('wamp.2.json', Uint8Array.of(0x5b, 0xff, 0x5d))).to.match(/invalid UTF-8/);
  });
});
