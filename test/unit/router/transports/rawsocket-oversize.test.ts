/**
 * Outgoing messages above the client's RawSocket limit (spec: advanced/transport_rawsocket.md
 * "Serialization": handling "is left to the implementation"): every request still gets an answer.
 */
import { expect } from 'chai';
import { MessageType as M } from '../../../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../../../shared/wamp/uris.ts';
import { oversizeReplacement } from '../../../../router/transports/rawsocket-oversize.ts';

const PSE = WampErrorUri.payloadSizeExceeded;
const big = ['x'.repeat(5000)];

describe('oversizeReplacement', () => {
  it('drops an EVENT (the spec\'s first suggestion)', () => {
    expect(oversizeReplacement({ type: M.EVENT, subscription: 1, publication: 2, details: {}, args: big }, 5020, 1024)).to.deep.equal({ action: 'drop' });
  });

  it('sends ERROR payload_size_exceeded for the CALL instead of its RESULT', () => {
    expect(oversizeReplacement({ type: M.RESULT, request: 7, details: {}, args: big }, 5020, 1024)).to.deep.equal({
      action: 'send',
      message: { type: M.ERROR, requestType: M.CALL, request: 7, details: {}, error: PSE, args: ["the RESULT of 5020 octets exceeds the client's RawSocket limit of 1024 octets"] },
    });
  });

  it('sends an ERROR again without its payload, as payload_size_exceeded, and closes rather than loop when even that is too big', () => {
    const error: WampMessage = { type: M.ERROR, requestType: M.CALL, request: 3, details: {}, error: 'com.app.failed', args: big };
    expect(oversizeReplacement(error, 5030, 1024)).to.deep.include({ action: 'send' })
      .and.to.have.nested.property('message.error', PSE);
    expect(oversizeReplacement({ ...error, error: PSE }, 5030, 1024)).to.deep.equal({ action: 'close' });
  });

  it('answers an INVOCATION for the callee with ERROR payload_size_exceeded (forwarded to the caller by the dealer)', () => {
    expect(oversizeReplacement({ type: M.INVOCATION, request: 9, registration: 4, details: {}, args: big }, 5020, 2048)).to.deep.equal({
      action: 'answer',
      message: { type: M.ERROR, requestType: M.INVOCATION, request: 9, details: {}, error: PSE, args: ["the INVOCATION of 5020 octets exceeds the client's RawSocket limit of 2048 octets"] },
    });
  });

  it('closes for any other message (a WELCOME or CHALLENGE the client cannot receive)', () => {
    expect(oversizeReplacement({ type: M.WELCOME, session: 1, details: {} }, 2000, 1024)).to.deep.equal({ action: 'close' });
    expect(oversizeReplacement({ type: M.CHALLENGE, authMethod: 'wampcra', extra: {} }, 2000, 1024)).to.deep.equal({ action: 'close' });
  });
});
