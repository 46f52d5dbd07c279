/** Crossbar's `allowed_origins` and `allow_null_origin` WebSocket options (router/transports/origin-policy.ts). */
import { expect } from 'chai';
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import type { WebSocketServiceConfig } from '../../../../shared/config/types.ts';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { expectConfigError, fixture, httpTransport, setAt, thrown } from './config-fixtures.ts';

const T0 = '$.workers[0].transports[0]';

function mapWith(options: Record<string, unknown>, path = `${T0}.options`): WebSocketServiceConfig['options'] {
  const json = fixture('minimal.json');
  setAt(json, path, options);
  const service = httpTransport(fromCrossbarConfig(json, { env: {} }).router.transports[0]).services[0];
  if (service?.type !== 'websocket') throw new Error('expected a websocket service');
  return service.options;
}

describe('fromCrossbarConfig: WebSocket allowed_origins', () => {
  it('leaves both out when not given: any origin, as before', () => {
    const options = mapWith({});
    expect(options).to.not.have.property('allowedOrigins');
    expect(options).to.not.have.property('allowNullOrigin');
  });

  it('maps allowed_origins (deduplicated) and allow_null_origin of a websocket transport', () => {
    const options = mapWith({ allowed_origins: ['https://*.example.com', 'http://localhost:*', 'https://*.example.com'], allow_null_origin: true });
    expect(options).to.include({ allowNullOrigin: true });
    expect(options.allowedOrigins).to.deep.equal(['https://*.example.com', 'http://localhost:*']);
  });

  it('maps them on a websocket path service of a web transport too', () => {
    const json = fixture('web.json');
    setAt(json, `${T0}.paths.ws.options`, { allowed_origins: ['https://app.example.com'] });
    const services = httpTransport(fromCrossbarConfig(json, { env: {} }).router.transports[0]).services;
    const ws = services.find((s) => s.type === 'websocket');
    expect(ws?.type === 'websocket' ? ws.options.allowedOrigins : undefined).to.deep.equal(['https://app.example.com']);
  });

  it('rejects an empty pattern and a pattern with whitespace, naming the JSON path', () => {
    expectConfigError(thrown(() => mapWith({ allowed_origins: [''] })), ConfigInvalidError, `${T0}.options.allowed_origins[0]`, /expected an origin pattern such as/);
    expectConfigError(thrown(() => mapWith({ allowed_origins: ['https://a.example b'] })), ConfigInvalidError, `${T0}.options.allowed_origins[0]`, /without whitespace/);
  });
});
