/**
 * The worker's WAMP surface: what it registers on each joined session (docs/worker.md, "The worker: serve, CLI, WAMP API").
 * - `<prefix>.task.NAME` per task: returns the task id; a caller asking for progressive results gets
 *   every status event as a progressive result (kwargs) and the terminal event as the result
 *   (success) or an ERROR (failure, timeout, cancel). An INTERRUPT of that call (CANCEL kill/killnowait,
 *   call timeout, caller left) cancels its task (docs/task-semantics.md "Cancel through the call").
 * - `<prefix>.control.{list,status,cancel,history,stats,tasks}`;
 * - `<prefix>.files.{list,upload,link}` (worker/files-api.ts; docs/web-api.md).
 * - `<prefix>.auth.authorize`: the dynamic authorizer (worker/authorize.ts).
 * - `<prefix>.worker.<worker id>`: control calls other workers of the realm forward to this one
 *   (worker/cluster/cluster.ts; status, cancel, history, tasks and stats go through the cluster).
 * - when enabled, the original ASEXOR's `run_task` procedure (worker/legacy-wamp-api.ts).
 * Task and control procedures are shared registrations (invoke roundrobin), so several workers can
 * serve one realm, with `disclose_caller`: the caller's identity comes from the router's caller
 * disclosure (spec: advanced/rpc_caller_identification.md), never from arguments.
 */
import { CallerNotDisclosedError, InvalidParamsError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { isTerminal } from '../shared/task-status.ts';
import { authHookProcedure, controlProcedure, filesProcedure, taskProcedure, type ControlProcedure, type FilesProcedure } from '../shared/wamp/app-uris.ts';
import { autobahn, isAbError, type AbEndpoint, type AbInvocationDetails, type Dict } from '../shared/autobahn.ts';
import { authorizeCall, type AuthorizePolicy } from './authorize.ts';
import type { WorkerCluster } from './cluster/cluster.ts';
import type { ControlApi, TaskApi } from './task-api.ts';
import type { FilesApi } from './files-api.ts';
import type { LegacyWampApi } from './legacy-wamp-api.ts';
import type { Caller, Submitted } from './task-service.ts';
import type { TaskRegistry } from './task-registry.ts';
import { terminalWampError, toWampError } from './wamp-error.ts';
import type { WorkerSession } from './worker-session.ts';

export interface WorkerComponentOptions extends AuthorizePolicy {
  readonly service: TaskApi;
  readonly registry: TaskRegistry;
  /** The files procedures; absent = not registered. */
  readonly files?: FilesApi | undefined;
  readonly logger: Logger;
  /** The original ASEXOR's WAMP API, when `asexor.legacy.wampApi.enabled`. */
  readonly legacy?: LegacyWampApi | undefined;
  /** The other workers of the realm (worker/cluster/cluster.ts): control calls go through it; absent = this worker alone. */
  readonly cluster?: WorkerCluster | undefined;
}

/** spec: advanced/rpc_shared_registration.md; rpc_caller_identification.md (disclose_caller) */
const SHARED = Object.freeze({ invoke: 'roundrobin', disclose_caller: true });
const MAX_HISTORY = 1000;

/** Callers kept for reuse, keyed by session id; the map starts over beyond this many sessions. */
const MAX_CALLERS = 10_000;
const callers = new Map<number, Caller>();

/**
 * The caller from the invocation's disclosure details. One object per calling session is reused (a
 * session's authid and role never change; a reused session id with another identity gets a new one),
 * so the queued tasks of a session share it.
 */
export function callerOf(details: AbInvocationDetails): Caller {
  const { caller_authid: authid, caller_authrole: authrole, caller: session } = details;
  if (typeof authid !== 'string' || typeof authrole !== 'string' || authid === '') throw new CallerNotDisclosedError();
  if (typeof session !== 'number') return { authid, authrole };
  const known = callers.get(session);
  if (known?.authid === authid && known.authrole === authrole) return known;
  if (callers.size >= MAX_CALLERS) callers.clear();
  const caller: Caller = Object.freeze({ authid, authrole, session });
  callers.set(session, caller);
  return caller;
}

/** The URI of a refused REGISTER (autobahn's Error), else the error's text. */
function errorUri(error: unknown): string {
  return isAbError(error) ? error.error : String(error);
}

/** `args[0]` or `kwargs[name]`. */
function argument(args: readonly unknown[], kwargs: Dict, name: string): unknown {
  return args.length > 0 ? args[0] : kwargs[name];
}

function taskIdArgument(args: readonly unknown[], kwargs: Dict): string {
  const value = argument(args, kwargs, 'task_id');
  if (typeof value !== 'string' || value === '') {
    throw new InvalidParamsError([{ field: 'task_id', message: 'task_id: expected a task id (a string, as returned by the task procedure)' }]);
  }
  return value;
}

function limitArgument(args: readonly unknown[], kwargs: Dict): number | undefined {
  const value = argument(args, kwargs, 'limit');
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_HISTORY) {
    throw new InvalidParamsError([{ field: 'limit', message: `limit: expected an integer from 1 to ${MAX_HISTORY}` }]);
  }
  return value;
}

