/**
 * Handing decoded input from a transport to the router, shared by the Peer implementations
 * (websocket-peer.ts, rawsocket-peer.ts, longpoll-peer.ts).
 */
import { AppError, SerializationError } from '../../shared/errors.ts';
import type { WampMessage } from '../../shared/wamp/messages.ts';
import type { LazyLogger } from './lazy-logger.ts';
import type { BasePeer } from './peer.ts';

export type PeerInput = { readonly message: WampMessage } | { readonly error: AppError };

/** Why a peer has to be dropped after `emitSafely`. */
export type PeerFailure = 'protocol violation' | 'internal error';

/** What a failed decode is reported as: the AppError itself, or a SerializationError wrapping it. */
export function decodeError(err: unknown): AppError {
  return err instanceof AppError ? err : new SerializationError('cannot decode message', { cause: err });
}

/**
 * Emit `message` or `error` on `peer`. Listener failures are router bugs: log them and call `drop`,
 * never throw into the transport. An error with no listener drops the peer as a protocol violation.
 * `log` is asked for its logger only when there is something to log (lazy-logger.ts).
 */
export function emitSafely(peer: BasePeer, log: LazyLogger, event: PeerInput, drop: (reason: PeerFailure) => void): void {
  try {
    if ('message' in event) {
      peer.emit('message', event.message);
    } else if (peer.listenerCount('error') > 0) {
      peer.emit('error', event.error);
    } else {
      log.get().warn({ err: event.error }, 'undecodable message and no error listener; closing');
      drop('protocol violation');
    }
  } catch (err) {
    log.get().error({ err }, 'peer event listener threw');
    drop('internal error');
  }
}
