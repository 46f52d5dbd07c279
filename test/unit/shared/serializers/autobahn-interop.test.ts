import { createRequire } from 'node:module';
import { expect } from 'chai';
import { cbor, json, msgpack } from '../../../../shared/serializers/index.ts';
import { decode } from '../../../../shared/wamp/codec.ts';
import { MAX_ID } from '../../../../shared/wamp/ids.ts';

/** autobahn-js's own serializers (msgpack5, node-cbor, JSON): the bytes its clients really send. */
interface AutobahnSerializer {
  serialize(message: unknown): unknown;
  unserialize(payload: unknown): unknown;
}
interface AutobahnSerializers {
  JSONSerializer: new () => AutobahnSerializer;
  MsgpackSerializer: new () => AutobahnSerializer;
  CBORSerializer: new () => AutobahnSerializer;
}
const require = createRequire(import.meta.url);
const autobahn = require('autobahn/lib/serializer.js') as AutobahnSerializers;

const CASES = [
  { name: 'json', ours: json, theirs: new autobahn.JSONSerializer() },
  { name: 'msgpack (msgpack5)', ours: msgpack, theirs: new autobahn.MsgpackSerializer() },
  { name: 'cbor (node-cbor)', ours: cbor, theirs: new autobahn.CBORSerializer() },
] as const;

/** A CALL as autobahn-js would send it, with values that differ between encoders. */
function call(): unknown[] {
  return [48, MAX_ID - 1, { receive_progress: true }, 'com.example.add', [
    1, -3, 1.5, 2 ** 40, 'ü😀', null, true, { nested: [1, { deep: 'x' }] },
  ], { big: 2 ** 53 - 2, text: '' }];
}

/** Binary payloads: autobahn's binary serializers carry Buffers; its JSON serializer has no binary rule. */
function binaryCall(): unknown[] {
  return [48, 7, {}, 'com.example.blob', [Buffer.from([0, 1, 255])]];
}

describe('serializers interoperate with autobahn-js', () => {
  for (const { name, ours, theirs } of CASES) {
    describe(name, () => {
      it('decodes bytes autobahn-js produces into a valid message', async () => {
        const bytes = await Promise.resolve(theirs.serialize(call()));
        const raw = ours.decode(typeof bytes === 'string' ? bytes : new Uint8Array(bytes as Buffer));
        expect(raw).to.deep.equal(call());
        expect(decode(raw)).to.include({ type: 48, request: MAX_ID - 1, procedure: 'com.example.add' });
      });

      it('produces bytes autobahn-js decodes to the same values', () => {
        const decoded = theirs.unserialize(ours.encode(call()));
        expect(decoded).to.deep.equal(call());
      });

      it('agrees on the id 2^53 itself (node-cbor reads our exact uint64 as BigInt, like any uint64 > 2^53 - 1)', async () => {
        const theirBytes = await Promise.resolve(theirs.serialize([35, MAX_ID]));
        const raw = ours.decode(typeof theirBytes === 'string' ? theirBytes : new Uint8Array(theirBytes as Buffer));
        expect(decode(raw)).to.deep.equal({ type: 35, request: MAX_ID });
        const [, request] = theirs.unserialize(ours.encode([35, MAX_ID])) as [number, number | bigint];
        expect(BigInt(request)).to.equal(2n ** 53n);
      });

      if (ours.binary) {
        it('exchanges binary payloads in both directions', async () => {
          const bytes = await Promise.resolve(theirs.serialize(binaryCall()));
          const raw = ours.decode(new Uint8Array(bytes as Buffer)) as unknown[];
          expect(raw[4]).to.deep.equal([new Uint8Array([0, 1, 255])]);
          const back = theirs.unserialize(ours.encode(binaryCall())) as unknown[];
          expect(Buffer.from((back[4] as Uint8Array[])[0]!)).to.deep.equal(Buffer.from([0, 1, 255]));
        });
      }
    });
  }
});
