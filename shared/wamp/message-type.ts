/**
 * WAMP message codes (spec: basic/messages.md, rfc/text/advanced/messages.md).
 *
 * Direction (Client → Router → Client):
 *   HELLO C→R, WELCOME R→C, ABORT both, CHALLENGE R→C, AUTHENTICATE C→R, GOODBYE both, ERROR both,
 *   PUBLISH C→R, PUBLISHED R→C, SUBSCRIBE C→R, SUBSCRIBED R→C, UNSUBSCRIBE C→R, UNSUBSCRIBED R→C,
 *   EVENT R→C, CALL C→R, CANCEL C→R, RESULT R→C, REGISTER C→R, REGISTERED R→C, UNREGISTER C→R,
 *   UNREGISTERED R→C, INVOCATION R→C, INTERRUPT R→C, YIELD C→R.
 */
export const MessageType = {
  HELLO: 1,
  WELCOME: 2,
  ABORT: 3,
  CHALLENGE: 4,
  AUTHENTICATE: 5,
  GOODBYE: 6,
  ERROR: 8,
  PUBLISH: 16,
  PUBLISHED: 17,
  SUBSCRIBE: 32,
  SUBSCRIBED: 33,
  UNSUBSCRIBE: 34,
  UNSUBSCRIBED: 35,
  EVENT: 36,
  CALL: 48,
  CANCEL: 49,
  RESULT: 50,
  REGISTER: 64,
  REGISTERED: 65,
  UNREGISTER: 66,
  UNREGISTERED: 67,
  INVOCATION: 68,
  INTERRUPT: 69,
  YIELD: 70,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Code → name, for log lines and error messages. */
export const MessageTypeName: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(MessageType).map(([name, code]) => [code, name])),
);
