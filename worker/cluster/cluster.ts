/**
 * Several workers on one realm (docs/many-workers.md). The shared task and control procedures go
 * round-robin, so a control call may land on any worker; a task id starts with the id of the worker
 * that holds it (worker/task-ids.ts). Each worker therefore:
 * - registers its own procedure `<prefix>.worker.<id>` and answers there, for the task it holds,
 *   the control calls another worker forwards on a user's behalf (cluster-messages.ts);
 * - answers `status`/`cancel` itself or forwards them to the holder, and merges `history`, `tasks`
 *   and `stats` over every connected worker;
 * - announces itself on `<prefix>.worker.presence` with its open tasks and follows the others' open
 *   tasks through their status events (a prefix subscription to `<prefix>.status.`);
 * - watches `wamp.session.on_leave`: when a worker's session leaves and the worker does not come back
 *   within `lostGraceMs`, the connected worker with the smallest id publishes an `error`
 *   ERR_WORKER_LOST event for each of its open tasks; every survivor keeps those events (status and
 *   history answer them) and hands them to the worker if it comes back, which then ends those tasks
 *   without publishing (TaskService.endedElsewhere), so that each task has one terminal event.
 * With no other worker connected every call is answered locally, synchronously, as before.
 * Only the worker role may use `<prefix>.worker.` (crossbar-config/config.json); the forwarded
 * caller identity is trusted because of that.
 */
