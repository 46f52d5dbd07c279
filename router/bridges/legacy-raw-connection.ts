/**
 * One connection of the original ASEXOR raw socket protocol (docs/legacy-rawsocket.md): the token
 * handshake, then one CBOR call per data frame, answered with `r`/`e`/`m` frames.
 *
 *   token     the first data frame is the token → openSession → 1-byte answer 0x00 / 0x01 / 0x02
 *   joining   reading pauses; frames already read wait, in order, for the answer (never taken as tokens)
 *   open      calls go to the connection's BridgeSession, or, on a delegated listener, to the
 *             session of the call's (user, role) (legacy-raw-delegated-sessions.ts)
 *   closing   nothing more is read or written
 *
 * Ping frames are answered with a pong carrying the same payload, pongs are ignored, in every state.
 * Closing the connection closes its WAMP sessions; the tasks they submitted run to their end.
 */
import type { Socket } from 'node:net';
import { cbor } from '../../shared/serializers/cbor.ts';
import type { LegacyRawSocketSettings } from '../../shared/legacy/settings.ts';
import type { Logger } from '../../shared/logger.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { BridgeJoinError, type BridgeSession, type BridgeSink } from './bridge-session.ts';
import type { BridgeContext } from './context.ts';
import { delegableRoles, delegatedIdentity } from './legacy-raw-delegation.ts';
import { DelegatedSessions } from './legacy-raw-delegated-sessions.ts';
import { LEGACY_RAW_MAX_PAYLOAD, LegacyFrameDecoder, encodeLegacyFrame, type LegacyFrame } from './legacy-raw-framing.ts';
import { errorMessage, parseLegacyCall, replyMessage, updateMessage, type LegacyCall } from './legacy-message.ts';

export const LEGACY_RAW_PROTOCOL = 'asexor-legacy-raw';
export const LEGACY_RAW_DELEGATED_PROTOCOL = 'asexor-legacy-raw-delegated';

/** The 1-byte handshake answers. */
export const HandshakeAnswer = { ok: 0x00, authFailed: 0x01, configError: 0x02 } as const;
type HandshakeAnswer = (typeof HandshakeAnswer)[keyof typeof HandshakeAnswer];

/**
 * Join refusals that mean "this token is no good" (0x01), as the original answered for a refused token
 * or a failing authenticator. Any other refusal (no ticket auth configured, a principal's role the realm
 * lacks, a role that may not subscribe to its status topic, a timeout) is the server's
 * configuration (0x02).
 */
const AUTH_REASONS: ReadonlySet<string> = new Set<string>([
  WampErrorUri.authenticationDenied, WampErrorUri.authenticationFailed, WampErrorUri.authenticationRequired,
]);

/** A socket we ended is destroyed if the client has not closed its side after this long. */
const CLOSE_TIMEOUT_MS = 2_000;

type State = 'token' | 'joining' | 'open' | 'closing';

export interface LegacyRawConnectionOptions {
  readonly socket: Socket;
  readonly context: BridgeContext;
  readonly settings: LegacyRawSocketSettings;
  /** 'tcp4:127.0.0.1:53122' or 'unix' */
  readonly peer: string;
  readonly logger: Logger;
}

export class LegacyRawConnection {
  /** Resolves once the socket is closed and the WAMP sessions are closed. */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #context: BridgeContext;
  readonly #settings: LegacyRawSocketSettings;
  readonly #peer: string;
  readonly #log: Logger;
  readonly #decoder: LegacyFrameDecoder;
  readonly #sink: BridgeSink;
  #state: State = 'token';
  /** Data frames read while the token was being checked. */
  #held: Buffer[] = [];
  #session: BridgeSession | undefined;
  #delegated: { readonly sessions: DelegatedSessions; readonly roles: readonly string[] } | undefined;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #closeTimer: NodeJS.Timeout | undefined;

