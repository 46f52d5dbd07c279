/**
 * The original ASEXOR's WAMP API (docs/legacy-wamp-api.md), registered by the worker only when
 * `asexor.legacy.wampApi.enabled`:
 * - `procedure` (default `eu.zderadicka.asexor.run_task`): `call(procedure, [task_name, ...task_args],
 *   task_kwargs)` → the task id. The same submit as `<prefix>.task.NAME` (validation, the task's
 *   precheck before queueing, priorities, limits, the role check) for the caller the router disclosed; a refusal is an ERROR
 *   `wamp.error.runtime_error` with `args = [the original's text]` and `kwargs = {code, message, uri}`
 *   (`uri`: our `<prefix>.error.*`).
 * - `topic` (default `eu.zderadicka.asexor.task_update`): the updates of the tasks submitted through
 *   the procedure, `args = [task_id]`, `kwargs` = the original's update fields (shared/legacy/update.ts),
 *   published only to the calling session (`eligible`). `queued` is not sent.
 * Only tasks submitted here carry a listener: other tasks cost nothing. Their first event is delivered
 * a macrotask after the submit returned (worker/task-service.ts), so the RESULT goes out first.
 */
import { CallerNotDisclosedError, cutText, NoSuchTaskError } from '../shared/errors.ts';
import { legacyErrorText } from '../shared/legacy/error-text.ts';
import type { LegacyWampApiSettings } from '../shared/legacy/settings.ts';
import { legacyUpdateFields } from '../shared/legacy/update.ts';
import type { Logger } from '../shared/logger.ts';
import type { TaskStatusEvent } from '../shared/task-status.ts';
import { WampErrorUri } from '../shared/wamp/uris.ts';
import { autobahn, type AbEndpoint, type AbError, type Dict } from '../shared/autobahn.ts';
import type { TaskApi } from './task-api.ts';
import type { Submitted } from './task-service.ts';
import { toWampError } from './wamp-error.ts';
import { callerOf } from './worker.ts';
import type { WorkerSession } from './worker-session.ts';

export interface LegacyWampApiOptions {
  readonly settings: LegacyWampApiSettings;
  readonly service: TaskApi;
  readonly uriPrefix: string;
  readonly logger: Logger;
}

/** A shared registration like the task procedures, with the caller disclosed. */
const REGISTER_OPTIONS: Dict = Object.freeze({ invoke: 'roundrobin', disclose_caller: true });

export class LegacyWampApi {
  readonly #settings: LegacyWampApiSettings;
  readonly #service: TaskApi;
  readonly #prefix: string;
  readonly #log: Logger;
  /** The session of the latest join: updates go through it (a task may outlive a worker reconnect). */
  #session: WorkerSession | undefined;
  /** Whether the session's first update was published with `acknowledge` (a refusal is logged once). */
  #checked = false;

  constructor(options: LegacyWampApiOptions) {
    this.#settings = options.settings;
    this.#service = options.service;
    this.#prefix = options.uriPrefix;
    this.#log = options.logger.child({ component: 'legacy-wamp-api' });
  }

  /** The registration for a freshly joined session, which publishes the updates from now on. */
  registration(session: WorkerSession): [string, AbEndpoint, Dict] {
    this.#session = session;
    this.#checked = false;
    return [this.#settings.procedure, (args, kwargs, details) => this.#runTask(args, kwargs, details), REGISTER_OPTIONS];
  }

  #runTask(args: unknown[], kwargs: Dict, details: Parameters<AbEndpoint>[2]): string | Promise<string> {
    const [name, ...taskArgs] = args;
    const task = typeof name === 'string' ? name : String(name);
    /* eslint-disable @typescript-eslint/only-throw-error -- autobahn sends an ERROR with a URI only for its own Error type */
    try {
      const caller = callerOf(details);
      // The updates go to the calling session only: without its id there is nobody to send them to.
      if (caller.session === undefined) throw new CallerNotDisclosedError();
      if (typeof name !== 'string' || name === '') throw new NoSuchTaskError(task);
      const options: Dict = { eligible: [caller.session], eligible_authid: [caller.authid] };
      // The precheck (e.g. convert's input file exists) refuses before queueing, as for asexor.task.NAME.
      const submitted = this.#service.submitChecked(caller, name, taskArgs, kwargs, { onEvent: (event) => { this.#publish(event, options); } });
      if (!(submitted instanceof Promise)) return this.#idOf(submitted, task);
      return submitted.then((accepted) => this.#idOf(accepted, task), (error: unknown) => { throw this.#legacyError(error, task); });
    } catch (error) {
      throw this.#legacyError(error, task);
    }
    /* eslint-enable @typescript-eslint/only-throw-error */
  }

  /** The id; with a journal it goes out once the task is on disk, as for asexor.task.NAME (docs/durability.md). */
  #idOf(submitted: Submitted, task: string): string | Promise<string> {
    if (submitted.committed === undefined) return submitted.taskId;
    /* eslint-disable-next-line @typescript-eslint/only-throw-error -- autobahn sends an ERROR with a URI only for its own Error type */
    return submitted.committed.then(() => submitted.taskId, (error: unknown) => { throw this.#legacyError(error, task); });
  }

  #publish(event: TaskStatusEvent, options: Dict): void {
    const fields = legacyUpdateFields(event);
    const session = this.#session;
    if (fields === undefined || session?.isOpen !== true) return;
    if (this.#checked) {
      session.publish(this.#settings.topic, [event.task_id], fields, options);
      return;
    }
    // An unacknowledged PUBLISH the router refuses is dropped without a word: ask once per session.
    this.#checked = true;
    session.publish(this.#settings.topic, [event.task_id], fields, { ...options, acknowledge: true })?.then(undefined, (error: unknown) => {
      if (session.isOpen) this.#log.error({ err: error, topic: this.#settings.topic }, 'the router refused an update of the original WAMP API (the worker role needs permission to publish on the topic)');
    });
  }

  /** Our ERROR (worker/wamp-error.ts) as the original's: runtime_error with its text; our URI stays in kwargs. */
  #legacyError(error: unknown, task: string): AbError {
    const ours = toWampError(error, this.#prefix, this.#log);
    const message = typeof ours.args[0] === 'string' ? ours.args[0] : undefined;
    // The task name is the client's own: quoted with at most 200 characters (docs/input-limits.md).
    return new autobahn.Error(WampErrorUri.runtimeError, [legacyErrorText(cutText(task, 200), ours.error, message)], { ...ours.kwargs, uri: ours.error });
  }
}
