/**
 * The typed WAMP message model. Every message the router or a peer handles is one of these;
 * raw arrays are turned into them only by `codec.decode` (shared/wamp/codec.ts).
 * Wire layouts are from spec rfc/text/basic/messages.md and rfc/text/advanced/messages.md.
 */
import type { MessageType } from './message-type.ts';

/** An ID: integer in [1, 2^53] (spec: basic/building_blocks.md "Identifiers"). */
export type WampId = number;
/** A URI string (validated by uri-rules.ts where the spec requires it). */
export type Uri = string;
export type Dict = Readonly<Record<string, unknown>>;
export type Args = readonly unknown[];
export type KwArgs = Readonly<Record<string, unknown>>;

/** Optional trailing payload shared by ABORT, ERROR, PUBLISH, EVENT, CALL, RESULT, INVOCATION, YIELD. */
interface Payload {
  readonly args?: Args;
  readonly kwargs?: KwArgs;
}

/** [HELLO, Realm|uri, Details|dict] */
export interface Hello {
  readonly type: typeof MessageType.HELLO;
  readonly realm: Uri;
  readonly details: Dict;
}
/** [WELCOME, Session|id, Details|dict] */
export interface Welcome {
  readonly type: typeof MessageType.WELCOME;
  readonly session: WampId;
  readonly details: Dict;
}
/** [ABORT, Details|dict, Reason|uri, (Arguments|list, (ArgumentsKw|dict))] */
export interface Abort extends Payload {
  readonly type: typeof MessageType.ABORT;
  readonly details: Dict;
  readonly reason: Uri;
}
/** [CHALLENGE, AuthMethod|string, Extra|dict] */
export interface Challenge {
  readonly type: typeof MessageType.CHALLENGE;
  readonly authMethod: string;
  readonly extra: Dict;
}
/** [AUTHENTICATE, Signature|string, Extra|dict] */
export interface Authenticate {
  readonly type: typeof MessageType.AUTHENTICATE;
  readonly signature: string;
  readonly extra: Dict;
}
/** [GOODBYE, Details|dict, Reason|uri] */
export interface Goodbye {
  readonly type: typeof MessageType.GOODBYE;
  readonly details: Dict;
  readonly reason: Uri;
}
/** [ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, (Arguments|list, (ArgumentsKw|dict))] */
export interface ErrorMessage extends Payload {
  readonly type: typeof MessageType.ERROR;
  /** The type of the request this error answers: SUBSCRIBE, UNSUBSCRIBE, PUBLISH, REGISTER, UNREGISTER, CALL or INVOCATION. */
  readonly requestType: number;
  readonly request: WampId;
  readonly details: Dict;
  readonly error: Uri;
}
/** [PUBLISH, Request|id, Options|dict, Topic|uri, (Arguments|list, (ArgumentsKw|dict))] */
export interface Publish extends Payload {
  readonly type: typeof MessageType.PUBLISH;
  readonly request: WampId;
  readonly options: Dict;
  readonly topic: Uri;
}
/** [PUBLISHED, PUBLISH.Request|id, Publication|id] */
export interface Published {
  readonly type: typeof MessageType.PUBLISHED;
  readonly request: WampId;
  readonly publication: WampId;
}
/** [SUBSCRIBE, Request|id, Options|dict, Topic|uri] */
export interface Subscribe {
  readonly type: typeof MessageType.SUBSCRIBE;
  readonly request: WampId;
  readonly options: Dict;
  readonly topic: Uri;
}
/** [SUBSCRIBED, SUBSCRIBE.Request|id, Subscription|id] */
export interface Subscribed {
  readonly type: typeof MessageType.SUBSCRIBED;
  readonly request: WampId;
  readonly subscription: WampId;
}
/** [UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id] */
export interface Unsubscribe {
  readonly type: typeof MessageType.UNSUBSCRIBE;
  readonly request: WampId;
  readonly subscription: WampId;
}
/** [UNSUBSCRIBED, UNSUBSCRIBE.Request|id] */
export interface Unsubscribed {
  readonly type: typeof MessageType.UNSUBSCRIBED;
  readonly request: WampId;
}
/** [EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, (Arguments|list, (ArgumentsKw|dict))] */
export interface Event extends Payload {
  readonly type: typeof MessageType.EVENT;
  readonly subscription: WampId;
  readonly publication: WampId;
  readonly details: Dict;
}
/** [CALL, Request|id, Options|dict, Procedure|uri, (Arguments|list, (ArgumentsKw|dict))] */
export interface Call extends Payload {
  readonly type: typeof MessageType.CALL;
  readonly request: WampId;
  readonly options: Dict;
  readonly procedure: Uri;
}
/** [CANCEL, CALL.Request|id, Options|dict] */
export interface Cancel {
  readonly type: typeof MessageType.CANCEL;
  readonly request: WampId;
  readonly options: Dict;
}
/** [RESULT, CALL.Request|id, Details|dict, (YIELD.Arguments|list, (YIELD.ArgumentsKw|dict))] */
export interface Result extends Payload {
  readonly type: typeof MessageType.RESULT;
  readonly request: WampId;
  readonly details: Dict;
}
/** [REGISTER, Request|id, Options|dict, Procedure|uri] */
export interface Register {
  readonly type: typeof MessageType.REGISTER;
  readonly request: WampId;
  readonly options: Dict;
  readonly procedure: Uri;
}
/** [REGISTERED, REGISTER.Request|id, Registration|id] */
export interface Registered {
  readonly type: typeof MessageType.REGISTERED;
  readonly request: WampId;
  readonly registration: WampId;
}
/** [UNREGISTER, Request|id, REGISTERED.Registration|id] */
export interface Unregister {
  readonly type: typeof MessageType.UNREGISTER;
  readonly request: WampId;
  readonly registration: WampId;
}
/** [UNREGISTERED, UNREGISTER.Request|id] (the router-initiated revocation form `[67, 0, Details]` is not used) */
export interface Unregistered {
  readonly type: typeof MessageType.UNREGISTERED;
  readonly request: WampId;
}
/** [INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, (CALL.Arguments|list, (CALL.ArgumentsKw|dict))] */
export interface Invocation extends Payload {
  readonly type: typeof MessageType.INVOCATION;
  readonly request: WampId;
  readonly registration: WampId;
  readonly details: Dict;
}
/** [INTERRUPT, INVOCATION.Request|id, Options|dict] */
export interface Interrupt {
  readonly type: typeof MessageType.INTERRUPT;
  readonly request: WampId;
  readonly options: Dict;
}
/** [YIELD, INVOCATION.Request|id, Options|dict, (Arguments|list, (ArgumentsKw|dict))] */
export interface Yield extends Payload {
  readonly type: typeof MessageType.YIELD;
  readonly request: WampId;
  readonly options: Dict;
}

export type WampMessage =
  | Hello | Welcome | Abort | Challenge | Authenticate | Goodbye | ErrorMessage
  | Publish | Published | Subscribe | Subscribed | Unsubscribe | Unsubscribed | Event
  | Call | Cancel | Result | Register | Registered | Unregister | Unregistered
  | Invocation | Interrupt | Yield;

/** Messages a client may send to a router once its session is established. */
export type ClientSessionMessage =
  | Goodbye | ErrorMessage | Publish | Subscribe | Unsubscribe | Call | Cancel | Register | Unregister | Yield;

/** Messages a client may send during the opening handshake. */
export type ClientHandshakeMessage = Hello | Authenticate | Abort;

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
