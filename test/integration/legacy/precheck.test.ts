/**
 * Every legacy protocol runs the task's precheck before queueing, like `asexor.task.NAME`
 * (docs/legacy-clients.md): `convert` of a file the caller does not have is refused with
 * the protocol's error answer (no task id, nothing queued), and the same connection then runs a task.
 * One real serve stack with the legacy WebSocket, long poll, raw socket and WAMP API enabled; the
 * clients are test/helpers/legacy-*-client.ts and autobahn-js for the WAMP API.
 */
import { expect } from 'chai';
import type { ClientSession } from '../../../cli/client.ts';
import { legacyDefaults } from '../../../shared/legacy/settings.ts';
import { controlProcedure } from '../../../shared/wamp/app-uris.ts';
import { LegacyLpClient, finished } from '../../helpers/legacy-lp-client.ts';
import { LegacyRawClient } from '../../helpers/legacy-raw-client.ts';
import { LegacyWsClient } from '../../helpers/legacy-ws-client.ts';
import { startTestServer, type TestServer } from '../../helpers/start-server.ts';
import { joinAs, wampError } from '../../helpers/worker-clients.ts';

const MISSING = { input: 'no-such-file.md', to: 'html' };
/** The legacy error text of an invalid_params refusal naming the input (shared/legacy/error-text.ts). */
const REFUSED = /input/;

describe('legacy protocols run the precheck before queueing (docs/legacy-clients.md)', function () {
  this.timeout(20_000);
  let server: TestServer;
  let alice: ClientSession;

  before(async () => {
    server = await startTestServer({
      asexor: {
        legacy: {
          websocket: { enabled: true },
          longpoll: { enabled: true },
          rawsocket: [{ endpoint: { type: 'tcp', port: 0 } }],
          wampApi: { enabled: true },
        },
      },
    });
    alice = await joinAs(server.url, 'alice');
  });
  after(async () => {
    await alice.close();
    await server.close();
  });

  /** alice's open tasks and history, as `asexor.control.history` lists them: a refused call adds none. */
  async function historyLength(): Promise<number> {
    const history = await alice.call(controlProcedure('asexor', 'history'));
    return Array.isArray(history) ? history.length : -1;
  }

  it('WebSocket: answers ["e", id, text] at once, then runs the next call', async () => {
    const before = await historyLength();
    const client = await LegacyWsClient.connect(server.url, 'alice-ticket');
    try {
      client.call(1, 'convert', [], MISSING);
      const [answer] = await client.finished(1);
      expect(answer?.[0]).to.equal('e');
      expect(String(answer?.[2])).to.match(REFUSED);
      expect(await historyLength()).to.equal(before);
      client.call(2, 'date', ['%Y']);
      const answers = await client.finished(2);
      expect(answers[0]?.[0]).to.equal('r');
    } finally {
      await client.close();
    }
  });

  it('long poll: answers the POST with ["e", id, text, null], then runs the next call', async () => {
    const before = await historyLength();
    const client = new LegacyLpClient(server.port, { path: legacyDefaults.longpoll.path });
    await client.start('alice-ticket');
    const answer = await client.call(1, 'convert', { kwargs: MISSING });
    expect(answer[0]).to.equal('e');
    expect(String(answer[2])).to.match(REFUSED);
    expect(await historyLength()).to.equal(before);
    const ok = await client.call(2, 'date', { args: ['%Y'] });
    expect(ok[0]).to.equal('r');
    await client.pollUntil((updates) => finished(updates, 2));
  });

  it('raw socket: answers the CBOR frame ["e", id, text, null], then runs the next call', async () => {
    const before = await historyLength();
    const listener = server.server.legacyListeners[0];
    if (listener === undefined) throw new Error('no legacy raw socket listener');
    const client = await LegacyRawClient.login(listener.address, 'alice-ticket');
    try {
      client.call(1, 'convert', { kwargs: MISSING });
      await client.until(() => client.answers().some((a) => a[1] === 1));
      const answer = client.answers().find((a) => a[1] === 1);
      expect(answer?.[0]).to.equal('e');
      expect(answer?.[0] === 'e' ? answer[2] : undefined).to.match(REFUSED);
      expect(await historyLength()).to.equal(before);
      client.call(2, 'date', { args: ['%Y'] });
      await client.until(() => client.answers().some((a) => a[1] === 2 && a[0] === 'm' && a[2]['status'] === 'success'));
      expect(client.answers().find((a) => a[1] === 2)?.[0]).to.equal('r');
    } finally {
      await client.close();
    }
  });

  it('WAMP API: run_task answers ERROR runtime_error with our invalid_params URI in kwargs, then runs the next call', async () => {
    const before = await historyLength();
    const error = await wampError(alice.call(legacyDefaults.wampApi.procedure, ['convert'], MISSING));
    expect(error.error).to.equal('wamp.error.runtime_error');
    expect(String(error.args[0])).to.match(REFUSED);
    expect(error.kwargs['uri']).to.equal('asexor.error.invalid_params');
    expect(await historyLength()).to.equal(before);
    const taskId = await alice.call(legacyDefaults.wampApi.procedure, ['date', '%Y']);
    expect(taskId).to.be.a('string');
  });
});
