/**
 * Encode a typed message for one serializer, reusing the bytes when the same message object was
 * just encoded with that serializer. The broker sends one immutable EVENT object to every
 * subscriber of a subscription in a row, so fan-out to N subscribers encodes once per serializer
 * instead of N times. Messages are readonly values: an object is never changed after it is sent.
 */
import { encode } from '../wamp/codec.ts';
import type { WampMessage } from '../wamp/messages.ts';
import type { Serializer } from './serializer.ts';

interface Slot {
  message: WampMessage | undefined;
  data: string | Uint8Array;
}

const lastEncoded = new WeakMap<Serializer, Slot>();

export function encodeMessage(serializer: Serializer, message: WampMessage): string | Uint8Array {
  let slot = lastEncoded.get(serializer);
  if (slot?.message === message) return slot.data;
  const data = serializer.encode(encode(message));
  if (slot) {
    slot.message = message;
    slot.data = data;
  } else {
    slot = { message, data };
    lastEncoded.set(serializer, slot);
  }
  return data;
}
