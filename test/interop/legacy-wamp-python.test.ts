/**
 * The original ASEXOR's WAMP API (docs/legacy-wamp-api.md) from Debian's python3-autobahn, used as the
 * original's Python WAMP client did: an ApplicationSession over RawSocket TCP, ticket auth with the
 * user as authid, `call(run_task, task_name, *args, **kwargs)` and updates `(task_id, **fields)` on the
 * shared topic. The serve stack gets a RawSocket listener on its router. Without python3-autobahn
 * this test fails (it does not skip): the compatibility claim needs the real client.
 */
import { expect } from 'chai';
import { startRawSocketTransport, type RawSocketListener } from '../../router/transports/rawsocket.ts';
import { startTestServer, USERS, type TestServer } from '../helpers/start-server.ts';
import { autobahnPythonAvailable, observed, runPythonScript, type ScriptRun } from './python-runner.ts';

describe('the original ASEXOR\'s WAMP client (autobahn-python, RawSocket) against the legacy WAMP API', function () {
  let server: TestServer | undefined;
  let rawsocket: RawSocketListener | undefined;
  let run: ScriptRun;

  before(async function () {
    this.timeout(60_000);
    if (!autobahnPythonAvailable()) {
      throw new Error('python3-autobahn (with msgpack and cbor2) is not importable by /usr/bin/python3: apt-get install python3-autobahn python3-msgpack python3-cbor2');
    }
    server = await startTestServer({ asexor: { legacy: { wampApi: { enabled: true } } } });
    rawsocket = await startRawSocketTransport(server.server.router, {
      type: 'rawsocket',
      endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
      serializers: ['json', 'msgpack', 'cbor'],
      options: { maxMessageSize: 16 * 1024 * 1024, maxConnections: 100 },
      auth: { ticket: { type: 'static', principals: USERS } },
    });
    const { host, port } = rawsocket.address;
    run = await runPythonScript('legacy_wamp.py', [
      '--host', host, '--port', String(port), '--realm', 'asexor', '--user', 'alice', '--token', USERS.alice.ticket, '--deadline', '40',
    ], 50_000);
  });
  after(async () => {
    await rawsocket?.close();
    await server?.close();
  });

  it('joins with ticket auth and runs every scenario to completion', () => {
    expect(run.observations.at(-1), run.stderr.slice(-3000)).to.deep.equal({ done: true });
    expect(run.exitCode).to.equal(0);
    expect(observed(run, 'scenario', 'serializer')['name']).to.be.a('string');
  });

  it('returns the task id, then started and success with the original\'s fields', () => {
    const result = observed(run, 'scenario', 'run');
    expect(result['task_id']).to.match(/^[0-9a-f]{32}$/);
    expect(result['statuses']).to.deep.equal(['started', 'success']);
    const final = result['final'] as Record<string, unknown>;
    expect(Object.keys(final).sort()).to.deep.equal(['duration', 'result', 'status']);
    expect(final).to.include({ status: 'success', result: String(new Date().getUTCFullYear()) });
  });

  it('runs sequential date and sleep tasks, each started then success (the original\'s dummy_client)', () => {
    const sequence = observed(run, 'scenario', 'sequence');
    expect(sequence['count']).to.equal(6);
    expect(sequence['statuses']).to.deep.equal(Array.from({ length: 6 }, () => ['started', 'success']));
  });

  it('raises wamp.error.runtime_error with the original\'s texts', () => {
    const errors = observed(run, 'scenario', 'errors');
    expect(errors['nosuch']).to.deep.equal({ error: 'wamp.error.runtime_error', args: ['No task with name nosuch'] });
    expect(errors['admin_only']).to.deep.equal({ error: 'wamp.error.runtime_error', args: ['Not authorised to run admin_only'] });
  });

  it('receives no update before the RESULT that carries its task id', () => {
    expect(observed(run, 'scenario', 'order')['early']).to.deep.equal([]);
  });
});
