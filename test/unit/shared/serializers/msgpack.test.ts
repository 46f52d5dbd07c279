import { expect } from 'chai';
import { Packr } from 'msgpackr';
import { msgpack } from '../../../../shared/serializers/msgpack.ts';
import { decode } from '../../../../shared/wamp/codec.ts';
import { MAX_ID } from '../../../../shared/wamp/ids.ts';
import { expectSerializationError } from './expect-serialization-error.ts';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replaceAll(' ', ''), 'hex'));
const toHex = (bytes: Uint8Array | string): string => Buffer.from(bytes as Uint8Array).toString('hex');

describe('msgpack serializer (wamp.2.msgpack)', () => {
  it('keeps strings (str) and bytes (bin) distinct (spec: MessagePack v5, basic/building_blocks.md)', () => {
    expect(toHex(msgpack.encode(['hi', new Uint8Array([104, 105])]))).to.equal('92a26869c4026869');
    expect(msgpack.decode(hex('92 a2 6869 c4 02 6869'))).to.deep.equal(['hi', new Uint8Array([104, 105])]);
  });

  it('writes integers beyond 32 bits as int64, not float64 (Python peers reject float ids)', () => {
    const encoded = toHex(msgpack.encode([2, MAX_ID, { x: -(2 ** 40) }]));
    expect(encoded).to.equal('9302d30020000000000000de0001a178d3ffffff0000000000');
  });

  it('does not mutate the message it encodes (it may be shared by many recipients)', () => {
    const details = { publisher: 2 ** 40 };
    msgpack.encode([36, 1, 2, details]);
    expect(details.publisher).to.equal(2 ** 40);
  });

  it('reads uint64 ids ≤ 2^53 as numbers and larger ones as BigInt, which the codec rejects', () => {
    expect(msgpack.decode(hex('92 23 cf 0020000000000000'))).to.deep.equal([35, MAX_ID]);
    const tooLarge = msgpack.decode(hex('92 23 cf 0020000000000001'));
    expect(tooLarge).to.deep.equal([35, 2n ** 53n + 1n]);
    expect(() => decode(tooLarge)).to.throw(/UNSUBSCRIBED.Request/);
  });

  it('writes undefined as nil', () => {
    expect(msgpack.decode(msgpack.encode([1, undefined]))).to.deep.equal([1, null]);
  });

  it('rejects a text frame', () => {
    expectSerializationError(() => msgpack.decode('[1]'), 'text frame on wamp.2.msgpack');
  });

  it('rejects truncated MessagePack', () => {
    expectSerializationError(() => msgpack.decode(hex('93 01 02')), /^invalid MessagePack: /);
    expectSerializationError(() => msgpack.decode(new Uint8Array(0)), /^invalid MessagePack: /);
  });

  it('rejects trailing bytes after the message', () => {
    expectSerializationError(() => msgpack.decode(hex('91 01 c0')), /^invalid MessagePack: /);
  });

  it('rejects extension types (timestamp, msgpackr Set/Error/RegExp/references)', () => {
    expectSerializationError(() => msgpack.decode(hex('91 d6 ff 00000001')), /extension type -1 is not allowed/);
    const withSet = new Packr({ moreTypes: true, useRecords: false }).pack([new Set([1])]);
    expectSerializationError(() => msgpack.decode(withSet), /extension type \d+ is not allowed/);
    expectSerializationError(() => msgpack.decode(hex('91 d4 05 01')), /^invalid MessagePack: /);
  });

  it('turns number map keys into strings (WAMP dicts have string keys)', () => {
    expect(msgpack.decode(hex('92 01 81 01 02'))).to.deep.equal([1, { 1: 2 }]);
  });

  it('keeps "__proto__" keys as own data and decodes the rest of such a message normally', () => {
    const proto = Buffer.from('__proto__').toString('hex');
    const decoded = msgpack.decode(hex(`92 01 82 a9 ${proto} 81 a1 78 01 a1 62 c4 01 07`)) as [number, Record<string, unknown>];
    expect(Object.getPrototypeOf(decoded[1])).to.equal(Object.prototype);
    expect(Object.hasOwn(decoded[1], '__proto__')).to.equal(true);
    expect(decoded[1].x).to.equal(undefined);
    expect(decoded[1].b).to.deep.equal(new Uint8Array([7]));
  });

  it('reads msgpackr records (never written by us) as plain objects, also next to a "__proto__" key', () => {
    const records = new Packr({ useRecords: true }).pack([{ a: 1, b: { __proto__x: 2 } }, { a: 3, b: { c: 4 } }]);
    expect(msgpack.decode(records)).to.deep.equal([{ a: 1, b: { __proto__x: 2 } }, { a: 3, b: { c: 4 } }]);
    const evil = JSON.parse('[{"a": 1, "m": {"__proto__": {"x": 1}}}, {"a": 2, "m": {}}]') as unknown[];
    const decoded = msgpack.decode(new Packr({ useRecords: true }).pack(evil)) as { m: Record<string, unknown> }[];
    expect(Object.getPrototypeOf(decoded[0]!.m)).to.equal(Object.prototype);
    expect(decoded[0]!.m.x).to.equal(undefined);
  });
});
