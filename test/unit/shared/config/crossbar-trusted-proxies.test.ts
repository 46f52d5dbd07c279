/**
 * The router worker's `options.trusted_proxies` and `options.client_address_header` (asexor extensions,
 * shared/config/trusted-proxies.ts, docs/fairness-and-abuse.md "Behind a reverse proxy"): validated at
 * load, copied into every WebSocket and long-poll service; without them no service trusts any header.
 */
import { expect } from 'chai';
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import type { RouterConfig } from '../../../../shared/config/types.ts';
import { parseProxyRange } from '../../../../shared/config/trusted-proxies.ts';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { expectConfigError, fixture, httpTransport, setAt, thrown } from './config-fixtures.ts';

const OPTIONS = '$.workers[0].options';

function routerWith(options: Record<string, unknown> | undefined, web = false): RouterConfig {
  const json = fixture('minimal.json');
  setAt(json, OPTIONS, options);
  if (web) {
    setAt(json, '$.workers[0].transports[0]', {
      type: 'web', endpoint: { type: 'tcp', port: 8080 },
      paths: { ws: { type: 'websocket' }, lp: { type: 'longpoll' }, '/': { type: 'static', directory: '.' } },
    });
  }
  return fromCrossbarConfig(json, { env: {} }).router;
}

describe('fromCrossbarConfig: options.trusted_proxies of the router worker', () => {
  it('trusts nobody by default: no service has clientAddress', () => {
    const [ws] = httpTransport(routerWith(undefined).transports[0]).services;
    expect(ws?.type === 'websocket' ? ws.options : undefined).to.not.have.property('clientAddress');
    expect(httpTransport(routerWith({ trusted_proxies: [] }, true).transports[0]).services.every((s) => s.type === 'static' || !('clientAddress' in s.options))).to.equal(true);
  });

  it('copies the proxies (deduplicated) and the header (default x-forwarded-for) into every WebSocket and long-poll service', () => {
    const expected = { trustedProxies: ['127.0.0.1', '10.0.0.0/8', 'fd00::/8'], header: 'x-forwarded-for' };
    const services = httpTransport(routerWith({ trusted_proxies: ['127.0.0.1', '10.0.0.0/8', 'fd00::/8', '127.0.0.1'] }, true).transports[0]).services;
    expect(services.map((s) => (s.type === 'static' ? s.type : s.options.clientAddress))).to.deep.equal([expected, expected, 'static']);
    const forwarded = httpTransport(routerWith({ trusted_proxies: ['::1'], client_address_header: 'forwarded' }).transports[0]).services[0];
    expect(forwarded?.type === 'websocket' ? forwarded.options.clientAddress : undefined).to.deep.equal({ trustedProxies: ['::1'], header: 'forwarded' });
  });

  it('refuses an entry that is not an address or CIDR range, naming it and its JSON path', () => {
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'localhost', '10.0.0.1/', '10.0.0/8', '']) {
      expectConfigError(thrown(() => routerWith({ trusted_proxies: ['127.0.0.1', bad] })), ConfigInvalidError, `${OPTIONS}.trusted_proxies[1]`,
        `expected an IP address or a CIDR range such as '127.0.0.1', '10.0.0.0/8' or 'fd00::/8', got ${JSON.stringify(bad)} (string)`);
    }
    expectConfigError(thrown(() => routerWith({ trusted_proxies: '127.0.0.1' })), ConfigInvalidError, `${OPTIONS}.trusted_proxies`, /expected an array/);
  });

  it('refuses an unknown header, and a header without proxies', () => {
    expectConfigError(thrown(() => routerWith({ trusted_proxies: ['127.0.0.1'], client_address_header: 'x-real-ip' })), ConfigInvalidError,
      `${OPTIONS}.client_address_header`, /expected 'x-forwarded-for' or 'forwarded'/);
    expectConfigError(thrown(() => routerWith({ client_address_header: 'forwarded' })), ConfigInvalidError, `${OPTIONS}.client_address_header`,
      "'client_address_header' applies only with 'trusted_proxies': list the proxies that set it");
  });

  it('parses addresses as /32 and /128 and ranges with their prefix', () => {
    expect(parseProxyRange('127.0.0.1')).to.deep.equal({ address: '127.0.0.1', prefix: 32, family: 'ipv4' });
    expect(parseProxyRange('::1')).to.deep.equal({ address: '::1', prefix: 128, family: 'ipv6' });
    expect(parseProxyRange('10.0.0.0/8')).to.deep.equal({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseProxyRange('0.0.0.0/0')).to.deep.equal({ address: '0.0.0.0', prefix: 0, family: 'ipv4' });
  });
});
