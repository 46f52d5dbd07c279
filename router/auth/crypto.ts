/**
 * The WAMP-CRA primitives, byte-compatible with autobahn-python `auth.derive_key`/`compute_wcs`
 * and autobahn-js `auth_cra.derive_key`/`sign` (known-answer tests in test/unit/router/auth).
 */
import { createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * PBKDF2-HMAC-SHA256 of the UTF-8 password and salt, base64. The result is used as a WAMP-CRA
 * secret (its base64 text, not the raw bytes). spec: advanced/authentication_cra.md "Password Salting"
 */
export function deriveKey(password: string, salt: string, iterations = 1000, keylen = 32): string {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), iterations, keylen, 'sha256').toString('base64');
}

/** base64(HMAC-SHA256(key = UTF-8 bytes of `key`, message = UTF-8 bytes of `challenge`)). spec: advanced/authentication_cra.md */
export function signChallenge(key: string, challenge: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(challenge, 'utf8').digest('base64');
}

/** Per-process key: comparing MACs of both inputs makes the comparison length-independent. */
const COMPARE_KEY = randomBytes(32);

function mac(value: string): Buffer {
  return createHmac('sha256', COMPARE_KEY).update(value, 'utf8').digest();
}

/** Constant-time string equality that also hides the length of either input. */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(mac(a), mac(b));
}

/** A random string of `bytes` random bytes, base64url (no padding). */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
