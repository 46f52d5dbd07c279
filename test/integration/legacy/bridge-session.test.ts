/**
 * The WAMP session behind every legacy connection (router/bridges/bridge-session.ts), against the real
 * serve stack: token-only ticket authentication, delegated principals, task calls, the original's
 * update data and error texts, and a reply that always precedes the task's first update.
 */
import { expect } from 'chai';
import { BridgeJoinError, BridgeSession, type BridgeCredentials, type BridgeSink } from '../../../router/bridges/bridge-session.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { startTestServer, USERS, type TestServer } from '../../helpers/start-server.ts';

type Answer = ['r', unknown, string] | ['e', unknown, string] | ['m', unknown, Record<string, unknown>];

class RecordingSink implements BridgeSink {
  readonly answers: Answer[] = [];
  #waiters: (() => void)[] = [];
  reply(callId: unknown, taskId: string): void { this.#push(['r', callId, taskId]); }
  error(callId: unknown, text: string): void { this.#push(['e', callId, text]); }
  update(callId: unknown, data: Readonly<Record<string, unknown>>): void { this.#push(['m', callId, { ...data }]); }
  #push(answer: Answer): void {
    this.answers.push(answer);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
  async until(done: (answers: readonly Answer[]) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.answers)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.answers)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100); // re-checks the deadline when nothing arrives
        this.#waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }
}

function terminal(answers: readonly Answer[], callId: unknown): boolean {
  return answers.some((a) => a[0] === 'e' && a[1] === callId)
    || answers.some((a) => a[0] === 'm' && a[1] === callId && (a[2]['status'] === 'success' || a[2]['status'] === 'error'));
}

describe('legacy bridge session (router/bridges/bridge-session.ts)', function () {
  let server: TestServer;
  const open: BridgeSession[] = [];
  before(async () => { server = await startTestServer(); });
  after(async () => {
    for (const s of open) s.close();
    await server.close();
  });

  async function join(credentials: BridgeCredentials): Promise<BridgeSession> {
    const auth = { ticket: { type: 'static' as const, principals: USERS } };
    const session = await BridgeSession.open({
      router: server.server.router, realm: 'asexor', uriPrefix: 'asexor', auth, credentials,
      transport: { kind: 'local', serializer: 'none', peer: 'test', protocol: 'asexor-legacy-test' }, logger: silentLogger(),
    });
    open.push(session);
    return session;
  }

  it('finds the user by token alone and runs a task: reply first, then started and success with the original fields', async () => {
    const session = await join({ kind: 'token', token: 'alice-ticket' });
    expect(session.authid).to.equal('alice');
    expect(session.authrole).to.equal('user');
    const sink = new RecordingSink();
    session.setSink(sink);
    session.submit(1, 'date', ['%Y'], { utc: true });
    await sink.until((a) => terminal(a, 1));
    const [reply, ...updates] = sink.answers;
    expect(reply?.[0]).to.equal('r');
    const taskId = reply?.[2];
    expect(taskId).to.match(/^[0-9a-f]{32}$/);
    expect(updates.map((u) => u[0])).to.deep.equal(['m', 'm']);
    expect(updates[0]?.[2]).to.deep.equal({ status: 'started', task_id: taskId });
    const success = updates[1]?.[2] as Record<string, unknown>;
    expect(Object.keys(success)).to.deep.equal(['status', 'result', 'duration', 'task_id']);
    expect(success['result']).to.equal(String(new Date().getUTCFullYear()));
    expect(success['duration']).to.be.a('number');
  });

  it('refuses an unknown token with the authenticator\'s reason', async () => {
    try {
      await join({ kind: 'token', token: 'nobody' });
      expect.fail('joined');
    } catch (error) {
      expect(error).to.be.instanceOf(BridgeJoinError);
      expect((error as BridgeJoinError).reason).to.equal('wamp.error.authentication_denied');
    }
  });

  it('gives the original texts for an unknown task and an unauthorised one, and keeps serving', async () => {
    const session = await join({ kind: 'token', token: 'bob-ticket' });
    const sink = new RecordingSink();
    session.setSink(sink);
    session.submit('x', 'no_such', [], {});
    session.submit(2, 'bad.name', [], {});
    session.submit(3, 'admin_only', [], {});
    session.submit(4, 'date', [], { nope: 1 });
    await sink.until((a) => a.filter((x) => x[0] === 'e').length === 4);
    const errors = new Map(sink.answers.filter((a) => a[0] === 'e').map((a) => [a[1], a[2]]));
    expect(errors.get('x')).to.equal('No task with name no_such');
    expect(errors.get(2)).to.equal('No task with name bad.name');
    expect(errors.get(3)).to.equal('Not authorised to run admin_only');
    expect(errors.get(4)).to.be.a('string').and.not.equal('');
  });

  it('joins a delegated user with the claimed role; an unknown role is refused', async () => {
    const session = await join({ kind: 'delegated', authid: 'pepa', authrole: 'user' });
    expect([session.authid, session.authrole]).to.deep.equal(['pepa', 'user']);
    try {
      await join({ kind: 'delegated', authid: 'pepa', authrole: 'emperor' });
      expect.fail('joined');
    } catch (error) {
      expect(error).to.be.instanceOf(BridgeJoinError);
    }
  });

  it('never delivers another user\'s updates', async () => {
    const alice = await join({ kind: 'token', token: 'alice-ticket' });
    const alice2 = await join({ kind: 'token', token: 'alice-ticket' });
    const bob = await join({ kind: 'token', token: 'bob-ticket' });
    const [a, a2, b] = [new RecordingSink(), new RecordingSink(), new RecordingSink()];
    alice.setSink(a); alice2.setSink(a2); bob.setSink(b);
    alice.submit(1, 'date', ['%Y'], {});
    await a.until((x) => terminal(x, 1));
    // A task of their own each, ended after alice's: an update of hers sent to them came before.
    alice2.submit(2, 'date', ['%Y'], {});
    bob.submit(3, 'date', ['%Y'], {});
    await Promise.all([a2.until((x) => terminal(x, 2)), b.until((x) => terminal(x, 3))]);
    expect(a2.answers.filter((x) => x[1] !== 2)).to.deep.equal([]); // the same user's other session did not submit it
    expect(b.answers.filter((x) => x[1] !== 3)).to.deep.equal([]);
  });
});
