/**
 * The `asexor.legacy` settings: which of the original ASEXOR's protocols are served, where, and
 * their timeouts (docs/legacy-clients.md, "Legacy ASEXOR clients"; docs/legacy-protocols.md). Everything is off by
 * default in a config file; `asexor serve` without a config file turns on the WebSocket and the
 * long poll with the demo user's token. Durations are milliseconds; 0 turns a timer off.
 */
import path from 'node:path';
import { z } from 'zod';
import { intRange, uriSchema } from '../config/schema-common.ts';

const MiB = 1024 * 1024;
/** The raw socket's 24-bit length field: the largest payload a frame can carry. */
export const LEGACY_RAW_MAX_PAYLOAD = 2 ** 24 - 1;

/** The defaults of every legacy setting (docs/legacy-clients.md, "Legacy ASEXOR clients", lists them). */
export const legacyDefaults = {
  websocket: {
    path: '/ws',
    /** How long updates for an absent `(user, session_id)` are kept, from the first one (original: 60 s). */
    bufferTimeoutMs: 60_000,
    /** Updates kept per absent session; beyond it the oldest are dropped. */
    bufferLimit: 1000,
    /** Close a socket that got no reply and no update for this long (original: 3600 s). */
    inactiveTimeoutMs: 3_600_000,
    /** Ping period; a socket that does not answer within half of it is closed. 0 = off (original default). */
    heartbeatMs: 0,
    /** Largest text frame accepted. */
    maxMessageSize: MiB,
  },
  rawsocket: {
    maxMessageSize: LEGACY_RAW_MAX_PAYLOAD,
    /** Time allowed for the token frame after connecting. */
    handshakeTimeoutMs: 10_000,
    /** Updates waiting to be written to a slow client; beyond it the connection is closed. */
    queueLimitBytes: 4 * MiB,
  },
  longpoll: {
    path: '/legacy-lp',
    cookieName: 'ASEXOR_LP_SESSION',
    /** Absolute lifetime of a session (and the cookie's Max-Age) (original: 86400 s). */
    maxSessionTimeMs: 86_400_000,
    /** A session with no request for this long ends (original: 3600 s). */
    maxSessionInactivityMs: 3_600_000,
    /** How long a GET waits for updates (original: 600 s). */
    pollTimeoutMs: 600_000,
    /** Updates kept per session between polls; beyond it the oldest are dropped. */
    queueLimit: 1000,
    /** Largest POST body. */
    maxBodySize: MiB,
    /** Sessions one user may hold at once; a new one beyond it ends that user's oldest. */
    maxSessionsPerUser: 100,
  },
  wampApi: {
    procedure: 'eu.zderadicka.asexor.run_task',
    topic: 'eu.zderadicka.asexor.task_update',
  },
} as const;

const ms = intRange(0, 2_147_483_647);
const tcpEndpoint = z.strictObject({
  type: z.literal('tcp'),
  port: intRange(0, 65535),
  /** @default '127.0.0.1' */
  interface: z.string().min(1).optional(),
});
const unixEndpoint = z.strictObject({ type: z.literal('unix'), path: z.string().min(1) });
/** Role of the delegating service → roles it may submit for. */
const delegates = z.record(z.string().min(1), z.array(z.string().min(1)).min(1));

const rawListener = z.strictObject({
  endpoint: z.discriminatedUnion('type', [tcpEndpoint, unixEndpoint], { error: "expected 'tcp' or 'unix'" }),
  /** Replies only; no updates are sent (the original's `no_update`). */
  noUpdate: z.boolean().optional(),
  /** Calls carry `user` and `role`; only services whose role is a key of `delegates` may connect. */
  delegated: z.boolean().optional(),
  delegates: delegates.optional(),
  maxMessageSize: intRange(16, LEGACY_RAW_MAX_PAYLOAD).optional(),
  handshakeTimeoutMs: intRange(100, 600_000).optional(),
  queueLimitBytes: intRange(1024, 1024 * MiB).optional(),
}).superRefine((value, ctx) => {
  if (value.delegated === true && (value.delegates === undefined || Object.keys(value.delegates).length === 0)) {
    ctx.addIssue({ code: 'custom', path: ['delegates'], message: 'a delegated listener needs "delegates": the roles that may delegate and the roles they may act as' });
  }
  if (value.delegated !== true && value.delegates !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['delegates'], message: '"delegates" only applies to a listener with "delegated": true' });
  }
});

export const legacySettingsSchema = z.strictObject({
  websocket: z.strictObject({
    enabled: z.boolean().optional(),
    path: z.string().startsWith('/').optional(),
    bufferTimeoutMs: ms.optional(),
    bufferLimit: intRange(1, 1_000_000).optional(),
    inactiveTimeoutMs: ms.optional(),
    heartbeatMs: ms.optional(),
    maxMessageSize: intRange(64, 64 * MiB).optional(),
  }).optional(),
  rawsocket: z.array(rawListener).optional(),
  longpoll: z.strictObject({
    enabled: z.boolean().optional(),
    path: z.string().startsWith('/').optional(),
    /** Its own listener, serving at `/` as the original did; without it, `path` on the web transport. */
    endpoint: tcpEndpoint.optional(),
    cookieName: z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'expected a cookie name of A-Z, a-z, 0-9, _ and -' }).optional(),
    maxSessionTimeMs: intRange(1000, 2_147_483_647).optional(),
    maxSessionInactivityMs: intRange(1000, 2_147_483_647).optional(),
    pollTimeoutMs: intRange(100, 2_147_483_647).optional(),
    queueLimit: intRange(1, 1_000_000).optional(),
    maxBodySize: intRange(64, 64 * MiB).optional(),
    maxSessionsPerUser: intRange(1, 100_000).optional(),
    /** Origins allowed to call with credentials (exact match). Empty: same-origin only. Never `*`. */
    allowedOrigins: z.array(z.url().refine((origin) => !origin.includes('*'), { error: 'wildcards are not allowed' })).optional(),
  }).optional(),
  wampApi: z.strictObject({
    enabled: z.boolean().optional(),
    procedure: uriSchema.optional(),
    topic: uriSchema.optional(),
  }).optional(),
});

