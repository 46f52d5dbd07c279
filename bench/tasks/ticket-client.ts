/**
 * Ticket authentication for the lean benchmark client (bench/router/raw-client.ts, which only speaks
 * anonymous): HELLO (authmethods ['ticket'], authid) → CHALLENGE → AUTHENTICATE → WELCOME, then the
 * same RawWampClient, with no per-message overhead beyond `ws` and our codec.
 * spec: advanced/authentication_ticket.md
 */
import { WebSocket } from 'ws';
import { decode, encode } from '../../shared/wamp/codec.ts';
import { serializerById, subprotocolFor } from '../../shared/serializers/index.ts';
import type { Serializer, SerializerId } from '../../shared/serializers/serializer.ts';
import { MessageType } from '../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import { RawWampClient } from '../router/raw-client.ts';

export interface TicketConnectOptions {
  readonly url: string;
  readonly realm: string;
  readonly serializer: SerializerId;
  readonly authid: string;
  readonly ticket: string;
  /** @default 10_000 */
  readonly timeoutMs?: number;
}

// spec: basic/sessions.md (HELLO.Details.roles is required and non-empty)
const ROLES = { caller: {}, subscriber: {} } as const;

function decodeFrame(serializer: Serializer, data: Buffer, isBinary: boolean): WampMessage {
  return decode(serializer.decode(isBinary ? data : data.toString('utf8')));
}

/** Open a WebSocket, authenticate with the ticket and resolve on WELCOME; reject on ABORT, error, close or timeout. */
export function connectTicket(options: TicketConnectOptions): Promise<RawWampClient> {
  const serializer = serializerById(options.serializer);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const ws = new WebSocket(options.url, [subprotocolFor(options.serializer)], { perMessageDeflate: false });
  const send = (message: WampMessage): void => { ws.send(serializer.encode(encode(message))); };
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('error', failWith);
      ws.off('close', onClose);
    };
    const failWith = (err: Error): void => {
      cleanup();
      ws.terminate();
      reject(err);
    };
    const onClose = (): void => { failWith(new Error(`connection to ${options.url} closed during the handshake`)); };
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      const message = decodeFrame(serializer, data, isBinary);
      if (message.type === MessageType.CHALLENGE && message.authMethod === 'ticket') {
        send({ type: MessageType.AUTHENTICATE, signature: options.ticket, extra: {} });
      } else if (message.type === MessageType.WELCOME) {
        cleanup();
        ws.on('error', () => undefined); // a reset while closing is not a benchmark failure
        resolve(new RawWampClient(ws, serializer, message.session));
      } else {
        failWith(new Error(`ticket handshake failed: ${JSON.stringify(encode(message))}`));
      }
    };
    const timer = setTimeout(() => { failWith(new Error(`no WELCOME from ${options.url} within ${timeoutMs} ms`)); }, timeoutMs);
    ws.once('error', failWith);
    ws.once('close', onClose);
    ws.on('message', onMessage);
    ws.once('open', () => {
      send({ type: MessageType.HELLO, realm: options.realm, details: { roles: ROLES, authmethods: ['ticket'], authid: options.authid } });
    });
  });
}
