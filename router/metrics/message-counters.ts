/**
 * Messages the router received from and sent to its clients, by WAMP message type: two plain
 * Float64Arrays indexed by the type code, bumped once per message on the hot path
 * (router/session/session.ts) and only read at scrape time (router/metrics/metrics.ts turns them into Prometheus
 * counters). Every session counts, the embedded worker's and the legacy bridges' in-process ones too.
 */
/** Slots per direction: every code of shared/wamp/message-type.ts is below 128. */
export const MESSAGE_TYPE_SLOTS = 128;

/** Read-only view for the metrics endpoint: `received[type]`, `sent[type]`, totals since the router started. */
export interface MessageCounts {
  readonly received: ArrayLike<number>;
  readonly sent: ArrayLike<number>;
}

export class MessageCounters implements MessageCounts {
  readonly received = new Float64Array(MESSAGE_TYPE_SLOTS);
  readonly sent = new Float64Array(MESSAGE_TYPE_SLOTS);
}
