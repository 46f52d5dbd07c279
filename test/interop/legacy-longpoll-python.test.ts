/**
 * A Python client of the legacy long poll built on the standard library only (urllib and
 * http.cookiejar: test/interop/python/legacy_longpoll.py), run with Debian's /usr/bin/python3 against
 * the long poll's own listener in front of the real serve stack (docs/legacy-longpoll.md). It needs
 * nothing beyond python3 itself, so a missing interpreter fails the suite instead of skipping it.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { createBridgeContext, type LegacyListener } from '../../router/bridges/context.ts';
import { startLegacyLongPollListener } from '../../router/bridges/legacy-longpoll-listener.ts';
import { legacyDefaults } from '../../shared/legacy/settings.ts';
import { silentLogger } from '../../shared/logger.ts';
import { startTestServer, USERS, type TestServer } from '../helpers/start-server.ts';
import { observed, PYTHON, runPythonScript, type ScriptRun } from './python-runner.ts';

describe('legacy long poll with a Python standard-library client (urllib, http.cookiejar)', function () {
  let server: TestServer | undefined;
  let listener: LegacyListener | undefined;
  let run: ScriptRun;

  before(async function () {
    this.timeout(60_000);
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install Debian's python3 to run this interop suite`);
    server = await startTestServer();
    const context = createBridgeContext({
      router: server.server.router, realm: 'asexor', uriPrefix: 'asexor',
      auth: { ticket: { type: 'static', principals: USERS } }, logger: silentLogger(),
    });
    listener = await startLegacyLongPollListener(context, {
      ...legacyDefaults.longpoll, enabled: true, endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
      allowedOrigins: [], pollTimeoutMs: 2000,
    });
    const port = 'port' in listener.address ? listener.address.port : 0;
    run = await runPythonScript('legacy_longpoll.py', [
      '--url', `http://127.0.0.1:${port}/`, '--token', USERS.alice.ticket, '--other-token', USERS.bob.ticket,
    ], 45_000);
  });
  after(async () => {
    await listener?.close();
    await server?.close();
  });

  it('runs every scenario to completion', () => {
    expect(run.observations.at(-1), `exit ${run.exitCode ?? run.signal}\n${run.stderr.slice(-4000)}`).to.deep.equal({ done: true });
    expect(run.exitCode).to.equal(0);
  });

  it('gets [] and an HttpOnly session cookie its cookie jar keeps, from the initial GET', () => {
    expect(observed(run, 'scenario', 'start')).to.deep.include({ answer: [], cookie_length: 43, path: '/', http_only: true, secure: false });
  });

  it('runs date: r, then started and success with the original fields', () => {
    const { reply, updates } = observed(run, 'scenario', 'date') as { reply: unknown[]; updates: [string, number, Record<string, unknown>][] };
    expect(reply.slice(0, 2)).to.deep.equal(['r', 1]);
    expect(updates.map((m) => m[2]['status'])).to.deep.equal(['started', 'success']);
    expect(updates[1]?.[2]).to.include({ result: String(new Date().getUTCFullYear()), task_id: reply[2] });
    expect(Object.keys(updates[1]?.[2] ?? {})).to.have.members(['status', 'result', 'duration', 'task_id']);
  });

  it('gets the original error texts, e with id 0 for a malformed body, 400 for a wrong content type', () => {
    expect(observed(run, 'scenario', 'errors')).to.deep.include({
      no_such: ['e', 2, 'No task with name no_such_task', null],
      unauthorised: ['e', 3, 'Not authorised to run admin_only', null],
      short: ['e', 5, 'not enough values to unpack (expected 3, got 1)', null],
      malformed: ['e', 0],
      wrong_type: 400,
    });
  });

  it('gets 401 with WWW-Authenticate without a session, and a new cookie for another user\'s token', () => {
    expect(observed(run, 'scenario', 'no_auth')).to.deep.include({ status: 401, www_authenticate: 'Bearer realm="asexor"' });
    expect(observed(run, 'scenario', 'other_user')).to.deep.include({ new_cookie: true });
  });
});
