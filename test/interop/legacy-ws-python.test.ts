/**
 * The legacy ASEXOR WebSocket (docs/legacy-websocket.md) from Python: Debian's python3-autobahn used
 * as a plain WebSocket client (no WAMP subprotocol), with the original client's call shapes
 * (test/interop/python/legacy_ws.py). Fails, rather than skips, when python3-autobahn is missing.
 */
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { autobahnPythonAvailable, observed, runPythonScript, type ScriptRun } from './python-runner.ts';

describe('legacy WebSocket from autobahn-python (plain WebSocket client)', function () {
  let server: TestServer;
  let run: ScriptRun;
  before(async function () {
    this.timeout(60_000);
    expect(autobahnPythonAvailable(), 'Debian python3-autobahn, python3-msgpack and python3-cbor2 must be installed (see .ci/run)').to.equal(true);
    server = await startTestServer({ asexor: { legacy: { websocket: { enabled: true } } } });
    run = await runPythonScript('legacy_ws.py', ['--port', String(server.port), '--token', 'alice-ticket']);
  });
  after(async () => { await server.close(); });

  it('runs to the end', () => {
    expect(run.observations.at(-1), run.stderr.slice(-2000)).to.deep.equal({ done: true });
    expect(run.exitCode).to.equal(0);
  });

  it('is refused before the upgrade with a bad token', () => {
    expect(observed(run, 'scenario', 'bad-token')['connected']).to.equal(false);
  });

  it('gets r, started, success for date, with the original fields', () => {
    const messages = observed(run, 'scenario', 'date')['messages'] as unknown[][];
    expect(messages.map((m) => m[0])).to.deep.equal(['r', 'm', 'm']);
    const taskId = messages[0]?.[2];
    expect(messages[1]).to.deep.equal(['m', 1, { status: 'started', task_id: taskId }]);
    const success = messages[2]?.[2] as Record<string, unknown>;
    expect(Object.keys(success)).to.deep.equal(['status', 'result', 'duration', 'task_id']);
    expect(success['result']).to.match(/UTC$/);
  });

  it('gets a null result for sleep and the original text for an unknown task', () => {
    const sleep = observed(run, 'scenario', 'sleep')['messages'] as unknown[][];
    expect(sleep.at(-1)?.[2]).to.include({ status: 'success', result: null });
    expect(observed(run, 'scenario', 'unknown')['messages']).to.deep.equal([['e', 3, 'No task with name no_such', null]]);
  });
});
