/** A WAMP ERROR received as the answer to a call, turned into a throwable value. */
export class WampCallError extends Error {
  readonly error: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  constructor(error: string, args: readonly unknown[] = [], kwargs: Readonly<Record<string, unknown>> = {}) {
    super(typeof args[0] === 'string' ? `${error}: ${args[0]}` : error);
    this.name = 'WampCallError';
    this.error = error;
    this.args = args;
    this.kwargs = kwargs;
  }
}
