/** The router worker's `options.login_throttle` (asexor extension) → RouterConfig.loginThrottle (router/auth/login-throttle.ts). */
import { expect } from 'chai';
import { fromCrossbarConfig } from '../../../../shared/config/crossbar.ts';
import type { RouterConfig } from '../../../../shared/config/types.ts';
import { ConfigInvalidError } from '../../../../shared/errors.ts';
import { expectConfigError, fixture, setAt, thrown } from './config-fixtures.ts';

const OPTIONS = '$.workers[0].options';

function routerWith(options: Record<string, unknown> | undefined): RouterConfig {
  const json = fixture('minimal.json');
  setAt(json, OPTIONS, options);
  return fromCrossbarConfig(json, { env: {} }).router;
}

describe('fromCrossbarConfig: options.login_throttle of the router worker', () => {
  it('leaves loginThrottle out when not given (the router\'s defaults apply)', () => {
    expect(routerWith(undefined)).to.not.have.property('loginThrottle');
    expect(routerWith({ title: 'router' })).to.not.have.property('loginThrottle');
  });

  it('maps the limits, and window and backoff from seconds to ms', () => {
    const config = routerWith({ login_throttle: { max_failures_per_authid: 5, max_failures_per_address: 50, window: 120, backoff: 600 } });
    expect(config.loginThrottle).to.deep.equal({ maxFailuresPerAuthid: 5, maxFailuresPerAddress: 50, windowMs: 120_000, backoffMs: 600_000 });
    expect(routerWith({ login_throttle: { backoff: 30 } }).loginThrottle).to.deep.equal({ backoffMs: 30_000 });
  });

  it('maps false (throttling off)', () => {
    expect(routerWith({ login_throttle: false }).loginThrottle).to.equal(false);
  });

  it('rejects unknown keys and values out of range, naming the JSON path', () => {
    expectConfigError(thrown(() => routerWith({ login_throttle: { backoff: 0 } })), ConfigInvalidError, `${OPTIONS}.login_throttle.backoff`, /1 to 86400/);
    expectConfigError(thrown(() => routerWith({ login_throttle: { lockout: 3 } })), ConfigInvalidError, `${OPTIONS}.login_throttle.lockout`, /./);
    expectConfigError(thrown(() => routerWith({ login_throttle: true })), ConfigInvalidError, `${OPTIONS}.login_throttle`, /expected false or an object/);
  });
});
