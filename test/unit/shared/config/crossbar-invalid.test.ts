/**
 * Values the schema rejects: ConfigInvalidError with the JSONPath and a message naming the
 * expectation and the value with its JSON type. Each case edits a fixture in test/fixtures/config.
 */
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { expectConfigError, fixture, setAt, thrown } from './config-fixtures.ts';

interface Case {
  readonly rule: string;
  readonly base?: string;
  readonly set: readonly (readonly [path: string, value: unknown])[];
  readonly path: string;
  readonly message: string;
}

const W = '$.workers[0]';
const T0 = '$.workers[0].transports[0]';
const P0 = '$.workers[0].realms[0].roles[0].permissions[0]';
const WS = '$.workers[0].transports[0].paths.ws';
const PORT = 'expected a port number from 0 to 65535 (0 = any free port) or "$ENV_VAR"';
const MS = 'expected 0 or a number of milliseconds from 1000 to 2147483647';
const URI = 'expected a WAMP URI pattern: dot-separated components of a-z, 0-9 and _';

const CASES: readonly Case[] = [
  { rule: 'version must be 2', set: [['$.version', 1]], path: '$.version', message: 'expected 2 (Crossbar.io node config version 2), got 1 (number)' },
  { rule: 'unknown top-level keys are errors', set: [['$.workers_', []]], path: '$.workers_', message: 'unknown key' },
  { rule: 'several unknown keys are all named', set: [[`${W}.realm`, {}], [`${W}.transport`, {}]], path: `${W}.realm`, message: "unknown key (also unknown: 'transport')" },
  { rule: 'a router worker is required', set: [['$.workers', []]], path: '$.workers', message: "expected exactly one worker of type 'router', got [] (array)" },
  { rule: 'an unknown worker type is invalid', set: [[`${W}.type`, 'routr']], path: `${W}.type`, message: `expected 'router', got "routr" (string)` },
  { rule: 'realms are required', set: [[`${W}.realms`, undefined]], path: `${W}.realms`, message: 'required, but missing (expected an array)' },
  { rule: 'realm names follow Crossbar', set: [[`${W}.realms[0].name`, 'r1']], path: `${W}.realms[0].name`, message: 'expected a realm name: a letter, then 2 to 254 of A-Z, a-z, 0-9, _, -, @ and ., got "r1" (string)' },
  { rule: 'role names are non-empty', set: [[`${W}.realms[0].roles[0].name`, '']], path: `${W}.realms[0].roles[0].name`, message: 'expected a non-empty string, got "" (string)' },
  { rule: 'an authorizer is a strict WAMP URI', set: [[`${W}.realms[0].roles[0]`, { name: 'dyn', authorizer: 'com.Example.auth' }]], path: `${W}.realms[0].roles[0].authorizer`, message: 'expected a WAMP URI: dot-separated components of a-z, 0-9 and _, got "com.Example.auth" (string)' },
  { rule: 'match is exact, prefix or wildcard', set: [[`${P0}.match`, 'regex']], path: `${P0}.match`, message: `expected 'exact', 'prefix' or 'wildcard', got "regex" (string)` },
  { rule: "'*' is only the legacy trailing prefix marker", set: [[P0, { uri: 'com.*.proc' }]], path: `${P0}.uri`, message: `${URI}; '*' is only allowed last (legacy prefix notation): for wildcards use empty components and "match": "wildcard", got "com.*.proc" (string)` },
  { rule: "'*' with an explicit match is rejected", set: [[P0, { uri: 'com.example.*', match: 'prefix' }]], path: `${P0}.uri`, message: `${URI}; '*' has no meaning with an explicit "match": remove it, got "com.example.*" (string)` },
  { rule: 'permission URIs are strict', set: [[P0, { uri: 'Com.Example' }]], path: `${P0}.uri`, message: `${URI} (the last may be empty), got "Com.Example" (string)` },
  { rule: 'allow flags are booleans', set: [[`${P0}.allow.call`, 'yes']], path: `${P0}.allow.call`, message: 'expected a boolean (true or false), got "yes" (string)' },
  { rule: 'allow has only the four actions', set: [[`${P0}.allow.execute`, true]], path: `${P0}.allow.execute`, message: 'unknown key' },
  { rule: 'an unknown transport type is invalid', set: [[`${T0}.type`, 'http']], path: `${T0}.type`, message: `expected 'websocket', 'web' or 'rawsocket', got "http" (string)` },
  { rule: 'an endpoint needs a type', set: [[`${T0}.endpoint`, { port: 8080 }]], path: `${T0}.endpoint.type`, message: "required, but missing (expected 'tcp')" },
  { rule: 'ports are at most 65535', set: [[`${T0}.endpoint.port`, 70000]], path: `${T0}.endpoint.port`, message: `${PORT}, got 70000 (number)` },
  { rule: 'ports are integers', set: [[`${T0}.endpoint.port`, 80.5]], path: `${T0}.endpoint.port`, message: `${PORT}, got 80.5 (number)` },
  { rule: 'a port string must be "$ENV_VAR"', set: [[`${T0}.endpoint.port`, '8080']], path: `${T0}.endpoint.port`, message: `${PORT}, got "8080" (string)` },
  { rule: 'an interface is non-empty', set: [[`${T0}.endpoint.interface`, '']], path: `${T0}.endpoint.interface`, message: 'expected a non-empty string, got "" (string)' },
  { rule: 'backlog is 1..65535', set: [[`${T0}.endpoint.backlog`, 0]], path: `${T0}.endpoint.backlog`, message: 'expected an integer from 1 to 65535, got 0 (number)' },
  { rule: 'serializers are not empty', set: [[`${T0}.serializers`, []]], path: `${T0}.serializers`, message: 'expected at least 1 item, got [] (array)' },
  { rule: 'serializers are json, msgpack or cbor', set: [[`${T0}.serializers`, ['JSON']]], path: `${T0}.serializers[0]`, message: `expected 'json', 'msgpack' or 'cbor', got "JSON" (string)` },
  { rule: 'max_message_size is at most 64 MiB (Crossbar)', set: [[`${T0}.options`, { max_message_size: 67108865 }]], path: `${T0}.options.max_message_size`, message: 'expected an integer from 1 to 67108864, got 67108865 (number)' },
  { rule: 'auto_ping_interval is 0 or >= 1000 ms (Crossbar)', set: [[`${T0}.options`, { auto_ping_interval: 30 }]], path: `${T0}.options.auto_ping_interval`, message: `${MS}, got 30 (number)` },
  { rule: 'auto_ping_timeout is not negative', set: [[`${T0}.options`, { auto_ping_timeout: -1 }]], path: `${T0}.options.auto_ping_timeout`, message: `${MS}, got -1 (number)` },
  { rule: 'auto_ping_size is 4..125', set: [[`${T0}.options`, { auto_ping_size: 200 }]], path: `${T0}.options.auto_ping_size`, message: 'expected an integer from 4 to 125, got 200 (number)' },
  { rule: 'url is a ws:// or wss:// URL', set: [[`${T0}.url`, 'http://localhost/']], path: `${T0}.url`, message: 'expected a ws:// or wss:// URL, got "http://localhost/" (string)' },
  { rule: 'web paths are "/" or one segment', base: 'web', set: [[`${T0}.paths["ws/v2"]`, { type: 'websocket' }]], path: `${T0}.paths["ws/v2"]`, message: `invalid key: expected '/' or one path segment of A-Z, a-z, 0-9, _ and -, got "ws/v2" (string)` },
  { rule: 'an unknown path service type is invalid', base: 'web', set: [[`${T0}.paths.x`, { type: 'files' }]], path: `${T0}.paths.x.type`, message: `expected 'static', 'websocket' or 'longpoll', got "files" (string)` },
  { rule: 'a static service needs a directory', base: 'web', set: [[`${T0}.paths["/"]`, { type: 'static' }]], path: `${T0}.paths["/"].directory`, message: 'required, but missing (expected a string)' },
  { rule: 'an unknown auth method is invalid', base: 'web', set: [[`${WS}.auth.password`, {}]], path: `${WS}.auth.password`, message: 'unknown key' },
  { rule: 'auth types are static or dynamic', base: 'web', set: [[`${WS}.auth.ticket.type`, 'database']], path: `${WS}.auth.ticket.type`, message: `expected 'static' or 'dynamic', got "database" (string)` },
  { rule: 'a ticket principal needs a role', base: 'web', set: [[`${WS}.auth.ticket.principals.alice.role`, undefined]], path: `${WS}.auth.ticket.principals.alice.role`, message: 'required, but missing (expected a string)' },
  { rule: 'error messages never echo a secret', base: 'web', set: [[`${WS}.auth.wampcra.users.bob.secret`, 12345]], path: `${WS}.auth.wampcra.users.bob.secret`, message: 'expected a string, got <hidden> (number)' },
  { rule: 'iterations are integers', base: 'web', set: [[`${WS}.auth.wampcra.users.bob.iterations`, 1.5]], path: `${WS}.auth.wampcra.users.bob.iterations`, message: 'expected an integer, got 1.5 (number)' },
  { rule: 'a dynamic authenticator is a strict URI', base: 'web', set: [[`${WS}.auth.ticket`, { type: 'dynamic', authenticator: 'auth!' }]], path: `${WS}.auth.ticket.authenticator`, message: 'expected a WAMP URI: dot-separated components of a-z, 0-9 and _, got "auth!" (string)' },
  { rule: 'ids follow Crossbar', set: [[`${W}.id`, 'Router 1']], path: `${W}.id`, message: 'expected an id: a lowercase letter, then 2 to 63 of a-z, 0-9 and _, got "Router 1" (string)' },
  { rule: 'the asexor section is an object', set: [['$.asexor', ['worker']]], path: '$.asexor', message: 'expected an object, got ["worker"] (array)' },
];

describe('fromCrossbarConfig: invalid values', () => {
  for (const c of CASES) {
    it(`${c.rule} (ConfigInvalidError at ${c.path})`, () => {
      const json = fixture(`${c.base ?? 'minimal'}.json`);
      for (const [path, value] of c.set) setAt(json, path, value);
      expectConfigError(thrown(() => fromCrossbarConfig(json, { env: {} })), ConfigInvalidError, c.path, c.message);
    });
  }

  it('names the top level when the document is not an object', () => {
    expectConfigError(thrown(() => fromCrossbarConfig('config')), ConfigInvalidError, '$', 'expected an object, got "config" (string)');
  });
});
