/**
 * `import { connect } from 'asexor/client'`: a small typed Node client of the WAMP API (docs/worker.md,
 * "The worker: serve, CLI, WAMP API") for other services. It is the CLI's connection (cli/client.ts:
 * autobahn-js over WebSocket, ticket or WAMP-CRA, calls that reject when the connection is lost) with
 * one method per procedure. A refused call rejects with autobahn's error object `{error, args,
 * kwargs: {code, message, …}}` (`isCallError`, `describeError`); a failed connection with
 * ClientConnectError (shared/errors.ts).
 */
import { isAbError, resultKwargs, type AbError } from '../shared/autobahn.ts';
import type { TaskStatusEvent } from '../shared/task-status.ts';
import { controlProcedure, DEFAULT_URI_PREFIX, statusTopic, taskProcedure } from '../shared/wamp/app-uris.ts';
import { connectClient, DEFAULT_REALM, DEFAULT_URL, describeError, type ClientSession } from '../cli/client.ts';

export { ClientConnectError } from '../shared/errors.ts';
export type { TaskErrorInfo, TaskStatus, TaskStatusEvent } from '../shared/task-status.ts';
export { describeError };

/** A call the server refused or a task that did not succeed (progressive `run`): autobahn's error object. */
export type CallError = AbError;

export interface ConnectOptions {
  /** @default 'ws://127.0.0.1:8484/ws' */
  readonly url?: string;
  /** @default 'asexor' */
  readonly realm?: string;
  readonly authid: string;
  /** Ticket authentication; give this or `secret`. */
  readonly ticket?: string;
  /** WAMP-CRA secret (salted users too); give this or `ticket`. */
  readonly secret?: string;
  /** The server's `asexor.uriPrefix`. @default 'asexor' */
  readonly uriPrefix?: string;
}

/** One task of `tasks()` (`<prefix>.control.list`). */
export interface TaskInfo {
  readonly name: string;
  readonly kind: 'command' | 'custom' | 'multi';
  readonly description: string;
  readonly positional: readonly string[];
  /** JSON Schema of the params. */
  readonly params: object;
}

export interface RunOptions {
  /** Every event of the task, `queued` first, the terminal one last (also when `run` rejects with it). */
  readonly onEvent?: (event: TaskStatusEvent) => void;
  /** Aborting it cancels the task (`<prefix>.control.cancel`): `run` then rejects with `<prefix>.error.cancelled`. */
  readonly signal?: AbortSignal;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface AsexorClient {
  readonly authid: string;
  readonly authrole: string;
  /** The tasks this user may run, with their params. */
  tasks(): Promise<TaskInfo[]>;
  /** Queues a task and resolves with its id; follow it with `watch`, `status` or `cancel`. */
  submit(task: string, params?: Readonly<Record<string, unknown>>): Promise<string>;
  /**
   * Runs a task and resolves with its `success` event; its progress comes to `onEvent`. Rejects with a
   * CallError (`<prefix>.error.task_failed`, `.timeout`, `.cancelled`, `.invalid_params`, …).
   */
  run(task: string, params?: Readonly<Record<string, unknown>>, options?: RunOptions): Promise<Extract<TaskStatusEvent, { status: 'success' }>>;
  /** Every status event of this user's tasks (`<prefix>.status.<authid>`), from now on. */
  watch(handler: (event: TaskStatusEvent) => void): Promise<Subscription>;
  /** The latest event of a task. */
  status(taskId: string): Promise<TaskStatusEvent>;
  /** Cancels a queued or running task; resolves with where it was. */
  cancel(taskId: string): Promise<'queued' | 'running'>;
  /** This user's finished tasks, newest first (their last events). */
  history(limit?: number): Promise<TaskStatusEvent[]>;
  close(): Promise<void>;
}

export { isAbError as isCallError };

/** autobahn resolves a call whose YIELD has kwargs with `{args, kwargs}`: the event is the kwargs. */
function eventOf(value: unknown): TaskStatusEvent {
  return (resultKwargs(value) ?? value) as TaskStatusEvent;
}

function wrap(client: ClientSession): AsexorClient {
  const prefix = client.uriPrefix;
  return {
    authid: client.authid,
    authrole: client.authrole,
    tasks: async () => await client.call(controlProcedure(prefix, 'list')) as TaskInfo[],
    submit: async (task, params = {}) => String(await client.call(taskProcedure(prefix, task), [], { ...params })),
    run: async (task, params = {}, options = {}) => {
      const { signal, onEvent } = options;
      signal?.throwIfAborted();
      // Cancelled through asexor.control.cancel once the `queued` event named the task, as `asexor run` on Ctrl-C.
      let taskId: string | undefined;
      const cancel = (): void => {
        if (taskId !== undefined && signal?.aborted === true) client.call(controlProcedure(prefix, 'cancel'), [taskId]).catch(() => undefined);
      };
      signal?.addEventListener('abort', cancel, { once: true });
      try {
        const final = await client.call(taskProcedure(prefix, task), [], { ...params }, { receive_progress: true }, (progress) => {
          const event = eventOf(progress);
          if (taskId === undefined && typeof event.task_id === 'string') {
            taskId = event.task_id;
            cancel();
          }
          onEvent?.(event);
        });
        const success = eventOf(final) as Extract<TaskStatusEvent, { status: 'success' }>;
        onEvent?.(success);
        return success;
      } catch (error) {
        // A task that ended otherwise: its terminal event rides in the ERROR's kwargs (docs/worker.md).
        const event = isAbError(error) ? error.kwargs['event'] : undefined;
        if (typeof event === 'object' && event !== null) onEvent?.(event as TaskStatusEvent);
        throw error;
      } finally {
        signal?.removeEventListener('abort', cancel);
      }
    },
    watch: async (handler) => {
      // autobahn's Subscription object; shared/autobahn.ts types only what the worker uses.
      const subscription = await client.session.subscribe(statusTopic(prefix, client.authid), (_args, kwargs) => { handler(kwargs as unknown as TaskStatusEvent); }) as { unsubscribe(): PromiseLike<unknown> };
      return {
        close: async () => {
          if (client.session.isOpen) await subscription.unsubscribe();
        },
      };
    },
    status: async (taskId) => eventOf(await client.call(controlProcedure(prefix, 'status'), [taskId])),
    cancel: async (taskId) => await client.call(controlProcedure(prefix, 'cancel'), [taskId]) as 'queued' | 'running',
    history: async (limit) => await client.call(controlProcedure(prefix, 'history'), limit === undefined ? [] : [limit]) as TaskStatusEvent[],
    close: () => client.close(),
  };
}

/** Joins the realm as `authid`; rejects with ClientConnectError when the router is unreachable or refuses the user. */
export async function connect(options: ConnectOptions): Promise<AsexorClient> {
  const { ticket, secret } = options;
  if ((ticket === undefined) === (secret === undefined)) throw new TypeError('connect: give either `ticket` or `secret`');
  const client = await connectClient({
    url: options.url ?? DEFAULT_URL,
    realm: options.realm ?? DEFAULT_REALM,
    uriPrefix: options.uriPrefix ?? DEFAULT_URI_PREFIX,
    authid: options.authid,
    credential: ticket === undefined ? { secret: secret ?? '' } : { ticket },
  });
  return wrap(client);
}
