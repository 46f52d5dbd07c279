/**
 * WAMP IDs (spec: basic/building_blocks.md "IDs"): integers in [1, 2^53].
 * Global scope (sessions, publications): drawn uniformly at random over the whole range.
 * Router and session scope: sequential 1, 2, … wrapping back to 1 after 2^53.
 */
import { randomFillSync } from 'node:crypto';

/** Largest WAMP ID: 2^53 (9007199254740992). */
export const MAX_ID = 2 ** 53;

/** Whether `value` is a WAMP ID: an integer number in [1, 2^53]. */
export function isWampId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_ID;
}

// Random words are drawn in batches: one syscall-backed fill per 128 IDs.
const POOL_WORDS = 256;
const pool = new Uint32Array(POOL_WORDS);
let poolIndex = POOL_WORDS;

/** A global-scope ID: uniform over [1, 2^53] (53 random bits + 1). spec: basic/building_blocks.md "IDs" */
export function randomId(): number {
  if (poolIndex >= POOL_WORDS) {
    randomFillSync(pool);
    poolIndex = 0;
  }
  const high = (pool[poolIndex] ?? 0) & 0x1f_ffff; // 21 bits
  const low = pool[poolIndex + 1] ?? 0; // 32 bits
  poolIndex += 2;
  return high * 0x1_0000_0000 + low + 1;
}

/**
 * Sequential IDs for the session and router scopes: 1, 2, …, 2^53, then 1 again.
 * spec: basic/building_blocks.md "IDs" (session scope MUST increment by 1 from 1 and wrap after 2^53)
 */
export class SequentialIds {
  #last: number;

  /** @param last the ID issued last (tests start near the wrap point); @default 0, so the first ID is 1 */
  constructor(last = 0) {
    if (!Number.isInteger(last) || last < 0 || last > MAX_ID) {
      throw new RangeError(`SequentialIds start must be an integer in [0, 2^53], got ${last}`);
    }
    this.#last = last;
  }

  next(): number {
    this.#last = this.#last >= MAX_ID ? 1 : this.#last + 1;
    return this.#last;
  }
}

/** Router-scope IDs (subscriptions, registrations): sequential, like the session scope. */
export type RouterScopeIds = SequentialIds;
