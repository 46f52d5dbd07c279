/**
 * Bad-input catalogue, part 3 (docs/conventions.md): bad bytes on the wire, each over its own subprotocol:
 * undecodable JSON/MessagePack/CBOR, the wrong frame kind, invalid UTF-8, oversized and
 * huge-but-allowed messages, absurd nesting, and binary headers claiming huge lengths. The offender
 * gets ABORT wamp.error.protocol_violation (or a WebSocket close code where ws itself refuses the
 * frame); the two sessions joined before keep working, and the process survives.
 */
import { expect } from 'chai';
import { MAX_NESTING_DEPTH } from '../../shared/serializers/nesting.ts';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { RawWsClient } from '../helpers/transports/websocket.ts';
import {
  GOOD_TOPIC, MAX_MESSAGE, PROTOCOLS, expectAbort, expectNothingMore, serializerOf, useBadInputRouter, type Protocol,
} from './bad-input-fixture.ts';

const PV = WampErrorUri.protocolViolation;
const NAME: Readonly<Record<Protocol, string>> = { 'wamp.2.json': 'JSON', 'wamp.2.msgpack': 'MessagePack', 'wamp.2.cbor': 'CBOR' };

/** Undecodable input per serializer: truncated JSON, a truncated MessagePack array, a CBOR reserved additional-info value. */
const GARBAGE: Readonly<Record<Protocol, string | Uint8Array>> = {
  'wamp.2.json': '[32, 1, {}, "com.x"',
  'wamp.2.msgpack': Uint8Array.of(0x94, 0x20, 0x01, 0x80),
  'wamp.2.cbor': Uint8Array.of(0x84, 0x18, 0x20, 0x01, 0xa0, 0x7c),
};

/** PUBLISH [16, 1, {}, topic, [{a: {a: … 1}}]] with `dicts` nested dicts, built byte by byte (no encoder recursion). */
function deepPublish(protocol: Protocol, topic: string, dicts: number): string | Uint8Array {
  if (protocol === 'wamp.2.json') return `[16,1,{},"${topic}",[${'{"a":'.repeat(dicts)}1${'}'.repeat(dicts)}]]`;
  const name = Buffer.from(topic, 'utf8'); // < 24 bytes: a one-byte string header in both binary formats
  const [head, str, map, list1] = protocol === 'wamp.2.msgpack' ? [[0x95, 0x10, 0x01, 0x80], 0xa0, 0x81, 0x91] : [[0x85, 0x10, 0x01, 0xa0], 0x60, 0xa1, 0x81];
  const level = [map, str | 1, 0x61]; // {"a": …}
  return Buffer.concat([
    Buffer.from(head), Buffer.of(str | name.length), name, Buffer.of(list1),
    Buffer.from(Array.from({ length: dicts }, () => level).flat()), Buffer.of(0x01),
  ]);
}

/** How many dicts {a: …} are nested in `value`. */
function dictDepth(value: unknown): number {
  let depth = 0;
  for (let v = value; typeof v === 'object' && v !== null && 'a' in v; v = v.a) depth += 1;
  return depth;
}

/** Binary messages whose headers promise far more than they carry. */
const HUGE_CLAIMS: Readonly<Record<'wamp.2.msgpack' | 'wamp.2.cbor', readonly Uint8Array[]>> = {
  'wamp.2.msgpack': [
    Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff, 0x10), // array32 of 2^32-1 items
    Uint8Array.of(0x94, 0x10, 0x01, 0x80, 0xc6, 0xff, 0xff, 0xff, 0xff, 0x00), // bin32 of 4 GiB
    Uint8Array.of(0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61), // map32 of 2^32-1 entries
  ],
  'wamp.2.cbor': [
    Uint8Array.of(0x9a, 0xff, 0xff, 0xff, 0xff, 0x10), // array of 2^32-1 items
    Uint8Array.of(0x9b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10), // array of 2^32 items (64-bit length)
    Uint8Array.of(0x84, 0x10, 0x01, 0xa0, 0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00), // 2^63-byte string
  ],
};

function sendBytes(client: RawWsClient, data: string | Uint8Array): void {
  client.sendRaw(data, { binary: typeof data !== 'string' });
}

