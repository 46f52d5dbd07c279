import { expect } from 'chai';
import {
  WEBSOCKET_SUBPROTOCOLS, cbor, json, msgpack, serializerById, subprotocolFor,
} from '../../../../shared/serializers/index.ts';
import type { Serializer } from '../../../../shared/serializers/index.ts';
import { decode } from '../../../../shared/wamp/codec.ts';
import { MAX_ID } from '../../../../shared/wamp/ids.ts';
import { expectSerializationError } from './expect-serialization-error.ts';

const SERIALIZERS: readonly Serializer[] = [json, msgpack, cbor];

/** A CALL exercising nesting, unicode, binary, edge numbers and empty containers. */
function sampleMessage(): unknown[] {
  return [48, MAX_ID, { receive_progress: true, timeout: 0 }, 'com.example.ünïcode', [
    'plain', 'emoji 😀 and 中文', '', null, true, false, 0, -1, 1.5, -2.25, 1e-7,
    MAX_ID - 1, MAX_ID, -MAX_ID, 2 ** 32 + 1, -(2 ** 31) - 1,
    new Uint8Array([0, 1, 2, 253, 254, 255]), new Uint8Array(0),
    [], {}, [[[['deep']]]], { a: { b: { c: [1, { d: 'e' }] } } },
  ], { bytes: new Uint8Array([42]), list: [1, 'x'], 'key with spaces': 1, '': 'empty key' }];
}

describe('serializers', () => {
  for (const serializer of SERIALIZERS) {
    describe(serializer.id, () => {
      it('round-trips nested data, unicode, binary and ids near 2^53', () => {
        const message = sampleMessage();
        const decoded = serializer.decode(serializer.encode(message));
        expect(decoded).to.deep.equal(message);
      });

      it('decodes ids at 2^53 as numbers the codec accepts (spec: basic/building_blocks.md "IDs")', () => {
        const decoded = decode(serializer.decode(serializer.encode([17, MAX_ID, MAX_ID - 1])));
        expect(decoded).to.deep.equal({ type: 17, request: MAX_ID, publication: MAX_ID - 1 });
      });

      it('decodes a Buffer (a Uint8Array subclass) to a plain Uint8Array', () => {
        const decoded = serializer.decode(serializer.encode([1, Buffer.from('hi')])) as unknown[];
        expect(decoded[1]).to.be.instanceOf(Uint8Array);
        expect(Buffer.isBuffer(decoded[1])).to.equal(false);
        expect(decoded[1]).to.deep.equal(new Uint8Array([104, 105]));
      });

      it('returns a decoded non-array as is (the codec rejects it, not the serializer)', () => {
        expect(serializer.decode(serializer.encode({ not: 'an array' } as unknown as unknown[]))).to.deep.equal({ not: 'an array' });
      });

      it(`uses ${serializer.binary ? 'binary' : 'text'} frames (spec: basic/building_blocks.md "WebSocket Transport")`, () => {
        const encoded = serializer.encode([1, 'realm1', {}]);
        expect(typeof encoded === 'string').to.equal(!serializer.binary);
      });

      it('does not let a "__proto__" key change any prototype', () => {
        const evil = JSON.parse('[1, "realm1", {"__proto__": {"polluted": true}, "nested": {"__proto__": [1]}}]') as unknown[];
        const decoded = serializer.decode(serializer.encode(evil)) as [number, string, Record<string, unknown>];
        const details = decoded[2];
        expect(Object.getPrototypeOf(details)).to.equal(Object.prototype);
        expect(Object.getPrototypeOf(details.nested)).to.equal(Object.prototype);
        expect(details.polluted).to.equal(undefined);
        // Kept as an own data property, exactly as JSON.parse does.
        expect(Object.hasOwn(details, '__proto__')).to.equal(true);
        expect(details.__proto__).to.deep.equal({ polluted: true });
        expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      });

      it('wraps encoding failures in SerializationError', () => {
        const cyclic: unknown[] = [1];
        cyclic.push(cyclic);
        expectSerializationError(() => serializer.encode(cyclic), /^cannot encode message as /);
      });
    });
  }

  describe('index', () => {
    it('maps ids to serializers', () => {
      expect(serializerById('json')).to.equal(json);
      expect(serializerById('msgpack')).to.equal(msgpack);
      expect(serializerById('cbor')).to.equal(cbor);
      expect(SERIALIZERS.map((s) => s.id)).to.deep.equal(['json', 'msgpack', 'cbor']);
    });

    it('maps WebSocket subprotocols both ways (spec: basic/building_blocks.md "WebSocket Transport")', () => {
      expect(WEBSOCKET_SUBPROTOCOLS).to.deep.equal({ 'wamp.2.json': json, 'wamp.2.msgpack': msgpack, 'wamp.2.cbor': cbor });
      for (const s of SERIALIZERS) expect(WEBSOCKET_SUBPROTOCOLS[subprotocolFor(s.id)]).to.equal(s);
      expect(Object.isFrozen(WEBSOCKET_SUBPROTOCOLS)).to.equal(true);
    });
  });
});
