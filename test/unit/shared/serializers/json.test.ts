import { expect } from 'chai';
import { json } from '../../../../shared/serializers/json.ts';
import { expectSerializationError } from './expect-serialization-error.ts';

describe('json serializer (wamp.2.json)', () => {
  it('writes compact JSON text', () => {
    expect(json.encode([48, 1, {}, 'com.p', [1, 'ü'], { k: null }])).to.equal('[48,1,{},"com.p",[1,"ü"],{"k":null}]');
  });

  it('writes bytes as "\\u0000" + base64 (spec: advanced/serialization_binary_json.md)', () => {
    expect(json.encode([1, new Uint8Array([0x10, 0x11, 0x12])])).to.equal('[1,"\\u0000EBES"]');
  });

  it('writes a Buffer as bytes although Buffer has toJSON', () => {
    expect(json.encode([1, { b: Buffer.from([0x10, 0x11, 0x12]) }])).to.equal('[1,{"b":"\\u0000EBES"}]');
  });

  it('writes a view into a larger buffer as just its own bytes', () => {
    const view = new Uint8Array([9, 9, 0x10, 0x11, 0x12, 9]).subarray(2, 5);
    expect(json.encode([view])).to.equal('["\\u0000EBES"]');
  });

  it('reads "\\u0000" + base64 strings back as Uint8Array (spec: advanced/serialization_binary_json.md)', () => {
    expect(json.decode('[1,"\\u0000EBES",{"k":["\\u0000"]}]')).to.deep.equal([
      1, new Uint8Array([0x10, 0x11, 0x12]), { k: [new Uint8Array(0)] },
    ]);
  });

  it('leaves strings without a leading NUL alone, also when NUL appears later', () => {
    expect(json.decode('["a\\u0000b","\\\\u0000"]')).to.deep.equal(['a\u0000b', '\\u0000']);
  });

  it('writes BigInt (from the binary serializers) as an exact JSON number', () => {
    expect(json.encode([1, 2n ** 60n, { n: -(2n ** 60n) }])).to.equal('[1,1152921504606846976,{"n":-1152921504606846976}]');
  });

  it('rejects a binary frame', () => {
    expectSerializationError(() => json.decode(new TextEncoder().encode('[1]')), 'binary frame on wamp.2.json');
  });

  it('rejects invalid JSON', () => {
    expectSerializationError(() => json.decode('[1, "realm1", {'), /^invalid JSON: /);
    expectSerializationError(() => json.decode(''), /^invalid JSON: /);
    expectSerializationError(() => json.decode("[1, 'single']"), /^invalid JSON: /);
  });

  it('rejects trailing garbage after the message', () => {
    expectSerializationError(() => json.decode('[1, "realm1", {}] x'), /^invalid JSON: /);
    expectSerializationError(() => json.decode('[1][2]'), /^invalid JSON: /);
  });

  it('keeps "__proto__" as an own key on the binary (reviver) path too', () => {
    const decoded = json.decode('[1, {"__proto__": {"x": "\\u0000AQ=="}}]') as [number, Record<string, unknown>];
    expect(Object.getPrototypeOf(decoded[1])).to.equal(Object.prototype);
    expect(decoded[1].x).to.equal(undefined);
    expect(Object.hasOwn(decoded[1], '__proto__')).to.equal(true);
  });
});
