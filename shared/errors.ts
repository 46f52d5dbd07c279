/**
 * The error registry: every error this project raises is a class here, with a stable `code`
 * (`ERR_<AREA>_<REASON>`) and, when it crosses the wire, a WAMP `uri`. README "Error codes" lists
 * them all; test/unit/shared/errors.test.ts keeps the two in sync.
 * Code branches on `code` or `instanceof`, never on `message`.
 */
import { WampErrorUri } from './wamp/uris.ts';

export abstract class AppError extends Error {
  abstract readonly code: `ERR_${string}`;
  /** WAMP URI used when this error crosses the wire; undefined = internal only. */
  readonly uri: string | undefined = undefined;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A peer broke a WAMP rule: malformed message, wrong state, unknown request id. Ends the session with ABORT. */
export class ProtocolViolationError extends AppError {
  readonly code = 'ERR_PROTOCOL_VIOLATION';
  override readonly uri = WampErrorUri.protocolViolation;
}

/** Bytes that the negotiated serializer cannot decode (invalid JSON/MessagePack/CBOR, wrong frame kind). */
export class SerializationError extends AppError {
  readonly code = 'ERR_SERIALIZATION';
  override readonly uri = WampErrorUri.protocolViolation;
}

/** A message larger than the transport's configured maximum. */
export class PayloadTooLargeError extends AppError {
  readonly code = 'ERR_PAYLOAD_TOO_LARGE';
  override readonly uri = WampErrorUri.payloadSizeExceeded;
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number) {
    super(`message of ${size} bytes exceeds the limit of ${limit} bytes`);
    this.size = size;
    this.limit = limit;
  }
}

/** Invalid options or configuration file content; `path` is the JSON path of the offending value. */
export class ConfigInvalidError extends AppError {
  readonly code = 'ERR_CONFIG_INVALID';
  readonly path: string;
  constructor(message: string, path = '', options?: ErrorOptions) {
    super(path ? `${path}: ${message}` : message, options);
    this.path = path;
  }
}

/** A Crossbar.io configuration feature asexor does not implement (never silently ignored). */
export class ConfigUnsupportedError extends AppError {
  readonly code = 'ERR_CONFIG_UNSUPPORTED';
  readonly path: string;
  constructor(message: string, path: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}

/** A listener could not bind its address. */
export class TransportBindError extends AppError {
  readonly code = 'ERR_TRANSPORT_BIND';
}
