/**
 * A user's task session for the benchmark clients: the lean client (test/helpers/transports/lean.ts,
 * ticket auth over WebSocket), subscribed to
 * the user's status topic, submitting tasks by CALL and tracking them by id. A task is accepted when
 * its RESULT (the task id) arrives; it ends with its terminal status event. A terminal event that
 * arrives before the RESULT (the service promises it never does, docs/task-semantics.md) is kept
 * until the id is known, so the count is right either way.
 */
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import type { SerializerId } from '../../shared/serializers/serializer.ts';
import { DEFAULT_URI_PREFIX, statusTopic, taskProcedure } from '../../shared/wamp/app-uris.ts';
import { connectLean, type LeanClient } from '../../test/helpers/transports/lean.ts';
import { ticketAuth } from '../../test/helpers/wamp-test-auth.ts';
import { BENCH_REALM, BENCH_USER } from './bench-user.ts';

/** HELLO.Details.roles of the bench user (spec: basic/sessions.md: required and non-empty). */
const TICKET_ROLES = { caller: {}, subscriber: {} } as const;
const TERMINAL: ReadonlySet<unknown> = new Set(['success', 'error', 'cancelled', 'timeout']);

export interface SubmitHandlers {
  /** The RESULT: the task was accepted (`taskId`) or refused (`error` is the ERROR's URI). */
  readonly onAccepted?: (taskId: string | undefined, error: string | undefined) => void;
  /** Every status event of the task (`terminal` once, last); not called for a refused task. */
  readonly onStatus?: (status: string, terminal: boolean) => void;
}

export class TaskSession {
  readonly #client: LeanClient;
  readonly #subscription: number;
  readonly #calls = new Map<number, SubmitHandlers>();
  readonly #watched = new Map<string, (status: string, terminal: boolean) => void>();
  /** Terminal statuses of watched-to-be tasks whose RESULT has not arrived yet. */
  readonly #early = new Map<string, string>();

  private constructor(client: LeanClient, subscription: number) {
    this.#client = client;
    this.#subscription = subscription;
    client.onMessage = (message) => { this.#dispatch(message); };
  }

  static async open(url: string, serializer: SerializerId): Promise<TaskSession> {
    const client = await connectLean({
      url, realm: BENCH_REALM, serializer, roles: TICKET_ROLES, ...ticketAuth(BENCH_USER.authid, BENCH_USER.ticket),
    });
    try {
      const reply = await client.request({
        type: MessageType.SUBSCRIBE, request: client.nextRequestId(), options: {}, topic: statusTopic(DEFAULT_URI_PREFIX, BENCH_USER.authid),
      }, MessageType.SUBSCRIBED);
      if (reply.type !== MessageType.SUBSCRIBED) throw new Error(`expected SUBSCRIBED, got message type ${reply.type}`);
      return new TaskSession(client, reply.subscription);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  /** Sends CALL asexor.task.<task>(args). Watches the task's events only when `onStatus` is given. */
  submit(task: string, args: readonly unknown[], handlers: SubmitHandlers): void {
    const id = this.#client.nextRequestId();
    this.#calls.set(id, handlers);
    this.#client.send({ type: MessageType.CALL, request: id, options: {}, procedure: taskProcedure(DEFAULT_URI_PREFIX, task), args });
  }

  /** Calls in flight (no RESULT or ERROR yet) and watched tasks not yet ended. */
  get outstanding(): number {
    return this.#calls.size + this.#watched.size;
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  #dispatch(message: WampMessage): void {
    switch (message.type) {
      case MessageType.RESULT:
        this.#accepted(message.request, message.args?.[0], undefined);
        break;
      case MessageType.ERROR:
        if (message.requestType === MessageType.CALL) this.#accepted(message.request, undefined, message.error);
        break;
      case MessageType.EVENT: {
        if (message.subscription !== this.#subscription) break;
        const taskId = message.kwargs?.['task_id'];
        const status = message.kwargs?.['status'];
        if (typeof taskId !== 'string' || typeof status !== 'string') break;
        const watcher = this.#watched.get(taskId);
        const terminal = TERMINAL.has(status);
        if (watcher === undefined) {
          // Only a task whose CALL is still unanswered can be ours-to-be; others are not watched.
          if (terminal && this.#calls.size > 0) this.#early.set(taskId, status);
          break;
        }
        if (terminal) this.#watched.delete(taskId);
        watcher(status, terminal);
        break;
      }
      default:
        break;
    }
  }

  #accepted(request: number, taskId: unknown, error: string | undefined): void {
    const handlers = this.#calls.get(request);
    if (handlers === undefined) return;
    this.#calls.delete(request);
    const id = typeof taskId === 'string' ? taskId : undefined;
    handlers.onAccepted?.(id, id === undefined ? (error ?? 'no task id in the RESULT') : undefined);
    const onStatus = handlers.onStatus;
    if (id === undefined || onStatus === undefined) return;
    const early = this.#early.get(id);
    if (early === undefined) {
      this.#watched.set(id, onStatus);
    } else {
      this.#early.delete(id);
      onStatus(early, true);
    }
  }
}
