/**
 * A real router with WebSocket at /ws and long-poll services on one listener (127.0.0.1, port 0),
 * for the long-poll integration suites:
 *   /lp        requestTimeout 1 s, sessionTimeout 5 s, 4 KiB messages, CORS for ALLOWED_ORIGIN
 *   /lp-short  requestTimeout 150 ms, sessionTimeout 400 ms
 *   /lp-queue  a 4 KiB receive queue limit
 */
import { expect } from 'chai';
import { createRouter, type Router } from '../../router/index.ts';
import { startHttpTransport, type Listener } from '../../router/transports/http-server.ts';
import type { LongPollOptions, LongPollServiceConfig } from '../../shared/config/types.ts';
import { MessageType as M } from '../../shared/wamp/message-type.ts';
import { probeLongPoll as openLongPoll, type LongPollClient } from '../helpers/transports/longpoll.ts';
import { openRealm } from '../helpers/router-fixtures.ts';

export const ALLOWED_ORIGIN = 'http://app.example:8080';
export const MAX_MESSAGE = 4096;
export const SHORT = { requestTimeout: 150, sessionTimeout: 400 } as const;
export const QUEUE_LIMIT = 4096;
export const ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} } as const;

function longPoll(path: string, options: Partial<LongPollOptions>): LongPollServiceConfig {
  return {
    type: 'longpoll', path, serializers: ['json', 'msgpack', 'cbor'],
    options: {
      requestTimeout: 1_000, sessionTimeout: 5_000, maxMessageSize: MAX_MESSAGE, queueLimitBytes: 256 * 1024,
      allowedOrigins: [ALLOWED_ORIGIN], ...options,
    },
  };
}

export interface LongPollFixture {
  readonly router: Router;
  readonly listener: Listener;
  /** http://127.0.0.1:PORT/lp */
  readonly base: string;
  readonly shortBase: string;
  readonly queueBase: string;
  readonly wsUrl: string;
  close(): Promise<void>;
}

export async function startLongPollRouter(): Promise<LongPollFixture> {
  const router = createRouter({ realms: [openRealm()] });
  const listener = await startHttpTransport(router, {
    type: 'http',
    endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
    services: [
      { type: 'websocket', path: '/ws', serializers: ['json', 'msgpack'], options: { maxMessageSize: MAX_MESSAGE, autoPingInterval: 0, autoPingTimeout: 1_000 } },
      longPoll('/lp', {}),
      longPoll('/lp-short', SHORT),
      longPoll('/lp-queue', { queueLimitBytes: QUEUE_LIMIT }),
    ],
  });
  return {
    router, listener,
    base: listener.url('/lp'),
    shortBase: listener.url('/lp-short'),
    queueBase: listener.url('/lp-queue'),
    wsUrl: listener.url('/ws', 'ws'),
    close: async () => {
      await router.close();
      await listener.close();
    },
  };
}

/** Open a transport, send HELLO and expect WELCOME; resolves with the client and its session id. */
export async function joinLongPoll(base: string, protocol = 'wamp.2.json'): Promise<{ client: LongPollClient; session: number }> {
  const client = await openLongPoll(base, [protocol]);
  expect(await client.send([M.HELLO, 'realm1', { roles: ROLES }])).to.equal(204);
  const welcome = await client.next();
  expect(welcome[0]).to.equal(M.WELCOME);
  return { client, session: welcome[1] as number };
}

export async function until(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
