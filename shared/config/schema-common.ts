/** Building blocks shared by the Crossbar config schemas (schema.ts, schema-transport.ts, schema-auth.ts). */
import { z } from 'zod';
import { unsupportedIssue } from './issues.ts';

/** A key Crossbar defines that asexor does not implement: present at all = unsupported. */
export function unsupportedKey(message: string) {
  return z.unknown().transform((_value, ctx) => {
    ctx.addIssue(unsupportedIssue(message));
    return z.NEVER;
  }).optional();
}

/** `unsupportedKey` for each of `keys`, to spread into a strict object's shape. */
export function unsupportedKeys<K extends string>(keys: readonly K[], message: (key: K) => string): Record<K, ReturnType<typeof unsupportedKey>> {
  return Object.fromEntries(keys.map((key) => [key, unsupportedKey(message(key))])) as Record<K, ReturnType<typeof unsupportedKey>>;
}

/** Crossbar `type` values asexor does not implement (one option of a discriminated union). */
export function unsupportedType<T extends string>(types: readonly [T, ...T[]], message: (type: T) => string) {
  return z.looseObject({ type: z.enum(types) }).transform((value, ctx) => {
    ctx.addIssue({ ...unsupportedIssue(message(value.type)), path: ['type'] });
    return z.NEVER;
  });
}

/** A boolean where only Crossbar's default value is implemented. */
export function onlyDefault(supported: boolean, message: string) {
  return z.boolean().transform((value, ctx) => {
    if (value !== supported) ctx.addIssue(unsupportedIssue(message));
    return value;
  });
}

/** An integer in [min, max], with one message for every way to miss it. */
export function intRange(min: number, max: number) {
  const error = `expected an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

// autobahn wamp/message.py `_URI_PAT_STRICT_*`, as Crossbar uses them for config URIs.
export const URI_STRICT_NON_EMPTY = /^([0-9a-z_]+\.)*([0-9a-z_]+)$/;
export const URI_STRICT_LAST_EMPTY = /^([0-9a-z_]+\.)*([0-9a-z_]*)$/;
export const URI_STRICT_EMPTY = /^(([0-9a-z_]+\.)|\.)*([0-9a-z_]+)?$/;
/** checkconfig.py `_REALM_NAME_PAT_STR` */
export const REALM_NAME = /^[A-Za-z][A-Za-z0-9_\-@.]{2,254}$/;
/** checkconfig.py `_CONFIG_ITEM_ID_PAT_STR` (worker, transport and path-service ids) */
export const CONFIG_ITEM_ID = /^[a-z][a-z0-9_]{2,63}$/;

export const uriSchema = z.string().regex(URI_STRICT_NON_EMPTY, {
  error: 'expected a WAMP URI: dot-separated components of a-z, 0-9 and _',
});
export const realmNameSchema = z.string().regex(REALM_NAME, {
  error: 'expected a realm name: a letter, then 2 to 254 of A-Z, a-z, 0-9, _, -, @ and .',
});
/** Accepted for Crossbar compatibility; ids only name things in Crossbar's management API. */
export const itemIdSchema = z.string().regex(CONFIG_ITEM_ID, {
  error: 'expected an id: a lowercase letter, then 2 to 63 of a-z, 0-9 and _',
});

/** checkconfig.py `_ENV_VAR_PAT_STR`: a listening port may be given as `"$PORT"`. */
export const ENV_PORT_REF = /^\$([a-zA-Z_][a-zA-Z0-9_]*)$/;
/** checkconfig.py `_ENVPAT_STR` (`maybe_from_env`): a ticket or WAMP-CRA secret may be `"${NAME}"`. */
export const ENV_SECRET_REF = /^\$\{(.+)\}$/;
