/**
 * The embedded worker's lean in-process connection (worker/local-connection.ts, local-session.ts)
 * against a real Router: ticket join, REGISTER, INVOCATION answered as autobahn-js would (value,
 * Result, autobahn Error, progress), PUBLISH, a refused join, a kill by the router (join again).
 */
import { once } from 'node:events';
import { expect } from 'chai';
import { createRouter, type Router } from '../../../router/index.ts';
import type { TransportAuthConfig } from '../../../shared/config/types.ts';
import { WorkerJoinError } from '../../../shared/errors.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import { autobahn } from '../../../shared/autobahn.ts';
import { LocalWorkerConnection } from '../../../worker/local-connection.ts';
import type { WorkerSession } from '../../../worker/worker-session.ts';
import { LocalTestClient } from '../../helpers/local-client.ts';
import { openRealm } from '../../helpers/router-fixtures.ts';

const AUTH: TransportAuthConfig = { ticket: { type: 'static', principals: { worker: { ticket: 'secret', role: 'anonymous' } } } };

describe('LocalWorkerConnection (lean in-process session of the embedded worker)', () => {
  let router: Router;
  let connection: LocalWorkerConnection | undefined;

  beforeEach(() => {
    router = createRouter({ realms: [openRealm('realm1')] });
  });
  afterEach(async () => {
    await connection?.close();
    connection = undefined;
    await router.close();
  });

  function connect(ticket: string, onJoin: (session: WorkerSession) => Promise<void>, onLeave: (reason: string) => void = () => undefined): LocalWorkerConnection {
    connection = new LocalWorkerConnection({
      router, auth: AUTH, realm: 'realm1', authid: 'worker', ticket, logger: silentLogger(), retry: { initialDelayMs: 10, maxDelayMs: 20 }, onJoin, onLeave,
    });
    connection.open();
    return connection;
  }

  it('registers, answers INVOCATIONs like autobahn-js and publishes', async () => {
    const joined = new Promise<WorkerSession>((resolve) => {
      connect('secret', async (session) => {
        await session.register('com.example.value', (args) => ({ got: args[0] }));
        await session.register('com.example.result', (_args, kwargs) => Promise.resolve(new autobahn.Result([1], { echo: kwargs['x'] })));
        await session.register('com.example.error', () => { throw new autobahn.Error('com.example.oops', ['bad'], { why: 1 }); }); // eslint-disable-line @typescript-eslint/only-throw-error -- autobahn's Error type
        await session.register('com.example.progress', (_args, _kwargs, details) => {
          details.progress?.([], { step: 1 });
          return 'done';
        });
        resolve(session);
      });
    });
    const session = await joined;
    expect(session.isOpen).to.equal(true);
    const caller = await LocalTestClient.join(router, 'realm1');

    const value = await caller.call('com.example.value', [41]);
    expect(value).to.include({ type: MessageType.RESULT }).and.to.deep.include({ args: [{ got: 41 }] });

    const result = await caller.request({ type: MessageType.CALL, request: caller.nextRequestId(), options: {}, procedure: 'com.example.result', args: [], kwargs: { x: 'y' } });
    expect(result).to.deep.include({ type: MessageType.RESULT, args: [1], kwargs: { echo: 'y' } });

    const error = await caller.call('com.example.error');
    expect(error).to.deep.include({ type: MessageType.ERROR, error: 'com.example.oops', args: ['bad'], kwargs: { why: 1 } });

    const request = caller.nextRequestId();
    caller.send({ type: MessageType.CALL, request, options: { receive_progress: true }, procedure: 'com.example.progress' });
    const progress = await caller.waitFor((m) => m.type === MessageType.RESULT && m.details['progress'] === true);
    expect(progress).to.deep.include({ kwargs: { step: 1 } });
    expect(await caller.waitFor((m) => m.type === MessageType.RESULT)).to.deep.include({ args: ['done'] });

    await caller.subscribe('com.example.topic');
    session.publish('com.example.topic', [], { n: 1 }, { acknowledge: false });
    expect(await caller.expect(MessageType.EVENT)).to.deep.include({ kwargs: { n: 1 } });
    await session.publish('com.example.topic', [2], {}, { acknowledge: true });
    expect(await caller.expect(MessageType.EVENT)).to.deep.include({ args: [2] });
    await caller.close();
  });

  it('emits failed with WorkerJoinError and stops when the router refuses the ticket', async () => {
    const link = connect('wrong', () => Promise.resolve());
    const [error] = await once(link, 'failed') as [WorkerJoinError];
    expect(error).to.be.instanceOf(WorkerJoinError);
    expect(link.failure).to.equal(error);
  });

  it('joins again after the router ends its session (meta API kill)', async () => {
    const joins: number[] = [];
    const leaves: string[] = [];
    let rejoined: () => void = () => undefined;
    const second = new Promise<void>((resolve) => { rejoined = resolve; });
    connect('secret', (session) => {
      joins.push(session.id ?? 0);
      if (joins.length === 2) rejoined();
      return Promise.resolve();
    }, (reason) => { leaves.push(reason); });
    const admin = await LocalTestClient.join(router, 'realm1');
    while (joins.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const killed = await admin.call('wamp.session.kill', [joins[0]]);
    expect(killed.type).to.equal(MessageType.RESULT);
    await second;
    expect(leaves).to.deep.equal(['wamp.close.killed']);
    expect(joins[1]).to.not.equal(joins[0]);
    await admin.close();
  });
});
