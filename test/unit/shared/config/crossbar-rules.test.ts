/** Cross-field rules and environment lookups of fromCrossbarConfig (beyond what the schema checks). */
import { expect } from 'chai';
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { expectConfigError, fixture, httpTransport, setAt, thrown } from './config-fixtures.ts';

interface Case {
  readonly rule: string;
  readonly base?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly set: readonly (readonly [path: string, value: unknown])[];
  readonly path: string;
  readonly message: string;
}

const R = '$.workers[0].realms';
const T = '$.workers[0].transports';
const WS = '$.workers[0].transports[0].paths.ws';
const BOB = `${WS}.auth.wampcra.users.bob`;
const ws = (port: number, host?: string): unknown => ({ type: 'websocket', endpoint: { type: 'tcp', port, ...(host ? { interface: host } : {}) } });
const salted = (extra: Record<string, unknown>): unknown => ({ secret: 'derived-key', role: 'user', ...extra });

const CASES: readonly Case[] = [
  { rule: 'realm names are unique', set: [[`${R}[1]`, { name: 'realm1' }]], path: `${R}[1].name`, message: `duplicate realm name 'realm1' (first defined at ${R}[0].name)` },
  { rule: 'role names are unique within a realm', set: [[`${R}[0].roles[1]`, { name: 'anonymous' }]], path: `${R}[0].roles[1].name`, message: `duplicate role name 'anonymous' (first defined at ${R}[0].roles[0].name)` },
  { rule: 'a role has permissions or an authorizer, not both', set: [[`${R}[0].roles[0].authorizer`, 'com.example.authorize']], path: `${R}[0].roles[0]`, message: "a role has either 'permissions' (static) or 'authorizer' (dynamic), not both" },
  { rule: 'two transports cannot share a port on one interface', set: [[`${T}[1]`, ws(8080)]], path: `${T}[1].endpoint.port`, message: `port 8080 on 127.0.0.1 is already used by ${T}[0]` },
  { rule: 'a wildcard interface clashes with any other on the same port', set: [[`${T}[1]`, ws(8080, '0.0.0.0')]], path: `${T}[1].endpoint.port`, message: `port 8080 on 0.0.0.0 is already used by ${T}[0]` },
  { rule: 'an auth block names at least one method', set: [[`${T}[0].auth`, {}]], path: `${T}[0].auth`, message: "expected at least one of 'anonymous', 'ticket' or 'wampcra': an empty auth block lets nobody in" },
  { rule: 'a web transport has at least one path', base: 'web', set: [[`${T}[0].paths`, {}]], path: `${T}[0].paths`, message: 'expected at least one path service, got {} (object)' },
  { rule: "'iterations' needs a salt", base: 'web', set: [[BOB, salted({ iterations: 1000 })]], path: `${BOB}.iterations`, message: "'iterations' only applies to salted users: add a 'salt' or remove it" },
  { rule: "'keylen' needs a salt", base: 'web', set: [[BOB, salted({ keylen: 32 })]], path: `${BOB}.keylen`, message: "'keylen' only applies to salted users: add a 'salt' or remove it" },
  { rule: 'salted iterations are at least 1', base: 'web', set: [[BOB, salted({ salt: 's', iterations: 0 })]], path: `${BOB}.iterations`, message: 'expected an integer from 1 to 10000000, got 0 (number)' },
  { rule: 'salted iterations are at most 10 million', base: 'web', set: [[BOB, salted({ salt: 's', iterations: 10_000_001 })]], path: `${BOB}.iterations`, message: 'expected an integer from 1 to 10000000, got 10000001 (number)' },
  { rule: 'salted keylen is at least 16 bytes', base: 'web', set: [[BOB, salted({ salt: 's', keylen: 8 })]], path: `${BOB}.keylen`, message: 'expected an integer from 16 to 64, got 8 (number)' },
  { rule: 'salted keylen is at most 64 bytes', base: 'web', set: [[BOB, salted({ salt: 's', keylen: 65 })]], path: `${BOB}.keylen`, message: 'expected an integer from 16 to 64, got 65 (number)' },
  { rule: "'authenticator-realm' names a configured realm", set: [[`${T}[0].auth`, { ticket: { type: 'dynamic', authenticator: 'com.auth', 'authenticator-realm': 'elsewhere' } }]], path: `${T}[0].auth.ticket["authenticator-realm"]`, message: `expected one of the configured realms ('realm1'), got "elsewhere" (string)` },
  { rule: 'a "${NAME}" ticket needs NAME in the environment', base: 'web', set: [[`${WS}.auth.ticket.principals.alice.ticket`, '${ALICE_TICKET}']], path: `${WS}.auth.ticket.principals.alice.ticket`, message: "environment variable 'ALICE_TICKET' is not set" },
  { rule: 'a "${NAME}" secret needs NAME in the environment', base: 'web', set: [[`${BOB}.secret`, '${BOB_SECRET}']], path: `${BOB}.secret`, message: "environment variable 'BOB_SECRET' is not set" },
  { rule: 'a "${NAME}" secret must not be empty', base: 'web', env: { BOB_SECRET: '' }, set: [[`${BOB}.secret`, '${BOB_SECRET}']], path: `${BOB}.secret`, message: "environment variable 'BOB_SECRET' is empty" },
  { rule: 'a "$NAME" port needs NAME in the environment', set: [[`${T}[0].endpoint.port`, '$ROUTER_PORT']], path: `${T}[0].endpoint.port`, message: "environment variable 'ROUTER_PORT' is not set" },
  { rule: 'a "$NAME" port must hold a port number', env: { ROUTER_PORT: '80a' }, set: [[`${T}[0].endpoint.port`, '$ROUTER_PORT']], path: `${T}[0].endpoint.port`, message: `environment variable 'ROUTER_PORT' must hold a port number from 0 to 65535, got "80a" (string)` },
  { rule: "'__proto__' is never a key (zod would drop it silently)", base: 'web', set: [[`${WS}.auth.ticket.principals`, JSON.parse('{"__proto__": {"ticket": "t", "role": "user"}}')]], path: `${WS}.auth.ticket.principals.__proto__`, message: "'__proto__' is not allowed as a key" },
];

