/** A FIFO whose `next` waits (with a timeout) for the next pushed item; `fail` rejects every waiter. */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  readonly #waiters: { resolve: (item: T) => void; reject: (error: Error) => void }[] = [];
  #failure: Error | undefined;
  readonly #what: string;

  /** @param what names the items in timeout messages, e.g. 'EVENT on com.example.topic' */
  constructor(what: string) {
    this.#what = what;
  }

  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.#items.push(item);
  }

  /** Items pushed and not yet taken. */
  get pending(): readonly T[] {
    return this.#items;
  }

  next(timeoutMs = 3_000): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift() as T);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no ${this.#what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        resolve: (item: T) => { clearTimeout(timer); resolve(item); },
        reject: (error: Error) => { clearTimeout(timer); reject(error); },
      };
      this.#waiters.push(waiter);
    });
  }

  /** No more items will come: reject current and future waiters (buffered items stay takeable). */
  fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }
}
