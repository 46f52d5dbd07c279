/**
 * The connectors of test/helpers/transports/ against a real router (test/helpers/matrix-router.ts):
 * the lean mode the bench's load generators run on, over every URL form it accepts, and the raw
 * mode's view of a handshake and a close. The typed mode is covered by the transport matrix
 * (transport-matrix.test.ts), the raw mode's byte-level use by the bad-input suites.
 */
import { expect } from 'chai';
import type { SerializerId } from '../../shared/serializers/serializer.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import { CRA_USER, MATRIX_REALM, TICKETS, startMatrixRouter, type MatrixRouter } from '../helpers/matrix-router.ts';
import { connectLean, type LeanClient } from '../helpers/transports/lean.ts';
import { probeLongPoll } from '../helpers/transports/longpoll.ts';
import { probeRawSocket } from '../helpers/transports/rawsocket.ts';
import { probeWebSocket } from '../helpers/transports/websocket.ts';
import { craAuth, ticketAuth } from '../helpers/wamp-test-auth.ts';

const SERIALIZERS: readonly SerializerId[] = ['json', 'msgpack'];

/** The message `promise` rejects with; fails if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('expected a rejection');
}

describe('connectors (test/helpers/transports/)', function () {
  let matrix: MatrixRouter;
  const open: LeanClient[] = [];

  before(async function () {
    matrix = await startMatrixRouter();
  });
  afterEach(async function () {
    await Promise.all(open.splice(0).map((client) => client.close()));
  });
  after(async function () {
    await matrix.close();
  });

  const urls = (): Record<string, string> => ({
    websocket: matrix.websocketUrl,
    'rawsocket-tcp': `rs://${matrix.tcp.host}:${matrix.tcp.port}`,
    'rawsocket-unix': `rs://unix:${matrix.unix.path}`,
    longpoll: matrix.longpollUrl,
  });

  for (const transport of ['websocket', 'rawsocket-tcp', 'rawsocket-unix', 'longpoll']) {
    for (const serializer of SERIALIZERS) {
      it(`lean mode over ${transport}/${serializer}: ticket and WAMP-CRA joins, REGISTER, CALL → RESULT, close`, async function () {
        const url = urls()[transport] ?? '';
        const callee = await connectLean({ url, serializer, realm: MATRIX_REALM, ...craAuth(CRA_USER.authid, CRA_USER.password) });
        open.push(callee);
        const registered = await callee.request(
          { type: MessageType.REGISTER, request: callee.nextRequestId(), options: {}, procedure: 'com.example.echo' }, MessageType.REGISTERED,
        );
        expect(registered.type).to.equal(MessageType.REGISTERED);
        callee.onMessage = (message) => {
          if (message.type === MessageType.INVOCATION) callee.send({ type: MessageType.YIELD, request: message.request, options: {}, args: message.args ?? [] });
        };
        const caller = await connectLean({ url, serializer, realm: MATRIX_REALM, ...ticketAuth('alice', TICKETS.alice) });
        open.push(caller);
        expect(caller.sessionId).to.be.a('number').and.not.equal(callee.sessionId);
        const result = await caller.request(
          { type: MessageType.CALL, request: caller.nextRequestId(), options: {}, procedure: 'com.example.echo', args: ['bench', 42] }, MessageType.RESULT,
        );
        expect(result).to.include({ type: MessageType.RESULT, request: 1 });
        expect(result.type === MessageType.RESULT ? result.args : undefined).to.deep.equal(['bench', 42]);
      });
    }
  }

  it('lean mode rejects a wrong ticket with the ABORT and closes its wire (the root hook sees no socket left)', async function () {
    const failed = connectLean({ url: matrix.websocketUrl, serializer: 'json', realm: MATRIX_REALM, ...ticketAuth('alice', 'wrong') });
    expect(await rejection(failed)).to.match(/^handshake failed: \[3,/);
  });

  it('lean mode rejects an anonymous join the router refuses', async function () {
    const failed = connectLean({ url: `rs://unix:${matrix.unix.path}`, serializer: 'cbor', realm: MATRIX_REALM });
    expect(await rejection(failed)).to.match(/^handshake failed: \[3,/);
  });

  it('lean mode reports a close it did not ask for through onClose, and not one it asked for', async function () {
    const client = await connectLean({ url: `rs://unix:${matrix.unix.path}`, serializer: 'json', realm: MATRIX_REALM, ...ticketAuth('bob', TICKETS.bob) });
    const reasons: string[] = [];
    const ended = new Promise<void>((resolve) => { client.onClose = (reason) => { reasons.push(reason); resolve(); }; });
    client.send({ type: MessageType.HELLO, realm: MATRIX_REALM, details: {} }); // HELLO on an open session: the router aborts it
    await ended;
    expect(reasons).to.deep.equal(['rawsocket connection closed']);

    const other = await connectLean({ url: matrix.websocketUrl, serializer: 'json', realm: MATRIX_REALM, ...ticketAuth('bob', TICKETS.bob) });
    other.onClose = (reason) => { reasons.push(reason); };
    await other.close();
    expect(reasons).to.have.length(1);
  });

  it('raw mode sees the CHALLENGE to a ticket HELLO and the close over WebSocket, RawSocket and long-poll', async function () {
    const hello = [MessageType.HELLO, MATRIX_REALM, { roles: { caller: {} }, authid: 'alice', authmethods: ['ticket'] }];

    const ws = await probeWebSocket(matrix.websocketUrl, 'wamp.2.cbor');
    ws.send(hello);
    expect(await ws.next()).to.deep.include.members([MessageType.CHALLENGE, 'ticket']);
    expect(await ws.close(4000, 'done')).to.deep.equal({ code: 4000, reason: 'done' });

    const rs = await probeRawSocket(matrix.tcp, 'msgpack');
    expect(rs.reply.toString('hex')).to.match(/^7f[0-9a-f]20000$/); // MessagePack is serializer code 2
    rs.send(hello);
    expect((await rs.next())[0]).to.equal(MessageType.CHALLENGE);
    await rs.close();
    expect(rs.isClosed).to.equal(true);
    expect(await rejection(rs.next(50))).to.equal('connection closed before a message arrived');

    const lp = await probeLongPoll(matrix.longpollUrl, ['wamp.2.json']);
    expect(await lp.send(hello)).to.equal(204);
    expect((await lp.next())[0]).to.equal(MessageType.CHALLENGE);
    expect(await lp.close()).to.equal(204);
  });
});
