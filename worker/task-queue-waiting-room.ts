/**
 * Where accepted tasks wait for a slot: one lane per user, and per priority a ring of the users who
 * may start a task, served in turn (round-robin).
 *
 * The next task to start: the lowest priority number that has a user who may start a task (waiting
 * tasks and running < `maxRunning`); among those users, the one whose turn it is; that user's earliest
 * task of that priority. A user who gets a slot goes to the back of the ring, so within a priority
 * users take turns (a user with 1,000 waiting tasks and a user with 1 each get the next free slot in
 * turn) and each user's own tasks start in submission order. Priorities stay strict between rings.
 * A user at the limit keeps their tasks and blocks nobody else (no head-of-line blocking); when they
 * may run again they join the back of their ring.
 *
 * - A lane is a doubly linked list of the user's waiting tasks, sorted by priority then submission
 *   order, with a tail pointer per priority: adding is O(10), removing any task is O(1).
 * - A ring is a doubly linked list of lanes (links in the lane), one per priority; a lane is in the
 *   ring of its first waiting task's priority exactly while it may start a task. Adding, taking,
 *   cancelling and ending are O(1) (plus a scan of the ten rings to take).
 * - The links live in the entry itself, so a waiting task costs one small object and one Map slot.
 */
import type { QueueJob } from './task-queue.ts';

/** Lifecycle of an accepted task. `starting`: it holds a slot and its run begins in the next microtask. */
export type EntryState = 'queued' | 'starting' | 'running' | 'cancelled';

/** One accepted task, from submit until it settles. Kept small: the queue may hold 10k+ of them. */
export interface QueueEntry {
  readonly job: QueueJob;
  readonly priority: number;
  readonly lane: Lane;
  prev: QueueEntry | undefined;
  next: QueueEntry | undefined;
  state: EntryState;
  controller: AbortController | undefined;
}

/** One user's waiting tasks and running count. */
export interface Lane {
  readonly owner: string;
  running: number;
  queued: number;
  head: QueueEntry | undefined;
  /** Last waiting task of each priority, or undefined. */
  readonly tails: (QueueEntry | undefined)[];
  /** The priority whose ring holds this lane; -1 when in no ring (nothing waiting, or at maxRunning). */
  ring: number;
  ringPrev: Lane | undefined;
  ringNext: Lane | undefined;
}

const PRIORITY_LEVELS = 10;

export class WaitingRoom {
  readonly #maxRunning: number;
  readonly #lanes = new Map<string, Lane>();
  /** Per priority: the first and last lane of its ring (the next to be served is the first). */
  readonly #ringHead: (Lane | undefined)[] = new Array<undefined>(PRIORITY_LEVELS).fill(undefined);
  readonly #ringTail: (Lane | undefined)[] = new Array<undefined>(PRIORITY_LEVELS).fill(undefined);
  readonly #byPriority: number[] = new Array<number>(PRIORITY_LEVELS).fill(0);
  #size = 0;

  constructor(maxRunning: number) {
    this.#maxRunning = maxRunning;
  }

  /** Waiting tasks, all users. */
  get size(): number {
    return this.#size;
  }

  /** Users with waiting or running tasks. */
  get users(): number {
    return this.#lanes.size;
  }

  /** Waiting tasks per priority (index = priority). */
  countAt(priority: number): number {
    return this.#byPriority[priority] ?? 0;
  }

  /** The user's lane if they have waiting or running tasks; never creates one. */
  peek(owner: string): Lane | undefined {
    return this.#lanes.get(owner);
  }

  /** A new waiting entry for `job`, linked into its owner's lane. `priority` must be 0..9. */
  add(job: QueueJob, priority: number): QueueEntry {
    let lane = this.#lanes.get(job.owner);
    if (lane === undefined) {
      lane = { owner: job.owner, running: 0, queued: 0, head: undefined, tails: new Array<undefined>(PRIORITY_LEVELS).fill(undefined), ring: -1, ringPrev: undefined, ringNext: undefined };
      this.#lanes.set(job.owner, lane);
    }
    const entry: QueueEntry = { job, priority, lane, prev: undefined, next: undefined, state: 'queued', controller: undefined };
    let before: QueueEntry | undefined;
    for (let p = priority; p >= 0 && before === undefined; p--) before = lane.tails[p];
    entry.prev = before;
    entry.next = before === undefined ? lane.head : before.next;
    if (entry.next !== undefined) entry.next.prev = entry;
    if (before === undefined) lane.head = entry;
    else before.next = entry;
    lane.tails[priority] = entry;
    lane.queued++;
    this.#size++;
    this.#byPriority[priority] = this.countAt(priority) + 1;
    this.#reposition(lane, false);
    return entry;
  }

  /** Removes a waiting entry (a cancel). */
  remove(entry: QueueEntry): void {
    this.#unlink(entry);
    this.#reposition(entry.lane, false);
    this.#dropIfIdle(entry.lane);
  }

  /** Takes the next task to start, counting it as running for its owner; undefined if none may start. */
  take(): QueueEntry | undefined {
    let lane: Lane | undefined;
    for (let p = 0; p < PRIORITY_LEVELS && lane === undefined; p++) lane = this.#ringHead[p];
    const entry = lane?.head;
    if (lane === undefined || entry === undefined) return undefined;
    this.#unlink(entry);
    lane.running++;
    this.#reposition(lane, true); // its turn is used: to the back of its ring
    return entry;
  }

  /** A task of `lane` that was taken has ended. */
  release(lane: Lane): void {
    lane.running--;
    this.#reposition(lane, false);
    this.#dropIfIdle(lane);
  }

  #unlink(entry: QueueEntry): void {
    const { lane, prev, next, priority } = entry;
    if (prev === undefined) lane.head = next;
    else prev.next = next;
    if (next !== undefined) next.prev = prev;
    if (lane.tails[priority] === entry) lane.tails[priority] = prev?.priority === priority ? prev : undefined;
    entry.prev = undefined;
    entry.next = undefined;
    lane.queued--;
    this.#size--;
    this.#byPriority[priority] = this.countAt(priority) - 1;
  }

  #dropIfIdle(lane: Lane): void {
    if (lane.queued === 0 && lane.running === 0) this.#lanes.delete(lane.owner);
  }

  /**
   * Restores "in the ring of its first task's priority ⇔ has waiting tasks and may run one more".
   * A lane that stays in the same ring keeps its turn unless `toBack` (it was just served); one that
   * joins a ring (again, or another one) joins at the back.
   */
  #reposition(lane: Lane, toBack: boolean): void {
    const target = lane.head !== undefined && lane.running < this.#maxRunning ? lane.head.priority : -1;
    if (lane.ring === target && !toBack) return;
    if (lane.ring >= 0) this.#leaveRing(lane);
    if (target >= 0) this.#joinRing(lane, target);
  }

  #joinRing(lane: Lane, ring: number): void {
    const tail = this.#ringTail[ring];
    lane.ring = ring;
    lane.ringPrev = tail;
    lane.ringNext = undefined;
    if (tail === undefined) this.#ringHead[ring] = lane;
    else tail.ringNext = lane;
    this.#ringTail[ring] = lane;
  }

  #leaveRing(lane: Lane): void {
    const { ring, ringPrev, ringNext } = lane;
    if (ringPrev === undefined) this.#ringHead[ring] = ringNext;
    else ringPrev.ringNext = ringNext;
    if (ringNext === undefined) this.#ringTail[ring] = ringPrev;
    else ringNext.ringPrev = ringPrev;
    lane.ring = -1;
    lane.ringPrev = undefined;
    lane.ringNext = undefined;
  }
}
