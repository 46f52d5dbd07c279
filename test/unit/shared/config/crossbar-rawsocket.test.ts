/**
 * Crossbar `rawsocket` transports (checkconfig.py check_listening_transport_rawsocket,
 * check_listening_endpoint_unix, check_rawsocket_options) → RawSocketTransportConfig. Each case
 * starts from test/fixtures/config/rawsocket.json (a websocket, a TCP and a Unix rawsocket transport).
 */
import { expect } from 'chai';
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import type { RawSocketTransportConfig } from '../../../../shared/config/types.ts';
import { ConfigInvalidError, ConfigUnsupportedError } from '../../../../shared/errors.ts';
import { expectConfigError, fixture, setAt, thrown } from './config-fixtures.ts';

const T = '$.workers[0].transports';
const MiB = 1024 * 1024;

function rawsocket(json: unknown, index: number, baseDir?: string): RawSocketTransportConfig | undefined {
  const transport = fromCrossbarConfig(json, baseDir === undefined ? { env: {} } : { baseDir, env: {} }).router.transports[index];
  return transport?.type === 'rawsocket' ? transport : undefined;
}

describe('fromCrossbarConfig: rawsocket transports', () => {
  it('maps a TCP rawsocket transport with the defaults: loopback, every serializer, 16 MiB, 10 000 connections', () => {
    expect(rawsocket(fixture('rawsocket.json'), 1)).to.deep.equal({
      type: 'rawsocket',
      endpoint: { type: 'tcp', interface: '127.0.0.1', port: 8081 },
      serializers: ['json', 'msgpack', 'cbor'],
      options: { maxMessageSize: 16 * MiB, maxConnections: 10_000 },
    });
  });

  it('maps every rawsocket key and resolves a relative Unix socket path against the config directory, like Crossbar', () => {
    expect(rawsocket(fixture('rawsocket.json'), 2, '/srv/node')).to.deep.equal({
      type: 'rawsocket',
      endpoint: { type: 'unix', path: '/srv/node/run/router.sock' },
      serializers: ['cbor', 'msgpack'],
      options: { maxMessageSize: 1_000_000, maxConnections: 10_000 },
      auth: { ticket: { type: 'static', principals: { alice: { ticket: 'secret', role: 'anonymous' } } } },
    });
  });

  it('keeps an absolute socket path, and a relative one as written when no baseDir is given', () => {
    const json = fixture('rawsocket.json');
    expect(rawsocket(json, 2)?.endpoint).to.deep.equal({ type: 'unix', path: 'run/router.sock' });
    setAt(json, `${T}[2].endpoint.path`, '/run/asexor.sock');
    expect(rawsocket(json, 2, '/srv/node')?.endpoint).to.deep.equal({ type: 'unix', path: '/run/asexor.sock' });
  });

  it('caps max_message_size at 16 MiB, the most a RawSocket handshake can announce (Crossbar accepts up to 64 MiB)', () => {
    const json = fixture('rawsocket.json');
    setAt(json, `${T}[1].options`, { max_message_size: 64 * MiB });
    expect(rawsocket(json, 1)?.options.maxMessageSize).to.equal(16 * MiB);
  });

  const invalid: readonly (readonly [rule: string, path: string, value: unknown, errorPath: string, message: string])[] = [
    ['max_message_size is at least 512 octets (LENGTH 0)', `${T}[2].options.max_message_size`, 511, `${T}[2].options.max_message_size`,
      `expected an integer from 512 to ${64 * MiB}, got 511 (number)`],
    ['rawsocket options are only max_message_size', `${T}[2].options.auto_ping_interval`, 1000, `${T}[2].options.auto_ping_interval`, 'unknown key'],
    ['a Unix endpoint needs a path', `${T}[2].endpoint`, { type: 'unix' }, `${T}[2].endpoint.path`, 'required, but missing (expected a string)'],
    ['a Unix endpoint has no port', `${T}[2].endpoint.port`, 8082, `${T}[2].endpoint.port`, 'unknown key'],
    ['an endpoint is tcp or unix', `${T}[1].endpoint`, { type: 'pipe', path: 'x' }, `${T}[1].endpoint.type`, `expected 'tcp' or 'unix', got "pipe" (string)`],
    ['two transports cannot listen on one socket path', `${T}[1].endpoint`, { type: 'unix', path: 'run/router.sock' }, `${T}[2].endpoint.path`,
      `socket run/router.sock is already used by ${T}[1]`],
    ['a rawsocket port cannot clash with a websocket port', `${T}[1].endpoint.port`, 8080, `${T}[1].endpoint.port`,
      `port 8080 on 127.0.0.1 is already used by ${T}[0]`],
  ];
  for (const [rule, path, value, errorPath, message] of invalid) {
    it(`${rule} (ConfigInvalidError at ${errorPath})`, () => {
      const json = fixture('rawsocket.json');
      setAt(json, path, value);
      expectConfigError(thrown(() => fromCrossbarConfig(json, { env: {} })), ConfigInvalidError, errorPath, message);
    });
  }

  const unsupported: readonly (readonly [feature: string, path: string, value: unknown, errorPath: string, message: RegExp])[] = [
    ['TLS on a rawsocket endpoint', `${T}[1].endpoint.tls`, { key: 'k', certificate: 'c' }, `${T}[1].endpoint.tls`, /TLS endpoints are not supported/],
    ['the ubjson serializer', `${T}[1].serializers`, ['ubjson'], `${T}[1].serializers[0]`, /serializer 'ubjson' is not supported/],
    ['a twisted endpoint', `${T}[1].endpoint`, { type: 'twisted', server_string: 'tcp:80' }, `${T}[1].endpoint.type`, /'twisted' endpoints/],
  ];
  for (const [feature, path, value, errorPath, message] of unsupported) {
    it(`reports ${feature} as ConfigUnsupportedError at ${errorPath}`, () => {
      const json = fixture('rawsocket.json');
      setAt(json, path, value);
      expectConfigError(thrown(() => fromCrossbarConfig(json, { env: {} })), ConfigUnsupportedError, errorPath, message);
    });
  }
});
