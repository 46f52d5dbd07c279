/**
 * The router's Prometheus metrics (prom-client), registered on the server's own registry and read
 * at scrape time only: sessions by transport kind (Router.sessionsByTransport) and the messages
 * received and sent by type (Router.messageCounts, plain arrays bumped by router/session/session.ts).
 * Nothing here runs per message. docs/metrics.md lists every metric.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { Router } from '../index.ts';
import type { TransportKind } from '../transports/peer.ts';

const TRANSPORT_KINDS: readonly TransportKind[] = ['websocket', 'rawsocket', 'longpoll', 'local'];

const M = MessageType;
/** The types a client may send (shared/wamp/message-type.ts: C→R and both). */
const RECEIVED: readonly number[] = [M.HELLO, M.ABORT, M.AUTHENTICATE, M.GOODBYE, M.ERROR, M.PUBLISH, M.SUBSCRIBE, M.UNSUBSCRIBE,
  M.CALL, M.CANCEL, M.REGISTER, M.UNREGISTER, M.YIELD];
/** The types the router sends (R→C and both). */
const SENT: readonly number[] = [M.WELCOME, M.ABORT, M.CHALLENGE, M.GOODBYE, M.ERROR, M.PUBLISHED, M.SUBSCRIBED, M.UNSUBSCRIBED,
  M.EVENT, M.RESULT, M.REGISTERED, M.UNREGISTERED, M.INVOCATION, M.INTERRUPT];
const TYPE_NAME: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(MessageType).map(([name, code]) => [code, name]));

/**
 * A counter that mirrors one direction of the router's message arrays: at each scrape it adds what
 * was counted since the last one, so the hot path never calls prom-client.
 */
function messageCounter(registry: Registry, name: string, help: string, read: () => ArrayLike<number>, types: readonly number[]): void {
  const reported = new Float64Array(types.length);
  const counter: Counter<'type'> = new Counter({
    name, help, labelNames: ['type'], registers: [registry],
    collect() {
      const now = read();
      types.forEach((type, i) => {
        const total = now[type] ?? 0;
        const delta = total - (reported[i] ?? 0);
        if (delta > 0) counter.inc({ type: TYPE_NAME[type] ?? String(type) }, delta);
        reported[i] = total;
      });
    },
  });
  for (const type of types) counter.inc({ type: TYPE_NAME[type] ?? String(type) }, 0);
}

export function registerRouterMetrics(registry: Registry, router: Router): void {
  const sessions: Gauge<'transport'> = new Gauge({
    name: 'asexor_router_sessions',
    help: 'Established WAMP sessions by transport kind (local = in-process: the embedded worker and the legacy bridges)',
    labelNames: ['transport'], registers: [registry],
    collect() {
      const counts = router.sessionsByTransport();
      for (const kind of TRANSPORT_KINDS) sessions.set({ transport: kind }, counts[kind]);
    },
  });
  messageCounter(registry, 'asexor_router_messages_received_total', 'WAMP messages received from clients, by message type',
    () => router.messageCounts.received, RECEIVED);
  messageCounter(registry, 'asexor_router_messages_sent_total', 'WAMP messages sent to clients, by message type',
    () => router.messageCounts.sent, SENT);
}
