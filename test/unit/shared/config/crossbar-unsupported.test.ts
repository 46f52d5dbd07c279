/**
 * Every Crossbar feature asexor does not implement is a ConfigUnsupportedError naming its JSONPath,
 * never silently ignored. Each case edits test/fixtures/config/minimal.json (or web.json).
 */
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import { ConfigUnsupportedError } from '../../../../shared/errors.ts';
import { expectConfigError, fixture, setAt, thrown } from './config-fixtures.ts';

interface Case {
  readonly feature: string;
  readonly base?: string;
  readonly set: readonly (readonly [path: string, value: unknown])[];
  readonly path: string;
  readonly message: RegExp;
}

const T0 = '$.workers[0].transports[0]';
const WS = '$.workers[0].transports[0].paths.ws';
const tls = { key: 'server.key', certificate: 'server.crt' };

const CASES: readonly Case[] = [
  { feature: 'a TLS endpoint', set: [[`${T0}.endpoint.tls`, tls]], path: `${T0}.endpoint.tls`, message: /TLS endpoints are not supported/ },
  { feature: 'a Unix socket endpoint', set: [[`${T0}.endpoint`, { type: 'unix', path: 'router.sock' }]], path: `${T0}.endpoint.type`, message: /Unix socket endpoints/ },
  { feature: 'a twisted endpoint', set: [[`${T0}.endpoint`, { type: 'twisted', server_string: 'tcp:80' }]], path: `${T0}.endpoint.type`, message: /'twisted' endpoints/ },
  { feature: 'an endpoint portrange', set: [[`${T0}.endpoint.portrange`, [8000, 8100]]], path: `${T0}.endpoint.portrange`, message: /'portrange' is not supported/ },
  { feature: 'an endpoint IP version', set: [[`${T0}.endpoint.version`, 6]], path: `${T0}.endpoint.version`, message: /'version' is not supported/ },
  { feature: 'a shared endpoint', set: [[`${T0}.endpoint.shared`, true]], path: `${T0}.endpoint.shared`, message: /shared \(SO_REUSEPORT\)/ },
  { feature: 'a universal transport', set: [[T0, { type: 'universal', endpoint: { type: 'tcp', port: 8080 } }]], path: `${T0}.type`, message: /'universal' transports .* later release/ },
  { feature: 'an MQTT transport', set: [[T0, { type: 'mqtt', endpoint: { type: 'tcp', port: 1883 } }]], path: `${T0}.type`, message: /'mqtt' transports are not supported/ },
  { feature: 'the ubjson serializer', set: [[`${T0}.serializers`, ['json', 'ubjson']]], path: `${T0}.serializers[1]`, message: /serializer 'ubjson' is not supported/ },
  { feature: 'the flatbuffers serializer', set: [[`${T0}.serializers`, ['flatbuffers']]], path: `${T0}.serializers[0]`, message: /serializer 'flatbuffers'/ },
  { feature: 'WebSocket compression', set: [[`${T0}.options`, { compression: { deflate: {} } }]], path: `${T0}.options.compression`, message: /WebSocket option 'compression'/ },
  { feature: 'open_handshake_timeout', set: [[`${T0}.options`, { open_handshake_timeout: 5000 }]], path: `${T0}.options.open_handshake_timeout`, message: /WebSocket option 'open_handshake_timeout'/ },
  { feature: 'optional WebSocket subprotocols', set: [[`${T0}.options`, { require_websocket_subprotocol: false }]], path: `${T0}.options.require_websocket_subprotocol`, message: /clients must offer a wamp\.2\.\* subprotocol/ },
  { feature: 'cookie tracking', set: [[`${T0}.cookie`, { store: { type: 'memory' } }]], path: `${T0}.cookie`, message: /cookie tracking/ },
  { feature: 'a fixed long-poll transport id', base: 'web', set: [[`$.workers[0].transports[0].paths.lp`, { type: 'longpoll', options: { debug_transport_id: 'kjmd3sBLOUnb3Fyr' } }]], path: '$.workers[0].transports[0].paths.lp.options.debug_transport_id', message: /transport ids are random/ },
  { feature: 'an unlimited long-poll queue', base: 'web', set: [[`$.workers[0].transports[0].paths.lp`, { type: 'longpoll', options: { queue_limit_bytes: 0 } }]], path: '$.workers[0].transports[0].paths.lp.options.queue_limit_bytes', message: /queue_limit_bytes: 0 \(no limit\) is not supported/ },
  { feature: 'a WSGI path service', base: 'web', set: [[`$.workers[0].transports[0].paths.app`, { type: 'wsgi', module: 'app', object: 'app' }]], path: '$.workers[0].transports[0].paths.app.type', message: /Web service type 'wsgi'/ },
  { feature: 'a reverse proxy path service', base: 'web', set: [[`$.workers[0].transports[0].paths.api`, { type: 'reverseproxy', host: 'localhost' }]], path: '$.workers[0].transports[0].paths.api.type', message: /Web service type 'reverseproxy'/ },
  { feature: 'static files from a Python package', base: 'web', set: [['$.workers[0].transports[0].paths["/"]', { type: 'static', package: 'app', resource: 'web' }]], path: '$.workers[0].transports[0].paths["/"].package', message: /Python package/ },
  { feature: 'static service options', base: 'web', set: [['$.workers[0].transports[0].paths["/"].options', { enable_directory_listing: true }]], path: '$.workers[0].transports[0].paths["/"].options', message: /static service options/ },
  { feature: 'Web transport options', base: 'web', set: [['$.workers[0].transports[0].options', { access_log: true }]], path: '$.workers[0].transports[0].options.access_log', message: /Web transport option 'access_log'/ },
  { feature: 'cryptosign authentication', base: 'web', set: [[`${WS}.auth.cryptosign`, { type: 'static', principals: {} }]], path: `${WS}.auth.cryptosign`, message: /method 'cryptosign'/ },
  { feature: 'SCRAM authentication', base: 'web', set: [[`${WS}.auth.scram`, { type: 'static' }]], path: `${WS}.auth.scram`, message: /method 'scram'/ },
  { feature: 'TLS client-certificate authentication', base: 'web', set: [[`${WS}.auth.tls`, { type: 'static' }]], path: `${WS}.auth.tls`, message: /method 'tls'/ },
  { feature: 'cookie authentication', base: 'web', set: [[`${WS}.auth.cookie`, {}]], path: `${WS}.auth.cookie`, message: /method 'cookie'/ },
  { feature: "authentication type 'function'", base: 'web', set: [[`${WS}.auth.ticket`, { type: 'function', create: 'app.create' }]], path: `${WS}.auth.ticket.type`, message: /type 'function'/ },
  { feature: "a ticket 'default-role'", base: 'web', set: [[`${WS}.auth.ticket["default-role"]`, 'user']], path: `${WS}.auth.ticket["default-role"]`, message: /'default-role' is not supported/ },
  { feature: 'a fixed anonymous authid', set: [[`${T0}.auth`, { anonymous: { type: 'static', authid: 'guest' } }]], path: `${T0}.auth.anonymous.authid`, message: /random authid/ },
  { feature: "a dynamic 'authenticator-role'", set: [[`${T0}.auth`, { ticket: { type: 'dynamic', authenticator: 'com.auth', 'authenticator-role': 'auth' } }]], path: `${T0}.auth.ticket["authenticator-role"]`, message: /'authenticator-role' is not supported/ },
  { feature: 'a container worker', set: [['$.workers[0]', { type: 'container', components: [] }]], path: '$.workers[0].type', message: /worker type 'container'/ },
  { feature: 'a guest worker', set: [['$.workers[1]', { type: 'guest', executable: 'node' }]], path: '$.workers[1].type', message: /worker type 'guest'/ },
  { feature: 'a second router worker', set: [['$.workers[1]', (fixture('minimal.json')['workers'] as unknown[])[0]]], path: '$.workers[1]', message: /second router worker/ },
  { feature: 'router components', set: [['$.workers[0].components', [{ type: 'class', classname: 'app.Auth', realm: 'realm1', role: 'trusted' }]]], path: '$.workers[0].components', message: /router components/ },
  { feature: 'a worker environment', set: [['$.workers[0].options', { env: { inherit: true } }]], path: '$.workers[0].options.env', message: /worker environment/ },
  { feature: 'CPU affinity', set: [['$.workers[0].options', { cpu_affinity: [0] }]], path: '$.workers[0].options.cpu_affinity', message: /CPU affinity/ },
  { feature: 'the manhole', set: [['$.workers[0].manhole', { endpoint: { type: 'tcp', port: 6022 } }]], path: '$.workers[0].manhole', message: /manhole/ },
  { feature: 'a realm store', set: [['$.workers[0].realms[0].store', { type: 'memory' }]], path: '$.workers[0].realms[0].store', message: /realm stores/ },
  { feature: 'realm options', set: [['$.workers[0].realms[0].options', { enable_meta_api: false }]], path: '$.workers[0].realms[0].options', message: /realm options/ },
  { feature: 'controller options', set: [['$.controller', { options: { title: 'node' } }]], path: '$.controller.options', message: /only an empty "controller" object/ },
];

describe('fromCrossbarConfig: unsupported Crossbar features', () => {
  for (const c of CASES) {
    it(`rejects ${c.feature} with ConfigUnsupportedError at ${c.path}`, () => {
      const json = fixture(`${c.base ?? 'minimal'}.json`);
      for (const [path, value] of c.set) setAt(json, path, value);
      expectConfigError(thrown(() => fromCrossbarConfig(json, { env: {} })), ConfigUnsupportedError, c.path, c.message);
    });
  }
});
