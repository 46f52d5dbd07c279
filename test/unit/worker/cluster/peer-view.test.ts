import { expect } from 'chai';
import type { TaskStatusEvent } from '../../../../shared/task-status.ts';
import { forwardedArgs, leftSession, parseForwarded, parsePresence } from '../../../../worker/cluster/cluster-messages.ts';
import { PeerView } from '../../../../worker/cluster/peer-view.ts';

const at = '2026-12-04T00:00:00.000Z';
const queued = (id: string): TaskStatusEvent => ({ task_id: id, task: 'nap', at, status: 'queued' });
const lost = (id: string): TaskStatusEvent => ({ task_id: id, task: 'nap', at, status: 'error', error: { code: 'ERR_WORKER_LOST', message: 'gone' }, duration: 0 });

describe('PeerView (what a worker knows of the others, docs/many-workers.md)', () => {
  it('follows presence, session leaves and open tasks', () => {
    const view = new PeerView('bbbbbbbb');
    view.present('aaaaaaaa', 1, [['aaaaaaaa01', 'alice', 'nap']]);
    view.present('cccccccc', 3, []);
    view.present('bbbbbbbb', 2, [['bbbbbbbb01', 'alice', 'nap']]); // itself: ignored
    expect(view.peers.sort()).to.deep.equal(['aaaaaaaa', 'cccccccc']);
    expect(view.elected(), 'aaaaaaaa is smaller').to.equal(false);

    view.observe('aaaaaaaa', 'bob', queued('aaaaaaaa02'), false);
    view.observe('aaaaaaaa', 'alice', lost('aaaaaaaa01'), true);
    expect(view.sessionLeft(99), 'not a worker').to.equal(undefined);
    expect(view.sessionLeft(1)).to.equal('aaaaaaaa');
    expect(view.isLive('aaaaaaaa')).to.equal(false);
    expect(view.elected(), 'now the smallest connected').to.equal(true);
    expect(view.takeOpen('aaaaaaaa')).to.deep.equal([{ taskId: 'aaaaaaaa02', owner: 'bob', task: 'nap' }]);
    expect(view.takeOpen('aaaaaaaa'), 'taken once').to.deep.equal([]);
  });

  it('keeps what it ended of a departed worker until that worker asks, once', () => {
    const view = new PeerView('bbbbbbbb');
    view.recordEnded('aaaaaaaa', 'alice', lost('aaaaaaaa01'));
    view.recordEnded('aaaaaaaa', 'alice', lost('aaaaaaaa01'));
    expect(view.takeEnded('aaaaaaaa')).to.deep.equal([['alice', lost('aaaaaaaa01')]]);
    expect(view.takeEnded('aaaaaaaa')).to.deep.equal([]);
  });

  it('forgets who is connected when its own session ends (a new session relearns it)', () => {
    const view = new PeerView('bbbbbbbb');
    view.present('aaaaaaaa', 1, []);
    view.disconnected();
    expect(view.peers).to.deep.equal([]);
    expect(view.sessionLeft(1)).to.equal(undefined);
  });
});

describe('cluster messages (parsed in one place: malformed ones are refused)', () => {
  it('parses presence messages and refuses malformed ones', () => {
    const hello = { kind: 'hello', worker: 'aaaaaaaa', session: 5, open: [['aaaaaaaa01', 'alice', 'nap']] };
    expect(parsePresence(hello)).to.deep.equal(hello);
    const reply = { kind: 'here', worker: 'cccccccc', session: 6, open: [], to: 'aaaaaaaa', ended: [['alice', lost('aaaaaaaa01')]] };
    expect(parsePresence(reply)).to.deep.equal(reply);
    for (const bad of [
      {}, { ...hello, kind: 'bye' }, { ...hello, worker: 'AAAAAAAA' }, { ...hello, worker: 'a.b' }, { ...hello, session: '5' },
      { ...hello, session: 1.5 }, { ...hello, open: 'x' }, { ...hello, open: [['a', 'b']] }, { ...hello, open: [[1, 'b', 'c']] },
      { ...reply, ended: [['alice', queued('x')]] }, { ...reply, ended: 'x' }, { ...reply, to: 5 },
    ]) expect(parsePresence(bad), JSON.stringify(bad)).to.equal(undefined);
  });

  it('round-trips forwarded control calls and refuses malformed ones', () => {
    const caller = { authid: 'alice', authrole: 'user' };
    expect(parseForwarded(forwardedArgs('status', caller, ['id']))).to.deep.equal({ op: 'status', caller, args: ['id'] });
    for (const bad of [[], ['drop', 'alice', 'user'], ['status', '', 'user'], ['status', 'alice', 5], [5, 'alice', 'user']]) {
      expect(parseForwarded(bad), JSON.stringify(bad)).to.equal(undefined);
    }
  });

  it('reads the session id of wamp.session.on_leave (ours and Crossbar.io\'s)', () => {
    expect(leftSession([42, 'alice', 'user'])).to.equal(42);
    expect(leftSession([42])).to.equal(42);
    expect(leftSession(['42'])).to.equal(undefined);
    expect(leftSession([])).to.equal(undefined);
  });
});
