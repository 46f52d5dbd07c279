import { expect } from 'chai';
import { encodeMessage } from '../../../../shared/serializers/encode-memo.ts';
import { json, msgpack } from '../../../../shared/serializers/index.ts';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../../../shared/wamp/messages.ts';

const event = (publication: number): WampMessage => ({
  type: MessageType.EVENT, subscription: 7, publication, details: {}, args: ['x'],
});

describe('encodeMessage (fan-out encode memo)', () => {
  it('returns the same bytes object for the same message and serializer in a row', () => {
    const msg = event(1);
    const a = encodeMessage(msgpack, msg);
    expect(encodeMessage(msgpack, msg)).to.equal(a);
  });

  it('encodes a different message object anew, even with equal content', () => {
    const first = encodeMessage(json, event(2));
    const second = encodeMessage(json, event(3));
    expect(second).to.not.equal(first);
    expect(JSON.parse(second as string)).to.deep.equal([36, 7, 3, {}, ['x']]);
  });

  it('keeps one memo per serializer', () => {
    const msg = event(4);
    const asJson = encodeMessage(json, msg);
    const asMsgpack = encodeMessage(msgpack, msg);
    expect(typeof asJson).to.equal('string');
    expect(asMsgpack).to.be.instanceOf(Uint8Array);
    expect(msgpack.decode(asMsgpack)).to.deep.equal([36, 7, 4, {}, ['x']]);
  });
});
