/**
 * Holds items (the task service's status events) until the journal batch they were recorded in is
 * committed, then delivers them in order from a later macrotask: the replies that waited for the same
 * commit (promise callbacks) go out first (docs/task-semantics.md: reply before update).
 */
export class CommitGate<T> {
  readonly #deliver: (item: T) => void;
  /** Recorded in the batch being collected. */
  #held: T[] = [];
  /** Of committed batches, not delivered yet. */
  #ready: T[] = [];
  #scheduled = false;

  constructor(deliver: (item: T) => void) {
    this.#deliver = deliver;
  }

  hold(item: T): void {
    this.#held.push(item);
  }

  /** The batch was committed (or failed: its items still go out, the in-memory state is the truth). */
  release(): void {
    const held = this.#held;
    this.#held = [];
    this.#ready = this.#ready.length === 0 ? held : this.#ready.concat(held);
    if (this.#scheduled || this.#ready.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => { this.#flush(); });
  }

  #flush(): void {
    this.#scheduled = false;
    const ready = this.#ready;
    this.#ready = [];
    for (const item of ready) this.#deliver(item);
  }
}
