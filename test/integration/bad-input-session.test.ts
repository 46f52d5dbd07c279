/**
 * Bad-input catalogue, part 2 (docs/conventions.md): malformed or illegal messages inside an established
 * session, over a real WebSocket connection to the real router, per serializer. Protocol violations
 * must end only the offending session (ABORT + close 1000); request errors (invalid URI, REGISTER
 * clash) are answered with ERROR and the session stays open. Either way, the two sessions joined
 * before the bad input keep working.
 */
import { expect } from 'chai';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { RawWsClient } from '../helpers/transports/websocket.ts';
import {
  GOOD_PROCEDURE, PROTOCOLS, expectAbort, expectError, sendValue, useBadInputRouter, type Protocol,
} from './bad-input-fixture.ts';

const PV = WampErrorUri.protocolViolation;

/** The smallest integer above 2^53 each serializer carries exactly (JSON numbers are doubles), and how the router names it. */
function aboveMaxId(protocol: Protocol): { readonly value: number | bigint; readonly text: string } {
  return protocol === 'wamp.2.json' ? { value: 2 ** 53 + 2, text: '9007199254740994' } : { value: 2n ** 53n + 1n, text: '9007199254740993n' };
}

for (const protocol of PROTOCOLS) {
  describe(`bad session input over ${protocol}`, () => {
    const bed = useBadInputRouter();
    let bad: RawWsClient;
    beforeEach(async () => { bad = await bed.join(protocol); });

    /** Send one message and expect the offender's ABORT protocol_violation, then the good sessions at work. */
    async function violates(message: unknown, text: RegExp): Promise<void> {
      sendValue(bad, message);
      await expectAbort(bad, PV, text);
      await bed.assertRouterStillServes();
    }

    it('aborts on a frame that is not an array (spec: basic/building_blocks.md "Protocol Errors")', async () => {
      await violates({ type: M.SUBSCRIBE }, /^invalid message: expected an array, got an object$/);
    });

    it('aborts on a bare scalar and on an empty array (spec: basic/building_blocks.md "Protocol Errors")', async () => {
      sendValue(bad, 'hello');
      await expectAbort(bad, PV, /^invalid message: expected an array, got "hello"$/);
      const empty = await bed.join(protocol);
      empty.send([]);
      await expectAbort(empty, PV, /^invalid message: empty array$/);
      await bed.assertRouterStillServes();
    });

    it('aborts on an unknown message type (spec: basic/building_blocks.md "Protocol Errors")', async () => {
      await violates([99, 1, {}], /^unknown message type 99$/);
    });

    it('aborts on a message type that is not an integer (spec: basic/messages.md)', async () => {
      await violates(['SUBSCRIBE', 1, {}, 'com.x'], /^invalid message type: expected an integer, got "SUBSCRIBE"$/);
    });

    it('aborts on a reserved implementation-specific message type 256-1023 (spec: basic/messages.md)', async () => {
      await violates([300, 1, {}], /^unknown message type 300$/);
    });

    it('aborts on a router-to-client message type (RESULT) sent by a client (spec: basic/building_blocks.md "Protocol Errors")', async () => {
      await violates([M.RESULT, 1, {}, []], /^RESULT is not allowed in an established session$/);
    });

    it('aborts on a message of the wrong length for its type (spec: basic/messages.md)', async () => {
      await violates([M.SUBSCRIBE, 1, {}], /^invalid message length 3 for SUBSCRIBE$/);
    });

    it('aborts on a request ID of 0 (spec: basic/building_blocks.md "IDs")', async () => {
      await violates([M.CALL, 0, {}, GOOD_PROCEDURE], /^invalid CALL.Request: expected an id \(integer in \[1, 2\^53\]\), got 0$/);
    });

    it('aborts on a request ID above 2^53 (spec: basic/building_blocks.md "IDs")', async () => {
      const { value, text } = aboveMaxId(protocol);
      await violates([M.PUBLISH, value, {}, 'com.x'], new RegExp(`^invalid PUBLISH\\.Request: expected an id \\(integer in \\[1, 2\\^53\\]\\), got ${text}$`));
    });

    it('aborts on a request ID that is not an integer (spec: basic/building_blocks.md "IDs")', async () => {
      await violates([M.REGISTER, 1.5, {}, 'com.x'], /^invalid REGISTER.Request: expected an id \(integer in \[1, 2\^53\]\), got 1.5$/);
    });

    it('aborts on Options that are not a dict (spec: basic/messages.md)', async () => {
      await violates([M.SUBSCRIBE, 1, ['match', 'prefix'], 'com.x'], /^invalid SUBSCRIBE.Options: expected a dict, got an array$/);
    });

    it('aborts on a YIELD for an INVOCATION never issued (spec: basic/building_blocks.md "Protocol Errors")', async () => {
      await violates([M.YIELD, 99, {}, []], /^YIELD for INVOCATION 99, which was never issued to this session$/);
    });

    it('aborts on an ERROR for an INVOCATION never issued (spec: basic/remote_procedure_call.md)', async () => {
      await violates([M.ERROR, M.INVOCATION, 99, {}, 'com.app.failed'], /^ERROR for INVOCATION 99, which was never issued to this session$/);
    });

    it('answers invalid URIs with ERROR invalid_uri and keeps the session open (spec: basic/building_blocks.md "URIs")', async () => {
      bad.send([M.SUBSCRIBE, 1, {}, 'com..empty']);
      await expectError(bad, M.SUBSCRIBE, 1, WampErrorUri.invalidUri);
      bad.send([M.REGISTER, 2, {}, 'com.white space']);
      await expectError(bad, M.REGISTER, 2, WampErrorUri.invalidUri);
      bad.send([M.CALL, 3, {}, 'com.#hash']);
      await expectError(bad, M.CALL, 3, WampErrorUri.invalidUri);
      bad.send([M.PUBLISH, 4, { acknowledge: true }, 'com.trailing.']);
      await expectError(bad, M.PUBLISH, 4, WampErrorUri.invalidUri);
      bad.send([M.PUBLISH, 5, {}, 'com..unacknowledged']); // spec: basic/publish_subscribe.md: no answer without acknowledge
      bad.send([M.SUBSCRIBE, 6, {}, 'com.valid']);
      expect((await bad.next()).slice(0, 2)).to.deep.equal([M.SUBSCRIBED, 6]);
      await bed.assertRouterStillServes(3);
    });

    it('answers a REGISTER clash with ERROR procedure_already_exists and keeps the session open (spec: basic/remote_procedure_call.md)', async () => {
      bad.send([M.REGISTER, 1, {}, GOOD_PROCEDURE]);
      await expectError(bad, M.REGISTER, 1, WampErrorUri.procedureAlreadyExists);
      await bed.assertRouterStillServes(3); // the CALL still reaches the first callee
    });

    it('aborts on the first of a flood of garbage frames and ignores the rest (spec: basic/building_blocks.md "Protocol Errors")', async () => {
      for (let i = 0; i < 500; i++) sendValue(bad, i % 2 === 0 ? [i + 1000] : { garbage: i });
      await expectAbort(bad, PV, /^unknown message type 1000$/);
      await bed.assertRouterStillServes();
    });
  });
}