/** `control.tasks`: `args[0]` or `kwargs.all`, a boolean (default false); no other kwargs. */
function allArgument(args: readonly unknown[], kwargs: Dict): boolean {
  const unknown = Object.keys(kwargs).filter((key) => key !== 'all');
  if (unknown.length > 0 || args.length > 1) {
    throw new InvalidParamsError([{ field: unknown[0] ?? '', message: `expected at most the keyword argument all (a boolean), got ${unknown.length > 0 ? unknown.map((k) => JSON.stringify(k)).join(', ') : `${args.length} positional arguments`}` }]);
  }
  const value = argument(args, kwargs, 'all');
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new InvalidParamsError([{ field: 'all', message: 'all: expected a boolean (true: every user\'s tasks, admin roles only)' }]);
  return value;
}

/** The id a non-progressive task call returns: with a journal, once the task is on disk (Submitted.committed, worker/task-service.ts). */
function returnedId(submitted: Submitted): string | Promise<string> {
  return submitted.committed === undefined ? submitted.taskId : submitted.committed.then(() => submitted.taskId);
}

export class WorkerComponent {
  readonly #options: WorkerComponentOptions;
  readonly #log: Logger;

  constructor(options: WorkerComponentOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'worker' });
  }

  /** Registers every procedure on a freshly joined session; resolves with their number. */
  async register(session: WorkerSession): Promise<number> {
    const { registry, uriPrefix: prefix } = this.#options;
    const service = this.#options.service;
    const control: ControlApi = this.#options.cluster ?? service;
    const registrations: [string, AbEndpoint, Dict][] = [];
    for (const def of registry) registrations.push([taskProcedure(prefix, def.name), this.#taskEndpoint(session, def.name), SHARED]);
    const handlers: Readonly<Record<ControlProcedure, (caller: Caller, args: unknown[], kwargs: Dict) => unknown>> = {
      list: (caller) => service.list(caller),
      status: (caller, args, kwargs) => control.status(caller, taskIdArgument(args, kwargs)),
      cancel: (caller, args, kwargs) => control.cancel(caller, taskIdArgument(args, kwargs)),
      history: (caller, args, kwargs) => control.history(caller, limitArgument(args, kwargs)),
      stats: (caller) => control.stats(caller),
      tasks: (caller, args, kwargs) => control.tasks(caller, allArgument(args, kwargs)),
    };
    for (const [name, handler] of Object.entries(handlers)) {
      registrations.push([controlProcedure(prefix, name as ControlProcedure), this.#guarded((args, kwargs, details) => handler(callerOf(details), args, kwargs)), SHARED]);
    }
    registrations.push([authHookProcedure(prefix, 'authorize'), this.#guarded((args) => authorizeCall(this.#options, args)), { invoke: 'roundrobin' }]);
    if (this.#options.legacy !== undefined) registrations.push(this.#options.legacy.registration(session));
    await Promise.all(registrations.map(([uri, endpoint, options]) => session.register(uri, endpoint, options)));
    const files = await this.#registerFiles(session);
    const joined = await this.#options.cluster?.join(session, (endpoint) => this.#guarded(endpoint));
    return registrations.length + files + (joined === true ? 1 : 0);
  }

  /**
   * The files procedures, optional: a router config written before they existed does not let the
   * worker role register `<prefix>.files.*`; the worker then runs without them and says so once per join.
   */
  async #registerFiles(session: WorkerSession): Promise<number> {
    const { files, uriPrefix: prefix } = this.#options;
    if (files === undefined) return 0;
    const handlers: Readonly<Record<FilesProcedure, (caller: Caller, args: unknown[], kwargs: Dict) => unknown>> = {
      list: (caller, args, kwargs) => files.list(caller, args, kwargs),
      upload: (caller, args, kwargs) => files.upload(caller, args, kwargs),
      link: (caller, args, kwargs) => files.link(caller, args, kwargs),
    };
    const names = (Object.keys(handlers) as FilesProcedure[]).filter((name) => name !== 'link' || files.links);
    const results = await Promise.allSettled(names.map((name) => session.register(filesProcedure(prefix, name),
      this.#guarded((args, kwargs, details) => handlers[name](callerOf(details), args, kwargs)), SHARED)));
    const refused = names.flatMap((name, i) => {
      const result = results[i];
      return result?.status === 'rejected' ? [{ procedure: filesProcedure(prefix, name), reason: errorUri(result.reason) }] : [];
    });
    if (refused.length > 0) {
      this.#log.warn({ refused }, `the router refused ${prefix}.files.* to the worker: the web app's file procedures are unavailable (allow the worker role to register ${prefix}.files., see crossbar-config/config.json)`);
    }
    return names.length - refused.length;
  }

  /** Runs `endpoint`, turning any exception (thrown or rejected) into the ERROR to send. */
  #guarded(endpoint: AbEndpoint): AbEndpoint {
    const prefix = this.#options.uriPrefix;
    return (args, kwargs, details) => {
      let result: unknown;
      /* eslint-disable @typescript-eslint/only-throw-error -- autobahn sends an ERROR with a URI only for its own Error type, which is not an Error subclass */
      try {
        result = endpoint(args, kwargs, details);
      } catch (error) {
        throw toWampError(error, prefix, this.#log);
      }
      return result instanceof Promise ? result.catch((error: unknown) => { throw toWampError(error, prefix, this.#log); }) : result;
      /* eslint-enable @typescript-eslint/only-throw-error */
    };
  }

  /** The router interrupted a progressive task call: cancel the caller's task unless it has ended already. */
  #interrupted(caller: Caller, taskId: string): void {
    // Ended meanwhile (TaskAlreadyFinishedError) or forgotten: nothing left to cancel.
    const ended = (error: unknown): void => { this.#log.debug({ taskId, err: error }, 'task call interrupted after the task ended'); };
    try {
      const where = this.#options.service.cancel(caller, taskId);
      if (where instanceof Promise) where.then((place) => { this.#log.debug({ taskId, where: place }, 'task call interrupted: task cancelled'); }, ended);
      else this.#log.debug({ taskId, where }, 'task call interrupted: task cancelled');
    } catch (error) {
      ended(error);
    }
  }

  #taskEndpoint(session: WorkerSession, task: string): AbEndpoint {
    const { service, uriPrefix: prefix } = this.#options;
    return this.#guarded((args, kwargs, details) => {
      const caller = callerOf(details);
      const progress = details.progress;
      if (progress === null) {
        // A task with a precheck (an input file exists) is refused before queueing: a promise then.
        const submitted = service.submitChecked(caller, task, args, kwargs);
        return submitted instanceof Promise ? submitted.then(returnedId) : returnedId(submitted);
      }
      // spec: advanced/rpc_progressive_call_results.md: events as progressive results, then the final one.
      const submitted = service.submitChecked(caller, task, args, kwargs, {
        onEvent: (event) => {
          if (!isTerminal(event.status) && session.isOpen) progress([], event as unknown as Dict);
        },
      });
      const follow = ({ taskId, done }: Submitted): Promise<unknown> => {
        // INTERRUPT (CANCEL kill/killnowait, call timeout, the caller left) cancels the task (docs/task-semantics.md).
        details.signal?.addEventListener('abort', () => { this.#interrupted(caller, taskId); }, { once: true });
        if (details.signal?.aborted === true) this.#interrupted(caller, taskId);
        return done.then((final) => {
          if (final.status === 'success') return new autobahn.Result([], final as unknown as Dict);
          throw terminalWampError(final, prefix); // eslint-disable-line @typescript-eslint/only-throw-error -- autobahn's Error, see #guarded
        });
      };
      return submitted instanceof Promise ? submitted.then(follow) : follow(submitted);
    });
  }
}
