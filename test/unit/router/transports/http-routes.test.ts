import { expect } from 'chai';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { HttpRouteTable, type RequestRoute } from '../../../../router/transports/http-routes.ts';

function route(path: string, prefix: boolean): RequestRoute {
  return { path, prefix, handle: () => undefined };
}

describe('HttpRouteTable', () => {
  const table = new HttpRouteTable();
  const root = route('/', true);
  const health = route('/health', false);
  const longpoll = route('/lp/', true);
  table.addRequest(root);
  table.addRequest(health);
  table.addRequest(longpoll);
  table.addUpgrade({ path: '/ws', handleUpgrade: () => undefined });

  const cases: [url: string, expected: RequestRoute, subpath: string][] = [
    ['/', root, ''],
    ['/health', health, ''],
    ['/health/', health, ''],
    ['/health?probe=1', health, ''],
    ['/healthz', root, '/healthz'],
    ['/lp', longpoll, ''],
    ['/lp/open', longpoll, '/open'],
    ['/lp/123/send?x=0.5', longpoll, '/123/send'],
    ['/js/app.js', root, '/js/app.js'],
  ];
  for (const [url, expected, subpath] of cases) {
    it(`routes ${url} to ${expected.path} with subpath '${subpath}' (longest mount wins, query ignored)`, () => {
      const match = table.matchRequest(url);
      expect(match?.route).to.equal(expected);
      expect(match?.subpath).to.equal(subpath);
    });
  }

  it('matches upgrade routes by exact path only', () => {
    expect(table.matchUpgrade('/ws?token=1')?.path).to.equal('/ws');
    expect(table.matchUpgrade('/ws/')?.path).to.equal('/ws');
    expect(table.matchUpgrade('/ws/x')).to.equal(undefined);
  });

  it('returns undefined when no route matches', () => {
    const empty = new HttpRouteTable();
    empty.addRequest(health);
    expect(empty.matchRequest('/other')).to.equal(undefined);
  });

  it('rejects a second service on the same path and paths not starting with / as ConfigInvalidError', () => {
    expect(() => { table.addRequest(route('/health/', false), 'services[2].path'); })
      .to.throw(ConfigInvalidError, "services[2].path: Path '/health' is already used by another service");
    expect(() => { table.addUpgrade({ path: 'ws', handleUpgrade: () => undefined }); }).to.throw(ConfigInvalidError);
  });
});
