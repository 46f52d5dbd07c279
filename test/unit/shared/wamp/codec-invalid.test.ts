import { expect } from 'chai';
import { decode } from '../../../../shared/wamp/codec.ts';
import { ProtocolViolationError } from '../../../../shared/errors.ts';
import { MAX_ID } from '../../../../shared/wamp/ids.ts';

/** decode(raw) must throw ProtocolViolationError with exactly this message. */
function expectViolation(raw: unknown, message: string): void {
  let caught: unknown;
  try {
    decode(raw);
  } catch (error) {
    caught = error;
  }
  expect(caught, 'decode should throw').to.be.instanceOf(ProtocolViolationError);
  const error = caught as ProtocolViolationError;
  expect(error.code).to.equal('ERR_PROTOCOL_VIOLATION');
  expect(error.uri).to.equal('wamp.error.protocol_violation');
  expect(error.message).to.equal(message);
}

/** [name, min length, a valid message of max length] per type (spec: basic/messages.md). */
const ARITY: readonly (readonly [string, number, readonly unknown[]])[] = [
  ['HELLO', 3, [1, 'realm1', {}]],
  ['WELCOME', 3, [2, 1, {}]],
  ['ABORT', 3, [3, {}, 'wamp.error.x', [], {}]],
  ['CHALLENGE', 3, [4, 'ticket', {}]],
  ['AUTHENTICATE', 3, [5, 'secret', {}]],
  ['GOODBYE', 3, [6, {}, 'wamp.close.normal']],
  ['ERROR', 5, [8, 48, 1, {}, 'app.e', [], {}]],
  ['PUBLISH', 4, [16, 1, {}, 'com.t', [], {}]],
  ['PUBLISHED', 3, [17, 1, 2]],
  ['SUBSCRIBE', 4, [32, 1, {}, 'com.t']],
  ['SUBSCRIBED', 3, [33, 1, 2]],
  ['UNSUBSCRIBE', 3, [34, 1, 2]],
  ['UNSUBSCRIBED', 2, [35, 1]],
  ['EVENT', 4, [36, 1, 2, {}, [], {}]],
  ['CALL', 4, [48, 1, {}, 'com.p', [], {}]],
  ['CANCEL', 3, [49, 1, {}]],
  ['RESULT', 3, [50, 1, {}, [], {}]],
  ['REGISTER', 4, [64, 1, {}, 'com.p']],
  ['REGISTERED', 3, [65, 1, 2]],
  ['UNREGISTER', 3, [66, 1, 2]],
  ['UNREGISTERED', 2, [67, 1]],
  ['INVOCATION', 4, [68, 1, 2, {}, [], {}]],
  ['INTERRUPT', 3, [69, 1, {}]],
  ['YIELD', 3, [70, 1, {}, [], {}]],
];

