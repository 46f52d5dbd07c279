/**
 * The legacy ASEXOR raw socket (docs/legacy-rawsocket.md) from Python: a client written from the
 * protocol description with the standard socket module and Debian's python3-cbor2
 * (test/interop/python/legacy_raw.py), over TCP and a Unix socket, plus a delegating service.
 * Fails, rather than skips, when python3-cbor2 is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createBridgeContext, type BridgeContext, type LegacyListener } from '../../router/bridges/context.ts';
import { MISSING_USER_TEXT } from '../../router/bridges/legacy-raw-delegation.ts';
import { startLegacyRawSocket } from '../../router/bridges/legacy-rawsocket.ts';
import { legacyDefaults, type LegacyRawSocketSettings } from '../../shared/legacy/settings.ts';
import { silentLogger } from '../../shared/logger.ts';
import { startTestServer, USERS, type TestServer } from '../helpers/start-server.ts';
import { PYTHON, observed, runPythonScript, type ScriptRun } from './python-runner.ts';

function cbor2Available(): boolean {
  return spawnSync(PYTHON, ['-c', 'import cbor2'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

function settings(overrides: Partial<LegacyRawSocketSettings>): LegacyRawSocketSettings {
  return {
    endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' }, noUpdate: false, delegated: false, delegates: {},
    ...legacyDefaults.rawsocket, ...overrides,
  };
}

function where(listener: LegacyListener): string[] {
  const { address } = listener;
  return 'path' in address ? ['--path', address.path] : ['--host', address.host, '--port', String(address.port)];
}

type Message = [string, unknown, unknown, unknown?];

function messagesOf(run: ScriptRun, scenario: string): Message[] {
  return observed(run, 'scenario', scenario)['messages'] as Message[];
}

describe('legacy raw socket from Python (socket + cbor2)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let context: BridgeContext;
  let dir: string;
  const listeners: LegacyListener[] = [];

  before(async () => {
    expect(cbor2Available(), `${PYTHON} cannot import cbor2: install Debian's python3-cbor2 (see .ci/run)`).to.equal(true);
    server = await startTestServer();
    context = createBridgeContext({
      router: server.server.router, realm: 'asexor', uriPrefix: 'asexor',
      auth: { ticket: { type: 'static', principals: USERS } }, logger: silentLogger(),
    });
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-legacy-raw-py-'));
  });
  after(async () => {
    await Promise.all(listeners.map((l) => l.close()));
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  for (const endpoint of ['tcp', 'unix'] as const) {
    describe(`a user over ${endpoint}`, () => {
      let run: ScriptRun;
      before(async () => {
        const listener = await startLegacyRawSocket(context, settings(endpoint === 'tcp' ? {} : { endpoint: { type: 'unix', path: path.join(dir, 'raw.sock') } }));
        listeners.push(listener);
        run = await runPythonScript('legacy_raw.py', [...where(listener), '--token', 'alice-ticket']);
      });

      it('runs to the end', () => {
        expect(run.observations.at(-1), run.stderr.slice(-2000)).to.deep.equal({ done: true });
        expect(run.exitCode).to.equal(0);
      });

      it('is answered 1 and closed with a bad token', () => {
        expect(observed(run, 'scenario', 'bad-token')).to.include({ answer: 1, closed_after: true });
      });

      it('runs a call sent in the same write as the token: r, started, success with the original fields', () => {
        expect(observed(run, 'scenario', 'date')['answer']).to.equal(0);
        const messages = messagesOf(run, 'date');
        expect(messages.map((m) => m[0])).to.deep.equal(['r', 'm', 'm']);
        const taskId = messages[0]?.[2];
        expect(messages[1]).to.deep.equal(['m', 1, { status: 'started', task_id: taskId }]);
        const success = messages[2]?.[2] as Record<string, unknown>;
        expect(Object.keys(success)).to.deep.equal(['status', 'result', 'duration', 'task_id']);
        expect(success['result']).to.equal(String(new Date().getFullYear()));
      });

      it('gets a pong with the ping\'s payload', () => {
        expect(observed(run, 'scenario', 'ping')['reply']).to.equal(Buffer.from('hello').toString('hex'));
      });

      it('gets a null result for sleep and the original error texts', () => {
        expect(messagesOf(run, 'sleep').at(-1)?.[2]).to.include({ status: 'success', result: null });
        expect(messagesOf(run, 'unknown')).to.deep.equal([['e', 3, 'No task with name no_such', null]]);
        expect(messagesOf(run, 'admin-only')).to.deep.equal([['e', 4, 'Not authorised to run admin_only', null]]);
      });

      it('decodes a frame split across two writes after another frame intact', () => {
        const messages = messagesOf(run, 'split');
        expect(messages.filter((m) => m[0] !== 'm').map((m) => [m[0], m[1]])).to.deep.equal([['r', 10], ['e', 11]]);
        expect(messages.find((m) => m[0] === 'e')?.[2]).to.equal('No task with name no_such_either');
      });

      it('is closed without a reply when it sends JSON instead of CBOR', () => {
        expect(observed(run, 'scenario', 'json')['messages']).to.deep.equal(['closed']);
      });
    });
  }

  describe('a delegating service', () => {
    let run: ScriptRun;
    before(async () => {
      const listener = await startLegacyRawSocket(context, settings({ delegated: true, delegates: { admin: ['user'] } }));
      listeners.push(listener);
      run = await runPythonScript('legacy_raw.py', [...where(listener), '--service-token', 'root-ticket']);
    });

    it('runs to the end', () => {
      expect(run.observations.at(-1), run.stderr.slice(-2000)).to.deep.equal({ done: true });
    });

    it('submits for a user and gets the updates with its call id', () => {
      expect(observed(run, 'scenario', 'delegated-login')['answer']).to.equal(0);
      expect(messagesOf(run, 'delegated-date').map((m) => [m[0], m[1]])).to.deep.equal([['r', 1], ['m', 1], ['m', 1]]);
    });

    it('may not claim a role outside its list, nor omit the user', () => {
      expect(messagesOf(run, 'delegated-role')).to.deep.equal([['e', 2, 'Role admin may not be delegated by this service', null]]);
      expect(messagesOf(run, 'delegated-no-user')).to.deep.equal([['e', 3, MISSING_USER_TEXT, null]]);
    });
  });
});
