/**
 * router/auth/client-address.ts over a real node:http server on 127.0.0.1, port 0: each request answers
 * the peer string `clientPeerOf` made of it, requests come from 127.0.0.1 (trusted) or 127.0.0.2
 * (not trusted, bound with `localAddress`) with forwarding headers (docs/fairness-and-abuse.md,
 * "Behind a reverse proxy").
 */
import { expect } from 'chai';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientPeerOf, parseHop, type PeerOf } from '../../../../router/auth/client-address.ts';
import type { ClientAddressConfig } from '../../../../shared/config/types.ts';
import { ConfigInvalidError } from '../../../../shared/errors.ts';

describe('clientPeerOf (router/auth/client-address.ts)', () => {
  let server: Server;
  let port: number;
  let peerOf: PeerOf = clientPeerOf(undefined);

  before(async () => {
    server = createServer((req, res) => { res.end(peerOf(req)); });
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  });

  function peer(config: ClientAddressConfig | undefined, from: string, headers: Record<string, string | string[]>): Promise<string> {
    peerOf = clientPeerOf(config);
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, localAddress: from, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; }).on('end', () => { resolve(body); });
      });
      req.on('error', reject).end();
    });
  }

  const XFF: ClientAddressConfig = { trustedProxies: ['127.0.0.1', '10.0.0.0/8'], header: 'x-forwarded-for' };
  const FORWARDED: ClientAddressConfig = { trustedProxies: ['127.0.0.0/30'], header: 'forwarded' };

  it('without trusted proxies: the socket peer, whatever the headers say', async () => {
    expect(await peer(undefined, '127.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).to.match(/^tcp4:127\.0\.0\.1:\d+$/);
    expect(await peer({ trustedProxies: [], header: 'x-forwarded-for' }, '127.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).to.match(/^tcp4:127\.0\.0\.1:\d+$/);
  });

  it('X-Forwarded-For from a trusted peer: the rightmost hop that is not trusted; all trusted: the leftmost', async () => {
    expect(await peer(XFF, '127.0.0.1', { 'x-forwarded-for': '1.1.1.1, 203.0.113.1, 10.1.2.3' })).to.equal('tcp4:203.0.113.1:0');
    expect(await peer(XFF, '127.0.0.1', { 'x-forwarded-for': '10.9.9.9, 10.1.2.3' })).to.equal('tcp4:10.9.9.9:0');
    expect(await peer(XFF, '127.0.0.1', { 'x-forwarded-for': '[2001:db8::7]:4711' })).to.equal('tcp6:2001:db8::7:4711');
    expect(await peer(XFF, '127.0.0.1', { 'x-forwarded-for': '::ffff:203.0.113.4' })).to.equal('tcp4:203.0.113.4:0');
  });

  it('an unreadable hop ends the walk at the trusted hop right of it; an unreadable last hop or an empty header: the socket peer', async () => {
    expect(await peer(XFF, '127.0.0.1', { 'x-forwarded-for': '203.0.113.1, unknown, 10.1.2.3' })).to.equal('tcp4:10.1.2.3:0');
    expect(await peer(XFF, '127.0.0.1', { 'x-forwarded-for': '203.0.113.1, nonsense' })).to.match(/^tcp4:127\.0\.0\.1:\d+$/);
    expect(await peer(XFF, '127.0.0.1', { 'x-forwarded-for': '' })).to.match(/^tcp4:127\.0\.0\.1:\d+$/);
  });

  it('from a peer that is not trusted the header is ignored', async () => {
    expect(await peer(XFF, '127.0.0.2', { 'x-forwarded-for': '203.0.113.1' })).to.match(/^tcp4:127\.0\.0\.2:\d+$/);
  });

  it('Forwarded: the `for` of the rightmost untrusted element, quoted IPv6 with a port; X-Forwarded-For is then ignored', async () => {
    const headers = { forwarded: 'for=198.51.100.1, for="[2001:db8:cafe::17]:4711";proto=https, For=127.0.0.2;by=127.0.0.1', 'x-forwarded-for': '203.0.113.1' };
    expect(await peer(FORWARDED, '127.0.0.1', headers)).to.equal('tcp6:2001:db8:cafe::17:4711');
    expect(await peer(FORWARDED, '127.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).to.match(/^tcp4:127\.0\.0\.1:\d+$/);
    expect(await peer(FORWARDED, '127.0.0.1', { forwarded: 'for=_hidden, for=198.51.100.2' })).to.equal('tcp4:198.51.100.2:0');
    expect(await peer(FORWARDED, '127.0.0.1', { forwarded: 'proto=https' })).to.match(/^tcp4:127\.0\.0\.1:\d+$/);
  });

  it('parses hops and refuses a bad trusted entry with ConfigInvalidError naming it', () => {
    expect(parseHop(' 203.0.113.1:80 ')).to.deep.equal({ ip: '203.0.113.1', port: 80 });
    expect(parseHop('203.0.113.1:70000')).to.equal(undefined);
    expect(parseHop('example.com')).to.equal(undefined);
    expect(() => clientPeerOf({ trustedProxies: ['127.0.0.1', '10.0.0.0/40'], header: 'x-forwarded-for' }, 'x')).to.throw(ConfigInvalidError, /got "10\.0\.0\.0\/40"/)
      .with.property('path', 'x[1]');
  });
});
