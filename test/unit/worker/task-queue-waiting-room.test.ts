import { expect } from 'chai';
import type { QueueJob } from '../../../worker/task-queue.ts';
import { WaitingRoom, type QueueEntry } from '../../../worker/task-queue-waiting-room.ts';

/**
 * The rule, written the slow obvious way: a user may start a task when they have waiting tasks and run
 * fewer than `maxRunning`; their candidate is their best (priority, submission order) task. The next
 * task is the candidate of best priority; among equal ones, the user with the oldest turn stamp. A
 * user's stamp is renewed when they are served, when they become able to start a task, and when
 * their candidate's priority changes (round-robin within a priority).
 */
class NaiveRoom {
  readonly waiting: QueueEntry[] = [];
  readonly running = new Map<string, number>();
  readonly #order = new Map<QueueEntry, number>();
  readonly #stamp = new Map<string, number>();
  readonly #seen = new Map<string, number | undefined>();
  #clock = 0;
  readonly maxRunning: number;
  constructor(maxRunning: number) {
    this.maxRunning = maxRunning;
  }

  candidate(owner: string): QueueEntry | undefined {
    if ((this.running.get(owner) ?? 0) >= this.maxRunning) return undefined;
    let best: QueueEntry | undefined;
    for (const e of this.waiting) {
      if (e.job.owner !== owner) continue;
      if (best === undefined || e.priority < best.priority || (e.priority === best.priority && this.orderOf(e) < this.orderOf(best))) best = e;
    }
    return best;
  }
  orderOf(e: QueueEntry): number {
    return this.#order.get(e) ?? Infinity;
  }
  added(e: QueueEntry): void {
    this.#order.set(e, this.#clock++);
    this.waiting.push(e);
    this.#update(e.job.owner, false);
  }
  removed(e: QueueEntry): void {
    this.waiting.splice(this.waiting.indexOf(e), 1);
    this.#update(e.job.owner, false);
  }
  taken(e: QueueEntry): void {
    this.waiting.splice(this.waiting.indexOf(e), 1);
    this.running.set(e.job.owner, (this.running.get(e.job.owner) ?? 0) + 1);
    this.#update(e.job.owner, true);
  }
  released(owner: string): void {
    this.running.set(owner, (this.running.get(owner) ?? 0) - 1);
    this.#update(owner, false);
  }
  next(): QueueEntry | undefined {
    let best: QueueEntry | undefined;
    for (const owner of new Set(this.waiting.map((e) => e.job.owner))) {
      const c = this.candidate(owner);
      if (c === undefined) continue;
      if (best === undefined || c.priority < best.priority
        || (c.priority === best.priority && (this.#stamp.get(owner) ?? 0) < (this.#stamp.get(best.job.owner) ?? 0))) best = c;
    }
    return best;
  }
  #update(owner: string, served: boolean): void {
    const priority = this.candidate(owner)?.priority;
    if (priority !== undefined && (served || this.#seen.get(owner) !== priority)) this.#stamp.set(owner, this.#clock++);
    this.#seen.set(owner, priority);
  }
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
    it(`picks the same task as the naive round-robin rule through 3,000 random adds, cancels, starts and ends (seed ${seed})`, () => {
      const random = prng(seed);
      const maxRunning = 2;
      const room = new WaitingRoom(maxRunning);
      const naive = new NaiveRoom(maxRunning);
      const running: QueueEntry[] = [];
      for (let step = 0; step < 3000; step++) {
        const r = random();
        if (r < 0.45) {
          const priority = Math.floor(random() * 10);
          naive.added(room.add(job(step, `u${Math.floor(random() * 6)}`, priority), priority));
        } else if (r < 0.6 && naive.waiting.length > 0) {
          const gone = naive.waiting[Math.floor(random() * naive.waiting.length)];
          if (gone) {
            room.remove(gone);
            naive.removed(gone);
          }
        } else if (r < 0.85) {
          const expected = naive.next();
          const taken = room.take();
          expect(taken, `step ${step}`).to.equal(expected);
          if (taken) {
            naive.taken(taken);
            running.push(taken);
          }
        } else if (running.length > 0) {
          const [ended] = running.splice(Math.floor(random() * running.length), 1);
          if (ended) {
            room.release(ended.lane);
            naive.released(ended.job.owner);
          }
        }
        expect(room.size).to.equal(naive.waiting.length);
      }
      for (let p = 0; p <= 9; p++) expect(room.countAt(p)).to.equal(naive.waiting.filter((e) => e.priority === p).length);
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