type D = typeof legacyDefaults;
export type LegacyEndpoint = { readonly type: 'tcp'; readonly port: number; readonly interface: string } | { readonly type: 'unix'; readonly path: string };

export interface LegacyWebSocketSettings {
  readonly enabled: boolean;
  readonly path: string;
  readonly bufferTimeoutMs: number;
  readonly bufferLimit: number;
  readonly inactiveTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly maxMessageSize: number;
}
export interface LegacyRawSocketSettings {
  readonly endpoint: LegacyEndpoint;
  readonly noUpdate: boolean;
  readonly delegated: boolean;
  /** role of the delegating service → the roles it may act as (empty unless delegated) */
  readonly delegates: Readonly<Record<string, readonly string[]>>;
  readonly maxMessageSize: number;
  readonly handshakeTimeoutMs: number;
  readonly queueLimitBytes: number;
}
export interface LegacyLongPollSettings {
  readonly enabled: boolean;
  readonly path: string;
  readonly endpoint: Extract<LegacyEndpoint, { type: 'tcp' }> | undefined;
  readonly cookieName: string;
  readonly maxSessionTimeMs: number;
  readonly maxSessionInactivityMs: number;
  readonly pollTimeoutMs: number;
  readonly queueLimit: number;
  readonly maxBodySize: number;
  readonly maxSessionsPerUser: number;
  readonly allowedOrigins: readonly string[];
}
export interface LegacyWampApiSettings {
  readonly enabled: boolean;
  readonly procedure: string;
  readonly topic: string;
}
export interface LegacySettings {
  readonly websocket: LegacyWebSocketSettings;
  readonly rawsocket: readonly LegacyRawSocketSettings[];
  readonly longpoll: LegacyLongPollSettings;
  readonly wampApi: LegacyWampApiSettings;
}

/** What `asexor serve` without a config file turns on (the demo). */
export const DEMO_LEGACY_SECTION = Object.freeze({ websocket: { enabled: true }, longpoll: { enabled: true } });

/** Fill in the defaults of a validated section; a relative Unix socket path resolves against `baseDir`. */
export function resolveLegacySettings(section: z.output<typeof legacySettingsSchema> | undefined, baseDir: string): LegacySettings {
  const s = section ?? {};
  const d: D = legacyDefaults;
  const ws = s.websocket ?? {};
  const lp = s.longpoll ?? {};
  return Object.freeze({
    websocket: Object.freeze({
      enabled: ws.enabled ?? false,
      path: ws.path ?? d.websocket.path,
      bufferTimeoutMs: ws.bufferTimeoutMs ?? d.websocket.bufferTimeoutMs,
      bufferLimit: ws.bufferLimit ?? d.websocket.bufferLimit,
      inactiveTimeoutMs: ws.inactiveTimeoutMs ?? d.websocket.inactiveTimeoutMs,
      heartbeatMs: ws.heartbeatMs ?? d.websocket.heartbeatMs,
      maxMessageSize: ws.maxMessageSize ?? d.websocket.maxMessageSize,
    }),
    rawsocket: Object.freeze((s.rawsocket ?? []).map((r) => Object.freeze({
      endpoint: r.endpoint.type === 'tcp'
        ? { type: 'tcp' as const, port: r.endpoint.port, interface: r.endpoint.interface ?? '127.0.0.1' }
        : { type: 'unix' as const, path: path.resolve(baseDir, r.endpoint.path) },
      noUpdate: r.noUpdate ?? false,
      delegated: r.delegated ?? false,
      delegates: Object.freeze({ ...r.delegates }),
      maxMessageSize: r.maxMessageSize ?? d.rawsocket.maxMessageSize,
      handshakeTimeoutMs: r.handshakeTimeoutMs ?? d.rawsocket.handshakeTimeoutMs,
      queueLimitBytes: r.queueLimitBytes ?? d.rawsocket.queueLimitBytes,
    }))),
    longpoll: Object.freeze({
      enabled: lp.enabled ?? false,
      path: lp.path ?? d.longpoll.path,
      endpoint: lp.endpoint === undefined ? undefined : { type: 'tcp' as const, port: lp.endpoint.port, interface: lp.endpoint.interface ?? '127.0.0.1' },
      cookieName: lp.cookieName ?? d.longpoll.cookieName,
      maxSessionTimeMs: lp.maxSessionTimeMs ?? d.longpoll.maxSessionTimeMs,
      maxSessionInactivityMs: lp.maxSessionInactivityMs ?? d.longpoll.maxSessionInactivityMs,
      pollTimeoutMs: lp.pollTimeoutMs ?? d.longpoll.pollTimeoutMs,
      queueLimit: lp.queueLimit ?? d.longpoll.queueLimit,
      maxBodySize: lp.maxBodySize ?? d.longpoll.maxBodySize,
      maxSessionsPerUser: lp.maxSessionsPerUser ?? d.longpoll.maxSessionsPerUser,
      allowedOrigins: Object.freeze([...(lp.allowedOrigins ?? [])]),
    }),
    wampApi: Object.freeze({
      enabled: s.wampApi?.enabled ?? false,
      procedure: s.wampApi?.procedure ?? d.wampApi.procedure,
      topic: s.wampApi?.topic ?? d.wampApi.topic,
    }),
  });
}
