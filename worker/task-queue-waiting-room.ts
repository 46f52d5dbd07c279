/**
 * Where accepted tasks wait for a slot: one lane per user, and a heap of the users who may start a task.
 *
 * The next task to start is the best (lowest priority number, then earliest submission) among the
 * waiting tasks whose owner runs fewer than `maxRunning` tasks. A user at the limit keeps their place
 * and blocks nobody else (no head-of-line blocking).
 *
 * - A lane is a doubly linked list of the user's waiting tasks, sorted by priority then submission
 *   order, with a tail pointer per priority: adding is O(10), removing any task is O(1).
 * - The heap holds the users who may start a task (waiting tasks and running < maxRunning), keyed by
 *   their lane's first task, each user knowing its heap index: O(log users) to add, take or cancel.
 * - The links live in the entry itself, so a waiting task costs one small object and one Map slot.
 */
import type { QueueJob } from './task-queue.ts';

/** Lifecycle of an accepted task. `starting`: it holds a slot and its run begins in the next microtask. */
export type EntryState = 'queued' | 'starting' | 'running' | 'cancelled';

/** One accepted task, from submit until it settles. Kept small: the queue may hold 10k+ of them. */
export interface QueueEntry {
  readonly job: QueueJob;
  readonly priority: number;
  readonly seq: number;
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
  /** Index in the ready heap; -1 when not in it. */
  heapIndex: number;
}

const PRIORITY_LEVELS = 10;
/** Heap key = priority * SEQ_SPAN + seq: exact in a double while seq < 2^48 (ten priorities). */
const SEQ_SPAN = 2 ** 48;

function keyOf(lane: Lane): number {
  const head = lane.head;
  return head === undefined ? Infinity : head.priority * SEQ_SPAN + head.seq;
}

export class WaitingRoom {
  readonly #maxRunning: number;
  readonly #lanes = new Map<string, Lane>();
  readonly #ready: Lane[] = [];
  readonly #byPriority: number[] = new Array<number>(PRIORITY_LEVELS).fill(0);
  #size = 0;
  #seq = 0;

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
      lane = { owner: job.owner, running: 0, queued: 0, head: undefined, tails: new Array<undefined>(PRIORITY_LEVELS).fill(undefined), heapIndex: -1 };
      this.#lanes.set(job.owner, lane);
    }
    const entry: QueueEntry = { job, priority, seq: this.#seq++, lane, prev: undefined, next: undefined, state: 'queued', controller: undefined };
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
    this.#reposition(lane);
    return entry;
  }

  /** Removes a waiting entry (a cancel). */
  remove(entry: QueueEntry): void {
    this.#unlink(entry);
    this.#reposition(entry.lane);
    this.#dropIfIdle(entry.lane);
  }

  /** Takes the next task to start, counting it as running for its owner; undefined if none may start. */
  take(): QueueEntry | undefined {
    const lane = this.#ready[0];
    const entry = lane?.head;
    if (lane === undefined || entry === undefined) return undefined;
    this.#unlink(entry);
    lane.running++;
    this.#reposition(lane);
    return entry;
  }

  /** A task of `lane` that was taken has ended. */
  release(lane: Lane): void {
    lane.running--;
    this.#reposition(lane);
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

  /** Restores "in the heap ⇔ has waiting tasks and may run one more", and the heap order. */
  #reposition(lane: Lane): void {
    const eligible = lane.head !== undefined && lane.running < this.#maxRunning;
    if (lane.heapIndex < 0) {
      if (!eligible) return;
      lane.heapIndex = this.#ready.length;
      this.#ready.push(lane);
      this.#siftUp(lane.heapIndex);
    } else if (!eligible) {
      this.#removeAt(lane.heapIndex);
    } else {
      this.#siftUp(lane.heapIndex);
      this.#siftDown(lane.heapIndex);
    }
  }

  #removeAt(index: number): void {
    const heap = this.#ready;
    const removed = heap[index];
    const last = heap.pop();
    if (removed !== undefined) removed.heapIndex = -1;
    if (last === undefined || last === removed) return;
    heap[index] = last;
    last.heapIndex = index;
    this.#siftUp(index);
    this.#siftDown(last.heapIndex);
  }

  #siftUp(start: number): void {
    const heap = this.#ready;
    const lane = heap[start];
    if (lane === undefined) return;
    const key = keyOf(lane);
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (parent === undefined || keyOf(parent) <= key) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = lane;
    lane.heapIndex = index;
  }

  #siftDown(start: number): void {
    const heap = this.#ready;
    const lane = heap[start];
    if (lane === undefined) return;
    const key = keyOf(lane);
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let best = index;
      let bestKey = key;
      const l = heap[left];
      if (l !== undefined && keyOf(l) < bestKey) { best = left; bestKey = keyOf(l); }
      const r = heap[right];
      if (r !== undefined && keyOf(r) < bestKey) best = right;
      if (best === index) break;
      const child = heap[best];
      if (child === undefined) break;
      heap[index] = child;
      child.heapIndex = index;
      index = best;
    }
    heap[index] = lane;
    lane.heapIndex = index;
  }
}