describe('codec.decode rejects malformed messages (spec: basic/building_blocks.md "Protocol Errors")', () => {
  it('rejects a value that is not an array', () => {
    expectViolation({ 0: 1 }, 'invalid message: expected an array, got an object');
    expectViolation('[1]', 'invalid message: expected an array, got "[1]"');
  });

  it('rejects an empty array', () => {
    expectViolation([], 'invalid message: empty array');
  });

  it('rejects an unknown message type', () => {
    expectViolation([7, {}, 'x'], 'unknown message type 7');
    expectViolation([1024, 1], 'unknown message type 1024');
  });

  it('rejects the implementation-specific code range 256-1023 (we define none)', () => {
    expectViolation([256, 1, {}], 'unknown message type 256');
    expectViolation([1023], 'unknown message type 1023');
  });

  it('rejects a message type that is not an integer', () => {
    expectViolation(['48', 1, {}, 'com.p'], 'invalid message type: expected an integer, got "48"');
    expectViolation([48.5, 1, {}, 'com.p'], 'invalid message type: expected an integer, got 48.5');
  });

  for (const [name, min, valid] of ARITY) {
    it(`rejects ${name} shorter than ${min} or longer than ${valid.length} elements`, () => {
      expect(() => decode(valid)).not.to.throw();
      expectViolation(valid.slice(0, min - 1), `invalid message length ${min - 1} for ${name}`);
      expectViolation([...valid, {}], `invalid message length ${valid.length + 1} for ${name}`);
    });
  }

  it('rejects id 0 (spec: basic/building_blocks.md "IDs": the range starts at 1)', () => {
    expectViolation([32, 0, {}, 'com.t'], 'invalid SUBSCRIBE.Request: expected an id (integer in [1, 2^53]), got 0');
  });

  it('rejects a negative id', () => {
    expectViolation([34, 1, -5], 'invalid UNSUBSCRIBE.Subscription: expected an id (integer in [1, 2^53]), got -5');
  });

  it('rejects an id above 2^53, as number or BigInt', () => {
    expectViolation([2, MAX_ID + 2, {}], `invalid WELCOME.Session: expected an id (integer in [1, 2^53]), got ${MAX_ID + 2}`);
    expectViolation([17, 1, 2n ** 53n + 1n], 'invalid PUBLISHED.Publication: expected an id (integer in [1, 2^53]), got 9007199254740993n');
  });

  it('rejects a float id', () => {
    expectViolation([48, 1.5, {}, 'com.p'], 'invalid CALL.Request: expected an id (integer in [1, 2^53]), got 1.5');
  });

  it('rejects a string id', () => {
    expectViolation([70, '1', {}], 'invalid YIELD.Request: expected an id (integer in [1, 2^53]), got "1"');
  });

  it('rejects Options that is not a dict (null, array, string)', () => {
    expectViolation([48, 1, null, 'com.p'], 'invalid CALL.Options: expected a dict, got null');
    expectViolation([64, 1, [], 'com.p'], 'invalid REGISTER.Options: expected a dict, got an array');
    expectViolation([1, 'realm1', 'x'], 'invalid HELLO.Details: expected a dict, got "x"');
  });

  it('rejects a URI or string field that is not a string', () => {
    expectViolation([1, 42, {}], 'invalid HELLO.Realm: expected a string, got 42');
    expectViolation([16, 1, {}, null], 'invalid PUBLISH.Topic: expected a string, got null');
    expectViolation([5, {}, {}], 'invalid AUTHENTICATE.Signature: expected a string, got an object');
  });

  it('rejects ArgumentsKw without Arguments (a dict where the list belongs)', () => {
    expectViolation([48, 1, {}, 'com.p', { k: 1 }], 'invalid CALL.Arguments: expected a list, got an object');
  });

  it('rejects ArgumentsKw that is not a dict', () => {
    expectViolation([36, 1, 2, {}, [], [1]], 'invalid EVENT.ArgumentsKw: expected a dict, got an array');
  });

  it('rejects ERROR whose REQUEST.Type is not a request that can fail', () => {
    expectViolation([8, 50, 1, {}, 'app.e'], 'invalid ERROR.REQUEST.Type 50');
    expectViolation([8, 1, 1, {}, 'app.e'], 'invalid ERROR.REQUEST.Type 1');
    expectViolation([8, 'CALL', 1, {}, 'app.e'], 'invalid ERROR.REQUEST.Type: expected an integer, got "CALL"');
  });

  it('accepts ERROR for every request type that can fail', () => {
    for (const requestType of [32, 34, 16, 64, 66, 48, 68]) {
      expect(decode([8, requestType, 1, {}, 'app.e'])).to.include({ requestType });
    }
  });

  it('never echoes a long string in the error message', () => {
    expectViolation([1, 'x'.repeat(1000), 1], 'invalid HELLO.Details: expected a dict, got 1');
    expectViolation([32, 'y'.repeat(100), {}, 'com.t'], 'invalid SUBSCRIBE.Request: expected an id (integer in [1, 2^53]), got a long string');
  });
});
