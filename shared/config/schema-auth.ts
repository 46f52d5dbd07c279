/**
 * A transport's `auth` block (checkconfig.py `check_transport_auth*`): anonymous, ticket and
 * wampcra, each `static` or `dynamic`. Crossbar's other methods and the `function` type are
 * unsupported. Secrets may be `"${ENV_VAR}"`; crossbar.ts resolves them.
 */
import { z } from 'zod';
import { realmNameSchema, unsupportedKey, unsupportedType, uriSchema } from './schema-common.ts';

const roleName = z.string().min(1, { error: 'expected a non-empty role name' });
const authidKey = z.string().min(1, { error: 'expected a non-empty authid' });
const secret = z.string().min(1, { error: 'expected a non-empty string' });

const STATIC_OR_DYNAMIC = "expected 'static' or 'dynamic'";
const defaultRole = unsupportedKey("'default-role' is not supported: give every principal its own 'role'");

const dynamicSchema = z.strictObject({
  type: z.literal('dynamic'),
  /** Procedure called as authenticate(realm, authid, details). */
  authenticator: uriSchema,
  'authenticator-realm': realmNameSchema.optional(),
  'authenticator-role': unsupportedKey(
    "'authenticator-role' is not supported: asexor calls the authenticator from its own trusted service session",
  ),
});

const functionType = unsupportedType(['function'], () =>
  "authentication type 'function' (an in-process Python callable) is not supported: use 'dynamic'");

const anonymousSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('static'),
    role: roleName.optional(),
    authid: unsupportedKey('a fixed anonymous authid is not supported: asexor gives every anonymous session a random authid'),
  }),
  dynamicSchema,
  functionType,
], { error: STATIC_OR_DYNAMIC });

const ticketSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('static'),
    principals: z.record(authidKey, z.strictObject({ ticket: secret, role: roleName })),
    'default-role': defaultRole,
  }),
  dynamicSchema,
  functionType,
], { error: STATIC_OR_DYNAMIC });

const wampcraSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('static'),
    users: z.record(authidKey, z.strictObject({
      /** For salted users: the derived key, as Crossbar <= 23 (crossbar-config/README.md). */
      secret,
      role: roleName,
      salt: z.string().min(1).optional(),
      iterations: z.int().optional(),
      keylen: z.int().optional(),
    })),
    'default-role': defaultRole,
  }),
  dynamicSchema,
  functionType,
], { error: STATIC_OR_DYNAMIC });

const laterMethod = (name: string) => unsupportedKey(`authentication method '${name}' is not supported`);

export const authSchema = z.strictObject({
  anonymous: anonymousSchema.optional(),
  ticket: ticketSchema.optional(),
  wampcra: wampcraSchema.optional(),
  cryptosign: laterMethod('cryptosign'),
  'cryptosign-proxy': laterMethod('cryptosign-proxy'),
  'anonymous-proxy': laterMethod('anonymous-proxy'),
  scram: laterMethod('scram'),
  tls: laterMethod('tls'),
  cookie: laterMethod('cookie'),
});

export type CrossbarAuth = z.output<typeof authSchema>;
export type CrossbarDynamicAuth = z.output<typeof dynamicSchema>;