describe('fromCrossbarConfig: cross-field rules and environment', () => {
  for (const c of CASES) {
    it(`${c.rule} (ConfigInvalidError at ${c.path})`, () => {
      const json = fixture(`${c.base ?? 'minimal'}.json`);
      for (const [path, value] of c.set) setAt(json, path, value);
      expectConfigError(thrown(() => fromCrossbarConfig(json, { env: c.env ?? {} })), ConfigInvalidError, c.path, c.message);
    });
  }

  it('allows one port on two different interfaces, and port 0 (any free port) twice', () => {
    const json = fixture('minimal.json');
    setAt(json, `${T}[0]`, ws(8080, '127.0.0.1'));
    setAt(json, `${T}[1]`, ws(8080, '::1'));
    setAt(json, `${T}[2]`, ws(0));
    setAt(json, `${T}[3]`, ws(0));
    const ports = fromCrossbarConfig(json).router.transports.map((t) => [httpTransport(t).endpoint.interface, httpTransport(t).endpoint.port]);
    expect(ports).to.deep.equal([['127.0.0.1', 8080], ['::1', 8080], ['127.0.0.1', 0], ['127.0.0.1', 0]]);
  });

  it('fills in Crossbar <= 23 salt defaults (1000 iterations, 32 bytes) when only salt is given', () => {
    const json = fixture('web.json');
    setAt(json, BOB, salted({ salt: 'salt123' }));
    const service = httpTransport(fromCrossbarConfig(json).router.transports[0]).services[1];
    const wampcra = service?.type === 'websocket' ? service.auth?.wampcra : undefined;
    expect(wampcra && 'users' in wampcra ? { ...wampcra.users['bob'] } : undefined)
      .to.deep.equal({ secret: 'derived-key', role: 'user', salt: 'salt123', iterations: 1000, keylen: 32 });
  });
});
