import { expect } from 'chai';
import type { QueueJob } from '../../../worker/task-queue.ts';
import { WaitingRoom, type QueueEntry } from '../../../worker/task-queue-waiting-room.ts';

/** The rule, written the slow obvious way: best (priority, seq) among waiting tasks whose owner may run one more. */
function naiveNext(waiting: readonly QueueEntry[], running: ReadonlyMap<string, number>, maxRunning: number): QueueEntry | undefined {
  let best: QueueEntry | undefined;
  for (const e of waiting) {
    if ((running.get(e.job.owner) ?? 0) >= maxRunning) continue;
    if (best === undefined || e.priority < best.priority || (e.priority === best.priority && e.seq < best.seq)) best = e;
  }
  return best;
}

/** Small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const job = (id: number, owner: string, priority: number): QueueJob => ({ id: String(id), owner, priority, run: () => Promise.resolve() });

describe('WaitingRoom (task-queue-waiting-room.ts)', () => {
  for (const seed of [1, 2, 3, 42]) {
    it(`picks the same task as the naive rule through 3,000 random adds, cancels, starts and ends (seed ${seed})`, () => {
      const random = prng(seed);
      const maxRunning = 2;
      const room = new WaitingRoom(maxRunning);
      const waiting: QueueEntry[] = [];
      const running: QueueEntry[] = [];
      const runningBy = new Map<string, number>();
      for (let step = 0; step < 3000; step++) {
        const r = random();
        if (r < 0.45) {
          const priority = Math.floor(random() * 10);
          waiting.push(room.add(job(step, `u${Math.floor(random() * 6)}`, priority), priority));
        } else if (r < 0.6 && waiting.length > 0) {
          const [gone] = waiting.splice(Math.floor(random() * waiting.length), 1);
          if (gone) room.remove(gone);
        } else if (r < 0.85) {
          const expected = naiveNext(waiting, runningBy, maxRunning);
          const taken = room.take();
          expect(taken, `step ${step}`).to.equal(expected);
          if (taken) {
            waiting.splice(waiting.indexOf(taken), 1);
            running.push(taken);
            runningBy.set(taken.job.owner, (runningBy.get(taken.job.owner) ?? 0) + 1);
          }
        } else if (running.length > 0) {
          const [ended] = running.splice(Math.floor(random() * running.length), 1);
          if (ended) {
            room.release(ended.lane);
            runningBy.set(ended.job.owner, (runningBy.get(ended.job.owner) ?? 0) - 1);
          }
        }
        expect(room.size).to.equal(waiting.length);
      }
      for (let p = 0; p <= 9; p++) expect(room.countAt(p)).to.equal(waiting.filter((e) => e.priority === p).length);
    });
  }

  it('forgets a user once they have nothing waiting or running', () => {
    const room = new WaitingRoom(1);
    const a = room.add(job(1, 'alice', 4), 4);
    const b = room.add(job(2, 'alice', 4), 4);
    expect(room.users).to.equal(1);
    expect(room.take()).to.equal(a);
    room.remove(b);
    expect(room.peek('alice')).to.include({ running: 1, queued: 0 });
    room.release(a.lane);
    expect(room.users).to.equal(0);
    expect(room.peek('alice')).to.equal(undefined);
  });
});
