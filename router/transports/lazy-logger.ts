/**
 * A connection's child logger, made on first use: most connections never log, and a pino child costs
 * about 300 bytes per connection (docs/router-memory.md). Shared by the peers and their send path.
 */
import type { Logger } from '../../shared/logger.ts';

export class LazyLogger {
  #logger: Logger;
  #bindings: Readonly<Record<string, unknown>> | undefined;

  /** @param bindings the child's bindings; without them `get()` is `logger` itself. */
  constructor(logger: Logger, bindings?: Readonly<Record<string, unknown>>) {
    this.#logger = logger;
    this.#bindings = bindings;
  }

  get(): Logger {
    if (this.#bindings !== undefined) {
      this.#logger = this.#logger.child(this.#bindings);
      this.#bindings = undefined;
    }
    return this.#logger;
  }
}