for (const protocol of PROTOCOLS) {
  describe(`bad bytes over ${protocol}`, () => {
    const bed = useBadInputRouter();

    it(`aborts with protocol_violation on invalid ${NAME[protocol]} (spec: basic/building_blocks.md "Protocol Errors")`, async () => {
      const bad = await bed.join(protocol);
      sendBytes(bad, GARBAGE[protocol]);
      await expectAbort(bad, PV, new RegExp(`^invalid ${NAME[protocol]}: `));
      await bed.assertRouterStillServes();
    });

    const wrongKind = protocol === 'wamp.2.json' ? 'binary' : 'text';
    it(`aborts with protocol_violation on a ${wrongKind} frame (spec: basic/building_blocks.md "WebSocket Transport")`, async () => {
      const bad = await bed.join(protocol);
      const message = serializerOf(bad).encode([M.SUBSCRIBE, 1, {}, 'com.x']);
      sendBytes(bad, typeof message === 'string' ? Buffer.from(message) : Buffer.from(message).toString('latin1'));
      await expectAbort(bad, PV, new RegExp(`^${wrongKind} message on ${protocol}, which requires ${protocol === 'wamp.2.json' ? 'text' : 'binary'} messages$`));
      await bed.assertRouterStillServes();
    });

    it('closes with 1007 on invalid UTF-8 in a text frame (RFC 6455 §8.1)', async () => {
      const bad = await bed.join(protocol);
      bad.sendRaw(Buffer.from([0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d]), { binary: false }); // ["\xc3("] : a broken 2-byte sequence
      expect(await bad.closed).to.deep.equal({ code: 1007, reason: 'invalid UTF-8 in a text message' });
      await expectNothingMore(bad);
      await bed.assertRouterStillServes();
    });

    it('closes with 1009 a message above maxMessageSize, with no WAMP reply (RFC 6455 §7.4.1)', async () => {
      const bad = await bed.join(protocol);
      bad.send([M.PUBLISH, 1, { acknowledge: true }, GOOD_TOPIC, ['x'.repeat(MAX_MESSAGE)]]);
      expect(await bad.closed).to.deep.equal({ code: 1009, reason: `message too big (limit ${MAX_MESSAGE} bytes)` });
      await expectNothingMore(bad);
      await bed.assertRouterStillServes();
    });

    it('handles a huge message just below maxMessageSize', async () => {
      const { client: sub, subscription } = await bed.subscriber(protocol === 'wamp.2.cbor' ? 'wamp.2.json' : 'wamp.2.cbor', 'com.big');
      const big = await bed.join(protocol);
      const payload = 'x'.repeat(MAX_MESSAGE - 100);
      big.send([M.PUBLISH, 1, { acknowledge: true }, 'com.big', [payload]]);
      const [type, request, publication] = await big.next();
      expect([type, request]).to.deep.equal([M.PUBLISHED, 1]);
      expect(await sub.next()).to.deep.equal([M.EVENT, subscription, publication, {}, [payload]]);
      await bed.assertRouterStillServes(4);
    });

    it(`delivers a payload nested up to ${MAX_NESTING_DEPTH} levels (message array included)`, async () => {
      const { client: sub, subscription } = await bed.subscriber(protocol === 'wamp.2.cbor' ? 'wamp.2.json' : 'wamp.2.cbor', 'com.deep');
      const deep = await bed.join(protocol);
      sendBytes(deep, deepPublish(protocol, 'com.deep', MAX_NESTING_DEPTH - 2));
      const event = await sub.next();
      expect(event.slice(0, 2)).to.deep.equal([M.EVENT, subscription]);
      expect(dictDepth((event[4] as unknown[])[0])).to.equal(MAX_NESTING_DEPTH - 2);
      await bed.assertRouterStillServes(4);
    });

    it('aborts with protocol_violation on a payload nested deeper, instead of failing its subscribers (spec: basic/building_blocks.md "Protocol Errors")', async () => {
      const tooDeep = new RegExp(`^invalid ${NAME[protocol]}: lists and dicts nested deeper than ${MAX_NESTING_DEPTH} levels$`);
      // 2 000 levels decode but cannot be re-encoded for the subscriber; at 100 000 the binary decoders overflow first.
      const cases: [number, RegExp][] = [[MAX_NESTING_DEPTH - 1, tooDeep], [2_000, tooDeep], [100_000, protocol === 'wamp.2.json' ? tooDeep : new RegExp(`^invalid ${NAME[protocol]}: `)]];
      for (const [dicts, message] of cases) {
        const bad = await bed.join(protocol);
        sendBytes(bad, deepPublish(protocol, GOOD_TOPIC, dicts));
        await expectAbort(bad, PV, message);
      }
      await bed.assertRouterStillServes(); // the subscriber of GOOD_TOPIC got no EVENT and is still connected
    });

    if (protocol !== 'wamp.2.json') {
      it(`aborts with protocol_violation on ${NAME[protocol]} headers claiming huge lengths, without allocating them`, async () => {
        for (const data of HUGE_CLAIMS[protocol]) {
          const bad = await bed.join(protocol);
          sendBytes(bad, data);
          await expectAbort(bad, PV, new RegExp(`^invalid ${NAME[protocol]}: `));
        }
        await bed.assertRouterStillServes();
      });
    }
  });
}