  constructor(options: LegacyRawConnectionOptions) {
    this.#socket = options.socket;
    this.#context = options.context;
    this.#settings = options.settings;
    this.#peer = options.peer;
    this.#log = options.logger;
    this.#decoder = new LegacyFrameDecoder(options.settings.maxMessageSize);
    this.#sink = {
      reply: (callId, taskId) => { this.#send(replyMessage(callId, taskId)); },
      error: (callId, text) => { this.#send(errorMessage(callId, text)); },
      update: options.settings.noUpdate ? () => undefined : (callId, data) => { this.#sendUpdate(callId, data); },
    };
    this.closed = new Promise((resolve) => {
      this.#socket.once('close', () => {
        this.#dispose();
        resolve();
      });
    });
    this.#socket.on('error', (err: Error & { code?: string }) => {
      this.#log.debug({ err: { code: err.code, message: err.message } }, 'legacy raw socket error');
    });
    this.#socket.on('data', (chunk: Buffer) => { this.#receive(chunk); });
    this.#socket.once('end', () => { this.#end(); }); // the client will read no more answers
    this.#handshakeTimer = setTimeout(() => {
      this.#log.info({ timeoutMs: this.#settings.handshakeTimeoutMs }, 'no token in time; connection dropped');
      this.#socket.destroy();
    }, this.#settings.handshakeTimeoutMs);
  }

  /** Flush what was written, then close (the listener is stopping). */
  close(): void {
    this.#end();
  }

  #receive(chunk: Buffer): void {
    if (this.#state === 'closing') return;
    const { frames, error } = this.#decoder.push(chunk);
    for (const frame of frames) {
      if (this.#closing()) return;
      this.#frame(frame);
    }
    if (error !== undefined && !this.#closing()) {
      this.#log.warn({ kind: error.kind, reason: error.message }, 'legacy raw socket framing error; connection dropped');
      this.#destroy();
    }
  }

  #frame(frame: LegacyFrame): void {
    switch (frame.type) {
      case 'ping':
        this.#write(encodeLegacyFrame('pong', frame.payload));
        return;
      case 'pong':
        return;
      case 'data':
        break;
    }
    switch (this.#state) {
      case 'token':
        this.#authenticate(frame.payload);
        return;
      case 'joining':
        this.#held.push(frame.payload);
        return;
      case 'open':
        this.#call(frame.payload);
        return;
      case 'closing':
        return;
    }
  }

  #authenticate(payload: Buffer): void {
    clearTimeout(this.#handshakeTimer);
    this.#state = 'joining';
    this.#socket.pause(); // what is already read is held; the rest waits in the kernel
    let token: string;
    try {
      token = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    } catch {
      this.#refuse(HandshakeAnswer.authFailed, 'the token is not UTF-8');
      return;
    }
    if (token === '') {
      this.#refuse(HandshakeAnswer.authFailed, 'empty token');
      return;
    }
    // A delegating service's own session only proves who it is: its calls run in delegated sessions,
    // so it needs no status subscription (and its role no permission to subscribe).
    const subscribe = !this.#settings.delegated;
    this.#context.openSession({ kind: 'token', token }, LEGACY_RAW_PROTOCOL, this.#peer, { subscribe }).then(
      (session) => { this.#joined(session); },
      (error: unknown) => {
        if (error instanceof BridgeJoinError && AUTH_REASONS.has(error.reason)) {
          this.#refuse(HandshakeAnswer.authFailed, error.message);
        } else {
          this.#log.error({ err: error }, 'a legacy raw socket client with a valid token could not join (configuration)');
          this.#refuse(HandshakeAnswer.configError, error instanceof Error ? error.message : String(error));
        }
      },
    );
  }

  #joined(session: BridgeSession): void {
    if (this.#state === 'closing') {
      session.close();
      return;
    }
    this.#session = session;
    session.once('closed', (reason) => {
      if (this.#state === 'closing') return;
      this.#log.info({ reason }, 'the WAMP session of a legacy raw socket client ended; closing the connection');
      this.#end();
    });
    const who = { authid: session.authid, authrole: session.authrole };
    if (this.#settings.delegated) {
      const roles = delegableRoles(this.#settings.delegates, session.authrole);
      if (roles === undefined) {
        this.#log.warn(who, 'a client whose role may not delegate connected to a delegated listener; refused');
        this.#refuse(HandshakeAnswer.authFailed, `role ${session.authrole} may not delegate`);
        return;
      }
      this.#delegated = {
        roles,
        sessions: new DelegatedSessions({
          open: (user, role) => this.#context.openSession({ kind: 'delegated', authid: user, authrole: role }, LEGACY_RAW_DELEGATED_PROTOCOL, this.#peer),
          sink: this.#sink,
          logger: this.#log.child({ delegatedBy: session.authid }),
        }),
      };
    } else {
      session.setSink(this.#sink);
    }
    this.#log.debug({ ...who, delegated: this.#settings.delegated }, 'legacy raw socket client joined');
    this.#state = 'open';
    this.#write(answerFrame(HandshakeAnswer.ok));
    const held = this.#held;
    this.#held = [];
    for (const payload of held) {
      if (this.#closing()) return;
      this.#call(payload);
    }
    if (!this.#closing()) this.#socket.resume();
  }

  #refuse(answer: HandshakeAnswer, reason: string): void {
    if (this.#state === 'closing') return;
    this.#log.info({ answer, reason }, 'legacy raw socket handshake refused');
    this.#write(answerFrame(answer));
    this.#end();
  }

  /**
   * One data frame after the handshake. Bytes that are not CBOR, or a value with no call id to answer
   * to (not an array, or an empty one), close the connection without a reply, as the original did;
   * a call with a call id but a bad shape is answered with `e` and the connection stays.
   */
  #call(payload: Buffer): void {
    let value: unknown;
    try {
      value = cbor.decode(payload);
    } catch (error) {
      this.#log.info({ reason: error instanceof Error ? error.message : String(error) }, 'a frame is not CBOR; connection closed');
      this.#end();
      return;
    }
    const input = parseLegacyCall(value);
    switch (input.kind) {
      case 'unreadable':
        this.#log.info({ reason: input.text }, 'a call without a call id; connection closed');
        this.#end();
        return;
      case 'bad':
        this.#sink.error(input.callId, input.text);
        return;
      case 'call':
        this.#submit(input);
    }
  }

  #submit(call: LegacyCall): void {
    if (this.#delegated === undefined) {
      this.#session?.submit(call.callId, call.task, call.args, call.kwargs);
      return;
    }
    const identity = delegatedIdentity(call, this.#delegated.roles);
    if (!identity.ok) {
      this.#sink.error(call.callId, identity.text);
      return;
    }
    this.#delegated.sessions.submit({ ...call, user: identity.user, role: identity.role });
  }

  /** An update too big for one frame (a huge result) becomes an `error` update, so the task still ends. */
  #sendUpdate(callId: unknown, data: Readonly<Record<string, unknown>>): void {
    const payload = this.#encode(updateMessage(callId, data));
    if (payload === undefined) return;
    if (payload.length <= LEGACY_RAW_MAX_PAYLOAD) {
      this.#write(encodeLegacyFrame('data', payload));
      return;
    }
    this.#log.warn({ size: payload.length, limit: LEGACY_RAW_MAX_PAYLOAD, status: data['status'] }, 'an update does not fit in a frame; sent as an error');
    const duration = typeof data['duration'] === 'number' ? data['duration'] : null;
    this.#send(updateMessage(callId, {
      status: 'error', error: `the update of ${payload.length} bytes does not fit in a raw socket frame (at most ${LEGACY_RAW_MAX_PAYLOAD})`,
      duration, task_id: data['task_id'],
    }));
  }

  #send(message: readonly unknown[]): void {
    const payload = this.#encode(message);
    if (payload === undefined) return;
    if (payload.length > LEGACY_RAW_MAX_PAYLOAD) { // only a reply with an absurd call id could get here
      this.#log.warn({ size: payload.length, kind: message[0] }, 'an answer does not fit in a frame; connection closed');
      this.#destroy();
      return;
    }
    this.#write(encodeLegacyFrame('data', payload));
  }

  #encode(message: readonly unknown[]): Uint8Array | undefined {
    if (this.#state === 'closing') return undefined;
    try {
      const encoded = cbor.encode(message);
      return typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded; // cbor is binary: never a string
    } catch (error) {
      this.#log.error({ err: error, kind: message[0] }, 'cannot encode an answer as CBOR; dropped');
      return undefined;
    }
  }

  /** Unwritten bytes above `queueLimitBytes` mean the client stopped reading: drop it. */
  #write(frame: Buffer): void {
    if (this.#state === 'closing' || this.#socket.destroyed) return;
    this.#socket.write(frame);
    const buffered = this.#socket.writableLength;
    if (buffered > this.#settings.queueLimitBytes) {
      this.#log.warn({ buffered, limit: this.#settings.queueLimitBytes }, 'legacy raw socket client does not read its answers; connection dropped');
      this.#destroy();
    }
  }

  /** Flush, FIN, and ignore whatever the client still sends; destroyed if it does not close in time. */
  #end(): void {
    if (this.#closeTimer !== undefined || this.#socket.destroyed) return;
    this.#state = 'closing';
    this.#closeSessions();
    this.#socket.end();
    this.#socket.resume(); // read (and discard) up to the client's FIN even if reading was paused
    this.#closeTimer = setTimeout(() => { this.#socket.destroy(); }, CLOSE_TIMEOUT_MS);
  }

  #destroy(): void {
    this.#state = 'closing';
    this.#closeSessions();
    this.#socket.destroy();
  }

  /** A method, not a field test, so that TypeScript does not narrow #state across calls that change it. */
  #closing(): boolean {
    return this.#state === 'closing';
  }

  #dispose(): void {
    this.#state = 'closing';
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#closeTimer);
    this.#held = [];
    this.#closeSessions();
  }

  #closeSessions(): void {
    this.#delegated?.sessions.close();
    this.#session?.close();
  }
}

function answerFrame(answer: HandshakeAnswer): Buffer {
  return encodeLegacyFrame('data', Uint8Array.of(answer));
}
