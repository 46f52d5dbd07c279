import { expect } from 'chai';
import { decode, encode, messageName } from '../../../../shared/wamp/codec.ts';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../../../shared/wamp/messages.ts';
import { MAX_ID } from '../../../../shared/wamp/ids.ts';

const T = MessageType;
const args = [1, 'two', { three: [3] }, null, true];
const kwargs = { a: 1, nested: { b: [1, 2] }, s: 'ü' };

/** Every message type; types with a payload appear without payload, with args, and with args + kwargs. */
const MESSAGES: readonly (readonly [string, WampMessage])[] = [
  ['HELLO', { type: T.HELLO, realm: 'realm1', details: { roles: { caller: {} } } }],
  ['WELCOME', { type: T.WELCOME, session: MAX_ID, details: { authid: 'x' } }],
  ['ABORT', { type: T.ABORT, details: {}, reason: 'wamp.error.no_such_realm' }],
  ['ABORT + args', { type: T.ABORT, details: {}, reason: 'wamp.error.no_such_realm', args }],
  ['ABORT + args + kwargs', { type: T.ABORT, details: {}, reason: 'wamp.error.no_such_realm', args, kwargs }],
  ['CHALLENGE', { type: T.CHALLENGE, authMethod: 'wampcra', extra: { challenge: '{}' } }],
  ['AUTHENTICATE', { type: T.AUTHENTICATE, signature: 'c2ln', extra: {} }],
  ['GOODBYE', { type: T.GOODBYE, details: {}, reason: 'wamp.close.close_realm' }],
  ['ERROR', { type: T.ERROR, requestType: T.CALL, request: 7, details: {}, error: 'app.error' }],
  ['ERROR + args', { type: T.ERROR, requestType: T.INVOCATION, request: 7, details: {}, error: 'app.error', args }],
  ['ERROR + args + kwargs', {
    type: T.ERROR, requestType: T.SUBSCRIBE, request: 7, details: {}, error: 'app.error', args, kwargs,
  }],
  ['PUBLISH', { type: T.PUBLISH, request: 1, options: { acknowledge: true }, topic: 'com.t' }],
  ['PUBLISH + args', { type: T.PUBLISH, request: 1, options: {}, topic: 'com.t', args }],
  ['PUBLISH + args + kwargs', { type: T.PUBLISH, request: 1, options: {}, topic: 'com.t', args, kwargs }],
  ['PUBLISHED', { type: T.PUBLISHED, request: 1, publication: 2 ** 40 }],
  ['SUBSCRIBE', { type: T.SUBSCRIBE, request: 2, options: { match: 'prefix' }, topic: 'com.' }],
  ['SUBSCRIBED', { type: T.SUBSCRIBED, request: 2, subscription: 3 }],
  ['UNSUBSCRIBE', { type: T.UNSUBSCRIBE, request: 3, subscription: 3 }],
  ['UNSUBSCRIBED', { type: T.UNSUBSCRIBED, request: 3 }],
  ['EVENT', { type: T.EVENT, subscription: 3, publication: 4, details: {} }],
  ['EVENT + args', { type: T.EVENT, subscription: 3, publication: 4, details: { topic: 'com.t' }, args }],
  ['EVENT + args + kwargs', { type: T.EVENT, subscription: 3, publication: 4, details: {}, args, kwargs }],
  ['CALL', { type: T.CALL, request: 5, options: {}, procedure: 'com.p' }],
  ['CALL + args', { type: T.CALL, request: 5, options: { timeout: 10 }, procedure: 'com.p', args }],
  ['CALL + args + kwargs', { type: T.CALL, request: 5, options: {}, procedure: 'com.p', args, kwargs }],
  ['CANCEL', { type: T.CANCEL, request: 5, options: { mode: 'kill' } }],
  ['RESULT', { type: T.RESULT, request: 5, details: {} }],
  ['RESULT + args', { type: T.RESULT, request: 5, details: { progress: true }, args }],
  ['RESULT + args + kwargs', { type: T.RESULT, request: 5, details: {}, args, kwargs }],
  ['REGISTER', { type: T.REGISTER, request: 6, options: { match: 'wildcard' }, procedure: 'com..p' }],
  ['REGISTERED', { type: T.REGISTERED, request: 6, registration: 8 }],
  ['UNREGISTER', { type: T.UNREGISTER, request: 7, registration: 8 }],
  ['UNREGISTERED', { type: T.UNREGISTERED, request: 7 }],
  ['INVOCATION', { type: T.INVOCATION, request: 9, registration: 8, details: {} }],
  ['INVOCATION + args', { type: T.INVOCATION, request: 9, registration: 8, details: { caller: 1 }, args }],
  ['INVOCATION + args + kwargs', { type: T.INVOCATION, request: 9, registration: 8, details: {}, args, kwargs }],
  ['INTERRUPT', { type: T.INTERRUPT, request: 9, options: { mode: 'killnowait' } }],
  ['YIELD', { type: T.YIELD, request: 9, options: {} }],
  ['YIELD + args', { type: T.YIELD, request: 9, options: { progress: true }, args }],
  ['YIELD + args + kwargs', { type: T.YIELD, request: 9, options: {}, args, kwargs }],
];

