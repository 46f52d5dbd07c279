import { expect } from 'chai';
import { cbor } from '../../../../shared/serializers/cbor.ts';
import { MAX_ID } from '../../../../shared/wamp/ids.ts';
import { expectSerializationError } from './expect-serialization-error.ts';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replaceAll(' ', ''), 'hex'));
const toHex = (bytes: Uint8Array | string): string => Buffer.from(bytes as Uint8Array).toString('hex');
const PROTO = Buffer.from('__proto__').toString('hex');

describe('cbor serializer (wamp.2.cbor)', () => {
  it('keeps text and byte strings distinct', () => {
    expect(toHex(cbor.encode(['hi', new Uint8Array([104, 105])]))).to.equal('82626869426869');
  });

  it('writes ±2^53 as integers, not floats (spec: basic/building_blocks.md "IDs")', () => {
    expect(toHex(cbor.encode([MAX_ID, -MAX_ID]))).to.equal('821b00200000000000003b001fffffffffffff');
    expect(cbor.decode(hex('82 1b 0020000000000000 3b 001fffffffffffff'))).to.deep.equal([MAX_ID, -MAX_ID]);
  });

  it('keeps map keys in insertion order', () => {
    expect(toHex(cbor.encode([{ zz: 1, a: 2 }]))).to.equal('81a2627a7a01616102');
  });

  it('writes undefined as null and drops undefined properties (like JSON)', () => {
    expect(cbor.decode(cbor.encode([1, undefined, { a: undefined, b: 1 }]))).to.deep.equal([1, null, { b: 1 }]);
  });

  it('reads integers above 2^53 as BigInt', () => {
    expect(cbor.decode(hex('81 1b 0020000000000001'))).to.deep.equal([2n ** 53n + 1n]);
  });

  it('rejects a text frame', () => {
    expectSerializationError(() => cbor.decode('[1]'), 'text frame on wamp.2.cbor');
  });

  it('rejects invalid and truncated CBOR', () => {
    expectSerializationError(() => cbor.decode(hex('83 01 02')), /^invalid CBOR: /);
    expectSerializationError(() => cbor.decode(hex('ff')), /^invalid CBOR: /);
    expectSerializationError(() => cbor.decode(new Uint8Array(0)), /^invalid CBOR: /);
  });

  it('rejects trailing bytes after the message', () => {
    expectSerializationError(() => cbor.decode(hex('81 01 f6')), /^invalid CBOR: /);
  });

  it('rejects undefined, non-string map keys, duplicate keys and tags', () => {
    expectSerializationError(() => cbor.decode(hex('82 01 f7')), /undefined/);
    expectSerializationError(() => cbor.decode(hex('82 01 a1 01 02')), /non-string keys/);
    expectSerializationError(() => cbor.decode(hex('82 01 a2 6161 01 6161 02')), /repeat map key/);
    expectSerializationError(() => cbor.decode(hex('82 01 c1 1a 514b67b0')), /tag not supported/);
  });

  it('keeps a "__proto__" key as own data instead of replacing the object prototype', () => {
    const decoded = cbor.decode(hex(`82 01 a2 69 ${PROTO} a1 61 78 01 61 62 41 07`)) as [number, Record<string, unknown>];
    expect(Object.getPrototypeOf(decoded[1])).to.equal(Object.prototype);
    expect(Object.hasOwn(decoded[1], '__proto__')).to.equal(true);
    expect(decoded[1].x).to.equal(undefined);
    expect(decoded[1].b).to.deep.equal(new Uint8Array([7]));
  });

  it('rejects indefinite-length text, so "__proto__" cannot hide in chunks', () => {
    const chunked = `7f 65 ${Buffer.from('__pro').toString('hex')} 64 ${Buffer.from('to__').toString('hex')} ff`;
    expectSerializationError(() => cbor.decode(hex(`82 01 a1 ${chunked} a1 61 78 01`)), /indefinite length/);
  });

  it('accepts indefinite-length arrays and maps', () => {
    expect(cbor.decode(hex('9f 01 bf 61 61 02 ff ff'))).to.deep.equal([1, { a: 2 }]);
  });

  it('rejects non-string keys on the Map-based path too', () => {
    expectSerializationError(() => cbor.decode(hex(`82 01 a2 69 ${PROTO} 01 01 02`)), /map key of type number/);
  });
});
