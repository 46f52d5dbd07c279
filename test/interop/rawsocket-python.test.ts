/**
 * Debian's python3-autobahn 22.7.1 (asyncio Component, `type: 'rawsocket'`) against our RawSocket
 * transport over TCP and a Unix socket, with CBOR, MessagePack and JSON (spec:
 * advanced/transport_rawsocket.md). The script applies the one-line workaround for the asyncio
 * RawSocket bug of that version (docs/router.md, "RawSocket transport"). Its peer is an autobahn-js session on the
 * router's WebSocket side: a call, a registration and pub/sub each way.
 */
import { expect } from 'chai';
import { startRawSocketRouter, type RawSocketTestRouter } from '../helpers/start-rawsocket.ts';
import { join, type AbSession, type OpenSession } from './autobahn-js-client.ts';
import { REALM, REALMS, STATIC_AUTH, TICKETS } from './fixture.ts';
import { autobahnPythonAvailable, observed, runPythonScript, type ScriptRun } from './python-runner.ts';
import { useTool } from '../helpers/external-tool.ts';

const AVAILABLE = autobahnPythonAvailable();

/** What the autobahn-js side saw: events on com.example.from_py and the result of its call to py_add. */
interface JsSide {
  readonly events: unknown[][];
  readonly addResults: unknown[];
}

async function serveJsSide(session: AbSession): Promise<JsSide> {
  const side: JsSide = { events: [], addResults: [] };
  await session.register('com.example.js_echo', (args) => args);
  await session.register('com.example.js_turn', async () => {
    const sum = await session.call('com.example.py_add', [2, 3]);
    side.addResults.push(sum);
    await session.publish('com.example.from_js', ['from js', 1], {}, { acknowledge: true, exclude_me: true });
    return sum;
  });
  await session.subscribe('com.example.from_py', (args) => { side.events.push(args); });
  return side;
}

for (const endpoint of ['tcp', 'unix'] as const) {
  for (const serializer of ['cbor', 'msgpack', 'json'] as const) {
    describe(`autobahn-python 22.7.1 (asyncio) over RawSocket ${endpoint} with ${serializer}`, function () {
      let router: RawSocketTestRouter | undefined;
      let js: OpenSession | undefined;
      let side: JsSide;
      let run: ScriptRun;

      before(async function () {
        if (!useTool(AVAILABLE, 'python3-autobahn', 'apt-get install python3-autobahn python3-msgpack python3-cbor2')) this.skip();
        this.timeout(30_000);
        router = await startRawSocketRouter({ realms: REALMS, auth: STATIC_AUTH });
        js = await join({ url: router.url, realm: REALM, serializer: 'cbor', authmethods: ['ticket'], authid: 'backend', onchallenge: () => TICKETS.backend });
        side = await serveJsSide(js.session);
        const where = endpoint === 'tcp' ? ['--host', router.tcp.host, '--port', String(router.tcp.port)] : ['--path', router.unix.path];
        run = await runPythonScript('rawsocket.py', [...where, '--realm', REALM, '--serializer', serializer, '--ticket', TICKETS.backend]);
      });
      after(async () => {
        await js?.close();
        await router?.close();
      });

      it('joins with ticket auth and runs every scenario to completion (the transport_details workaround applied)', () => {
        expect(run.observations.at(-1), run.stderr.slice(-3000)).to.deep.equal({ done: true });
        expect(run.exitCode).to.equal(0);
        expect(observed(run, 'scenario', 'register')).to.include({ registered: true });
      });

      it('calls a procedure registered over WebSocket, with a 2^40 integer and bytes intact', () => {
        expect(observed(run, 'scenario', 'call')).to.deep.include({ result: ['from python', 2 ** 40, [0, 1, 254]] });
      });

      it('serves a call from the WebSocket side to its own registration', () => {
        expect(observed(run, 'scenario', 'called_back')).to.deep.include({ js_result: 5, py_calls: [[2, 3]] });
        expect(side.addResults).to.deep.equal([5]);
      });

      it('receives an event published over WebSocket, and delivers its acknowledged publication to the WebSocket subscriber', () => {
        expect(observed(run, 'scenario', 'event')).to.deep.include({ args: ['from js', 1] });
        expect(observed(run, 'scenario', 'publish')).to.include({ acknowledged: true });
        expect(side.events).to.deep.equal([['from python', 7]]);
      });
    });
  }
}