describe('codec', () => {
  describe('decode(encode(message))', () => {
    for (const [label, message] of MESSAGES) {
      it(`round-trips ${label} (spec: basic/messages.md)`, () => {
        const raw = encode(message);
        expect(raw[0]).to.equal(message.type);
        expect(decode(raw)).to.deep.equal(message);
      });
    }

    it('covers every message type of the model', () => {
      const covered = new Set(MESSAGES.map(([, m]) => m.type));
      expect([...covered].sort((a, b) => a - b)).to.deep.equal(Object.values(MessageType).sort((a, b) => a - b));
    });
  });

  describe('encode', () => {
    it('lays out fields in spec order: [CALL, Request, Options, Procedure, Arguments, ArgumentsKw]', () => {
      const raw = encode({ type: T.CALL, request: 5, options: { x: 1 }, procedure: 'com.p', args: [1], kwargs: { k: 2 } });
      expect(raw).to.deep.equal([48, 5, { x: 1 }, 'com.p', [1], { k: 2 }]);
    });

    it('emits no trailing elements when there is no payload', () => {
      expect(encode({ type: T.EVENT, subscription: 1, publication: 2, details: {} })).to.deep.equal([36, 1, 2, {}]);
    });

    it('emits Arguments as [] when only ArgumentsKw is present (spec: basic/messages.md)', () => {
      const raw = encode({ type: T.YIELD, request: 9, options: {}, kwargs: { k: 1 } });
      expect(raw).to.deep.equal([70, 9, {}, [], { k: 1 }]);
    });

    it('lays out ERROR as [ERROR, REQUEST.Type, REQUEST.Request, Details, Error]', () => {
      const raw = encode({ type: T.ERROR, requestType: T.REGISTER, request: 3, details: {}, error: 'e.x' });
      expect(raw).to.deep.equal([8, 64, 3, {}, 'e.x']);
    });
  });

  describe('decode', () => {
    it('normalizes BigInt ids that fit in [1, 2^53] to numbers (msgpack/CBOR uint64)', () => {
      const msg = decode([33, 5n, BigInt(MAX_ID)]);
      expect(msg).to.deep.equal({ type: T.SUBSCRIBED, request: 5, subscription: MAX_ID });
    });

    it('accepts ids at both ends of [1, 2^53] (spec: basic/building_blocks.md "IDs")', () => {
      expect(decode([35, 1])).to.deep.equal({ type: T.UNSUBSCRIBED, request: 1 });
      expect(decode([35, MAX_ID])).to.deep.equal({ type: T.UNSUBSCRIBED, request: MAX_ID });
    });

    it('does not validate URI syntax (context dependent): any string is accepted as topic and realm', () => {
      expect(decode([32, 1, {}, 'not a uri!'])).to.include({ topic: 'not a uri!' });
      expect(decode([1, '', {}])).to.include({ realm: '' });
    });

    it('accepts null-prototype objects as dicts', () => {
      const details = Object.create(null) as Record<string, unknown>;
      expect(decode([6, details, 'wamp.close.normal'])).to.include({ details });
    });
  });

  describe('messageName', () => {
    it('names known types and falls back to the number', () => {
      expect(messageName(48)).to.equal('CALL');
      expect(messageName(999)).to.equal('999');
    });
  });
});