import { InvalidParamsError, WorkerLostError, WorkerUnavailableError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { isTerminal, type TaskStatusEvent } from '../../shared/task-status.ts';
import { unescapeAuthid, workerPresenceTopic, workerProcedure } from '../../shared/wamp/app-uris.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { isAbError, type AbEndpoint, type Dict } from '../../shared/autobahn.ts';
import { MAX_TASK_LIST, type ActiveTaskEntry } from '../task-list.ts';
import { workerOf } from '../task-ids.ts';
import type { ControlApi } from '../task-api.ts';
import type { Caller, DatedEntry, ServiceStats, StatusSink, TaskService } from '../task-service.ts';
import type { ClusterSettings } from '../worker-settings.ts';
import type { WorkerSession } from '../worker-session.ts';
import { forwardedArgs, leftSession, parseForwarded, parsePresence, presenceKwargs, type ForwardedOp, type Presence } from './cluster-messages.ts';
import { PeerView } from './peer-view.ts';

export interface WorkerClusterOptions {
  readonly service: TaskService;
  /** Where the end of a departed worker's tasks is published (the owners' status topics). */
  readonly sink: StatusSink;
  readonly uriPrefix: string;
  readonly settings: ClusterSettings;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Wraps an endpoint so that thrown errors become WAMP ERRORs (WorkerComponent's guard). */
export type Guard = (endpoint: AbEndpoint) => AbEndpoint;

/** URIs that mean the holder could not be reached (as opposed to its own answer, e.g. no_such_task). */
const UNREACHABLE: ReadonlySet<string> = new Set([
  WampErrorUri.noSuchProcedure, WampErrorUri.canceled, WampErrorUri.timeout, WampErrorUri.noAvailableCallee, 'wamp.error.session_closed',
]);
/** How often and how long a worker retries registering its procedure while a previous session of its own still holds it. */
const REGISTER_ATTEMPTS = 10;
const REGISTER_RETRY_MS = 300;

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : a + (b ?? 0);
}

export class WorkerCluster implements ControlApi {
  readonly #service: TaskService;
  readonly #sink: StatusSink;
  readonly #prefix: string;
  readonly #settings: ClusterSettings;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #view: PeerView;
  readonly #lostTimers = new Map<string, NodeJS.Timeout>();
  #session: WorkerSession | undefined;
  #closed = false;

  constructor(options: WorkerClusterOptions) {
    this.#service = options.service;
    this.#sink = options.sink;
    this.#prefix = options.uriPrefix;
    this.#settings = options.settings;
    this.#log = options.logger.child({ component: 'cluster' });
    this.#now = options.now ?? (() => new Date());
    this.#view = new PeerView(options.service.workerId);
  }

  get workerId(): string {
    return this.#view.self;
  }

  /** The other workers connected now. */
  get peers(): string[] {
    return this.#view.peers;
  }

  /**
   * After each join: register this worker's procedure, follow presence, status events and session
   * leaves, then say hello. A router that refuses any of it (a role without the `<prefix>.worker.`
   * permissions) leaves this worker on its own, said once in the log; resolves false then.
   */
  async join(session: WorkerSession, guard: Guard): Promise<boolean> {
    this.#session = session;
    const prefix = this.#prefix;
    try {
      await this.#registerOwn(session, guard((args) => this.#serve(args)));
      await session.subscribe(workerPresenceTopic(prefix), (_args, kwargs) => { this.#presence(kwargs); });
      await session.subscribe(`${prefix}.status.`, (_args, kwargs, details) => { this.#statusEvent(kwargs, details.topic); }, { match: 'prefix' });
      await session.subscribe('wamp.session.on_leave', (args) => { this.#sessionLeft(args); });
    } catch (error) {
      this.#log.warn({ err: isAbError(error) ? error.error : error },
        `the router refused what several workers on one realm need (the worker role needs call/register/publish/subscribe on ${prefix}.worker., subscribe on ${prefix}.status. and wamp.session.on_leave; see crossbar-config/config.json): this worker works alone`);
      return false;
    }
    this.#announce('hello');
    return true;
  }

  /** The session ended: who is connected is unknown until the next join; pending departures wait for it. */
  leave(): void {
    this.#session = undefined;
    this.#view.disconnected();
    for (const timer of this.#lostTimers.values()) clearTimeout(timer);
    this.#lostTimers.clear();
  }

  close(): void {
    this.#closed = true;
    this.leave();
  }

  status(caller: Caller, taskId: string): TaskStatusEvent | Promise<TaskStatusEvent> {
    const holder = this.#holder(taskId);
    return holder === undefined ? this.#service.status(caller, taskId) : this.#forward(holder, 'status', caller, [taskId]) as Promise<TaskStatusEvent>;
  }

  cancel(caller: Caller, taskId: string): 'queued' | 'running' | Promise<'queued' | 'running'> {
    const holder = this.#holder(taskId);
    return holder === undefined ? this.#service.cancel(caller, taskId) : this.#forward(holder, 'cancel', caller, [taskId]) as Promise<'queued' | 'running'>;
  }

  /** Every connected worker's history of the caller, merged: newest accepted first, each task once. */
  history(caller: Caller, limit?: number): TaskStatusEvent[] | Promise<TaskStatusEvent[]> {
    const local = this.#service.datedHistory(caller, limit);
    const peers = this.#view.peers;
    if (peers.length === 0) return local.map((entry) => entry.event);
    const max = limit ?? this.#service.historyLimit;
    return this.#gather(peers, 'history', caller, [limit ?? null]).then((answers) => {
      const byId = new Map<string, DatedEntry>();
      const add = (entry: DatedEntry, from: string): void => {
        const known = byId.get(entry.event.task_id);
        // The holder's entry wins over a survivor's copy of an ended task.
        if (known === undefined || from === workerOf(entry.event.task_id)) byId.set(entry.event.task_id, entry);
      };
      for (const entry of local) add(entry, this.#view.self);
      for (const [from, answer] of answers) for (const entry of datedEntries(answer)) add(entry, from);
      return [...byId.values()].sort((a, b) => b.since - a.since).slice(0, max).map((entry) => entry.event);
    });
  }

  /** Queued and running tasks over every connected worker: running by start, then waiting by priority and age. */
  tasks(caller: Caller, all = false): ActiveTaskEntry[] | Promise<ActiveTaskEntry[]> {
    const local = this.#service.tasks(caller, all);
    const peers = this.#view.peers;
    if (peers.length === 0) return local;
    return this.#gather(peers, 'tasks', caller, [all]).then((answers) => {
      const entries = [...local];
      for (const [, answer] of answers) if (Array.isArray(answer)) entries.push(...(answer as ActiveTaskEntry[]));
      const running = entries.filter((e) => e.status === 'running').sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? ''));
      const waiting = entries.filter((e) => e.status !== 'running').sort((a, b) => a.priority - b.priority || a.queued_at.localeCompare(b.queued_at));
      return running.concat(waiting).slice(0, MAX_TASK_LIST);
    });
  }

  /** Queue counts summed over every connected worker. */
  stats(caller: Caller): ServiceStats | Promise<ServiceStats> {
    const local = this.#service.stats(caller);
    const peers = this.#view.peers;
    if (peers.length === 0) return local;
    return this.#gather(peers, 'stats', caller, []).then((answers) => {
      let total: ServiceStats = local;
      for (const [, answer] of answers) {
        if (typeof answer !== 'object' || answer === null) continue;
        const other = answer as ServiceStats;
        const byPriority: Record<number, number> = { ...total.byPriority };
        for (const [key, count] of Object.entries(other.byPriority)) byPriority[Number(key)] = (byPriority[Number(key)] ?? 0) + count;
        const users = sum(total.users, other.users);
        const maxQueued = sum(total.maxQueued, other.maxQueued);
        total = {
          ...total, queued: total.queued + other.queued, running: total.running + other.running, concurrency: total.concurrency + other.concurrency,
          byPriority, ...(users === undefined ? {} : { users }), ...(maxQueued === undefined ? {} : { maxQueued }),
        };
      }
      return total;
    });
  }

  /** The connected peer holding `taskId`; undefined = answer here; throws while the holder may still come back. */
  #holder(taskId: string): string | undefined {
    const worker = workerOf(taskId);
    if (worker === this.#view.self) return undefined;
    if (this.#view.isLive(worker)) return worker;
    // A departed worker's task: answered here once ended here (or by another survivor), else not yet known.
    if (this.#lostTimers.has(worker) && !this.#service.knows(taskId)) throw new WorkerUnavailableError(worker, `it left the realm; its tasks end in at most ${this.#settings.lostGraceMs} ms unless it comes back`);
    return undefined; // ended here, or an id of no known worker: the local history answers
  }

  async #forward(worker: string, op: ForwardedOp, caller: Caller, args: readonly unknown[]): Promise<unknown> {
    const session = this.#session;
    if (session?.isOpen !== true) throw new WorkerUnavailableError(worker, 'this worker is not connected to the router');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new WorkerUnavailableError(worker, `no answer within ${this.#settings.forwardTimeoutMs} ms`)); }, this.#settings.forwardTimeoutMs);
    });
    try {
      return await Promise.race([session.call(workerProcedure(this.#prefix, worker), forwardedArgs(op, caller, args)), timeout]);
    } catch (error) {
      if (isAbError(error) && UNREACHABLE.has(error.error)) throw new WorkerUnavailableError(worker, error.error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every peer's answer to `op`; a peer that fails is left out (logged). */
  async #gather(peers: readonly string[], op: ForwardedOp, caller: Caller, args: readonly unknown[]): Promise<[string, unknown][]> {
    const results = await Promise.allSettled(peers.map((peer) => this.#forward(peer, op, caller, args)));
    const answers: [string, unknown][] = [];
    results.forEach((result, i) => {
      const peer = peers[i] ?? '';
      if (result.status === 'fulfilled') answers.push([peer, result.value]);
      else this.#log.warn({ worker: peer, op, err: isAbError(result.reason) ? result.reason.error : result.reason }, 'a worker did not answer a merged control call: its part is missing');
    });
    return answers;
  }

  /** `<prefix>.worker.<self>`: a control call forwarded by another worker, answered from this worker's own tasks. */
  #serve(args: unknown[]): unknown {
    const call = parseForwarded(args);
    if (call === undefined) throw new InvalidParamsError('expected [op, authid, authrole, ...arguments] (a control call forwarded by another worker)');
    const { caller } = call;
    const [first] = call.args;
    switch (call.op) {
      case 'status':
        return this.#service.status(caller, String(first));
      case 'cancel':
        return this.#service.cancel(caller, String(first));
      case 'history':
        return this.#service.datedHistory(caller, typeof first === 'number' ? first : undefined).map((entry) => [entry.since, entry.event]);
      case 'tasks':
        return this.#service.tasks(caller, first === true);
      case 'stats':
        return this.#service.stats(caller);
    }
  }

  async #registerOwn(session: WorkerSession, endpoint: AbEndpoint): Promise<void> {
    const procedure = workerProcedure(this.#prefix, this.#view.self);
    for (let attempt = 1; ; attempt++) {
      try {
        await session.register(procedure, endpoint);
        return;
      } catch (error) {
        // The router may not have noticed yet that a previous session of this worker is gone.
        if (!isAbError(error) || error.error !== WampErrorUri.procedureAlreadyExists || attempt >= REGISTER_ATTEMPTS || !session.isOpen) throw error;
        await new Promise((resolve) => setTimeout(resolve, REGISTER_RETRY_MS));
      }
    }
  }

  #announce(kind: 'hello' | 'here', to?: string): void {
    const session = this.#session;
    if (session?.isOpen !== true || session.id === null) return;
    const open = this.#service.openTasks().map((t) => [t.taskId, t.owner, t.task] as const);
    const ended = to === undefined ? [] : this.#view.takeEnded(to);
    const presence: Presence = { kind, worker: this.#view.self, session: session.id, open, ...(ended.length > 0 && to !== undefined ? { to, ended } : {}) };
    session.publish(workerPresenceTopic(this.#prefix), [], presenceKwargs(presence));
  }

  #presence(kwargs: Dict): void {
    const presence = parsePresence(kwargs);
    if (presence === undefined) {
      this.#log.warn('malformed worker presence message ignored');
      return;
    }
    const { worker } = presence;
    if (worker === this.#view.self) return;
    const pending = this.#lostTimers.get(worker);
    if (pending !== undefined) {
      clearTimeout(pending);
      this.#lostTimers.delete(worker);
    }
    const known = this.#view.isLive(worker);
    this.#view.present(worker, presence.session, presence.open);
    if (!known) this.#log.info({ worker, session: presence.session }, 'another worker is on the realm');
    if (presence.kind === 'hello') this.#announce('here', worker);
    if (presence.to === this.#view.self) this.#endedWhileAway(worker, presence.ended ?? []);
  }

  /** Tasks of this worker that `by` ended while this worker was gone: they end here without an event. */
  #endedWhileAway(by: string, ended: readonly (readonly [string, TaskStatusEvent])[]): void {
    let settled = 0;
    for (const [, event] of ended) if (this.#service.endedElsewhere(event.task_id, event)) settled++;
    if (ended.length > 0) this.#log.warn({ by, ended: ended.length, settled }, 'tasks of this worker were ended by another worker while it was gone');
  }

  #statusEvent(kwargs: Dict, topic: string | undefined): void {
    const base = `${this.#prefix}.status.`;
    const { task_id: taskId, task, status } = kwargs;
    if (topic?.startsWith(base) !== true || typeof taskId !== 'string' || typeof task !== 'string' || typeof status !== 'string') return;
    let owner: string;
    try {
      owner = unescapeAuthid(topic.slice(base.length));
    } catch {
      return;
    }
    const event = kwargs as unknown as TaskStatusEvent;
    const worker = workerOf(taskId);
    const terminal = isTerminal(event.status);
    this.#view.observe(worker, owner, event, terminal);
    if (terminal && worker !== this.#view.self && !this.#view.isLive(worker)) {
      // Another survivor ended a departed worker's task (maybe before this one's grace ran out): keep it too.
      this.#service.recordForeign(owner, event);
      this.#view.recordEnded(worker, owner, event);
    }
  }

  #sessionLeft(args: readonly unknown[]): void {
    const session = leftSession(args);
    const worker = session === undefined ? undefined : this.#view.sessionLeft(session);
    if (worker === undefined || this.#closed) return;
    this.#log.warn({ worker, session, graceMs: this.#settings.lostGraceMs }, 'a worker left the realm: its tasks end unless it comes back in time');
    clearTimeout(this.#lostTimers.get(worker));
    this.#lostTimers.set(worker, setTimeout(() => { this.#lost(worker); }, this.#settings.lostGraceMs));
  }

  /** `worker` did not come back in time: its open tasks end (published by one survivor, kept by all). */
  #lost(worker: string): void {
    this.#lostTimers.delete(worker);
    if (this.#view.isLive(worker) || this.#session === undefined) return;
    const publish = this.#view.elected();
    const at = this.#now().toISOString();
    const { code, message } = new WorkerLostError(worker);
    const tasks = this.#view.takeOpen(worker);
    for (const { taskId, owner, task } of tasks) {
      const event: TaskStatusEvent = { task_id: taskId, task, at, status: 'error', error: { code, message }, duration: 0 };
      this.#service.recordForeign(owner, event);
      this.#view.recordEnded(worker, owner, event);
      if (publish) this.#sink.publish({ authid: owner, authrole: '' }, event);
    }
    this.#log.warn({ worker, tasks: tasks.length, published: publish }, 'a worker did not come back: its tasks ended with ERR_WORKER_LOST');
  }
}

/** A forwarded history answer: [[since, event], ...]; anything else yields nothing. */
function datedEntries(answer: unknown): DatedEntry[] {
  if (!Array.isArray(answer)) return [];
  const out: DatedEntry[] = [];
  for (const item of answer) {
    if (!Array.isArray(item) || typeof item[0] !== 'number') continue;
    const event = item[1] as Dict | undefined;
    if (typeof event?.['task_id'] === 'string' && typeof event['status'] === 'string') out.push({ since: item[0], event: event as unknown as TaskStatusEvent });
  }
  return out;
}
