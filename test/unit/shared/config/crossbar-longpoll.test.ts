/**
 * Crossbar `longpoll` path services of a `web` transport (checkconfig.py
 * check_web_path_service_longpoll): seconds → ms, defaults, and asexor's extensions
 * (serializers, auth, max_message_size, allowed_origins), which a Crossbar node would reject.
 */
import { expect } from 'chai';
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import { LONGPOLL_DEFAULTS } from '../../../../shared/config/crossbar-transport.ts';
import type { WebServiceConfig } from '../../../../shared/config/types.ts';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { expectConfigError, fixture, setAt, thrown } from './config-fixtures.ts';

const LP = '$.workers[0].transports[0].paths.lp';

function withLongPoll(service: Record<string, unknown>): Record<string, unknown> {
  const json = fixture('web.json');
  setAt(json, LP, service);
  return json;
}

function mapped(service: Record<string, unknown>): WebServiceConfig | undefined {
  const transport = fromCrossbarConfig(withLongPoll(service), { env: {} }).router.transports[0];
  return transport !== undefined && 'services' in transport ? transport.services.find((s) => s.path === '/lp') : undefined;
}

describe('fromCrossbarConfig: long-poll path services', () => {
  it('maps a bare {"type": "longpoll"} with Crossbar\'s timeouts in ms, every serializer, no CORS origins and anonymous only', () => {
    expect(mapped({ type: 'longpoll' })).to.deep.equal({
      type: 'longpoll',
      path: '/lp',
      serializers: ['json', 'msgpack', 'cbor'],
      options: {
        requestTimeout: 10_000, sessionTimeout: 30_000, maxMessageSize: 16 * 1024 * 1024,
        queueLimitBytes: LONGPOLL_DEFAULTS.queueLimitBytes, allowedOrigins: [],
      },
    });
  });

  it('maps Crossbar options (request_timeout and session_timeout in seconds) and accepts debug and queue_limit_messages', () => {
    const service = mapped({
      type: 'longpoll', id: 'lp_service',
      options: { request_timeout: 5, session_timeout: 0, queue_limit_bytes: 131072, queue_limit_messages: 100, debug: true },
    });
    expect(service?.type === 'longpoll' ? service.options : undefined).to.deep.equal({
      requestTimeout: 5_000, sessionTimeout: 0, maxMessageSize: 16 * 1024 * 1024, queueLimitBytes: 131072, allowedOrigins: [],
    });
  });

  it('maps the asexor extensions: serializers, max_message_size, allowed_origins (deduplicated) and an auth block', () => {
    const service = mapped({
      type: 'longpoll',
      serializers: ['json', 'json'],
      options: { max_message_size: 65536, allowed_origins: ['https://app.example.com', 'http://localhost:3000', 'https://app.example.com'] },
      auth: { ticket: { type: 'static', principals: { alice: { ticket: 'secret', role: 'user' } } } },
    });
    expect(service?.type === 'longpoll' && [service.serializers, service.options.maxMessageSize, service.options.allowedOrigins]).to.deep.equal([
      ['json'], 65536, ['https://app.example.com', 'http://localhost:3000'],
    ]);
    expect(service?.type === 'longpoll' ? service.auth : undefined).to.deep.equal({
      ticket: { type: 'static', principals: { alice: { ticket: 'secret', role: 'user' } } },
    });
  });

  const invalid: [what: string, options: Record<string, unknown>, key: string, message: string][] = [
    ['a negative request_timeout', { request_timeout: -1 }, 'request_timeout', 'expected an integer from 0 to 3600, got -1 (number)'],
    ['a session_timeout over a day', { session_timeout: 86401 }, 'session_timeout', 'expected an integer from 0 to 86400, got 86401 (number)'],
    ['a fractional queue_limit_bytes', { queue_limit_bytes: 1.5 }, 'queue_limit_bytes', 'expected an integer from 0 to 1073741824, got 1.5 (number)'],
    ['a wildcard origin', { allowed_origins: ['*'] }, 'allowed_origins[0]', `expected an exact origin such as 'https://app.example.com' (scheme, host, optional port; no path, no wildcard), got "*" (string)`],
    ['an origin with a path', { allowed_origins: ['https://app.example.com/'] }, 'allowed_origins[0]', `expected an exact origin such as 'https://app.example.com' (scheme, host, optional port; no path, no wildcard), got "https://app.example.com/" (string)`],
    ['an unknown option', { request_timeout_ms: 10 }, 'request_timeout_ms', 'unknown key'],
  ];
  for (const [what, options, key, message] of invalid) {
    it(`rejects ${what} with ConfigInvalidError at options.${key}`, () => {
      const err = thrown(() => fromCrossbarConfig(withLongPoll({ type: 'longpoll', options }), { env: {} }));
      expectConfigError(err, ConfigInvalidError, `${LP}.options.${key}`, message);
    });
  }
});
