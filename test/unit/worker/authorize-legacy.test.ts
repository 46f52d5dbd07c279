import { expect } from 'chai';
import { authorize } from '../../../worker/authorize.ts';

const PROCEDURE = 'eu.zderadicka.asexor.run_task';
const TOPIC = 'eu.zderadicka.asexor.task_update';
const legacyWampApi = { enabled: true, procedure: PROCEDURE, topic: TOPIC };
const enabled = { uriPrefix: 'asexor', adminRoles: ['admin'], legacyWampApi };
const disabled = { uriPrefix: 'asexor', adminRoles: ['admin'], legacyWampApi: { ...legacyWampApi, enabled: false } };
const jan = { authid: 'jan', authrole: 'user' };
const root = { authid: 'root', authrole: 'admin' };

describe('worker dynamic authorizer: the original ASEXOR\'s WAMP API (worker/legacy-wamp-api.ts)', () => {
  it('lets any role call the procedure with caller disclosure and subscribe to the topic (exact) when enabled', () => {
    for (const who of [jan, root]) {
      expect(authorize(enabled, who, PROCEDURE, 'call', {})).to.deep.equal({ allow: true, disclose: true, cache: true });
      expect(authorize(enabled, who, TOPIC, 'subscribe', {})).to.deep.equal({ allow: true, disclose: false, cache: true });
      expect(authorize(enabled, who, TOPIC, 'subscribe', { match: 'exact' }).allow).to.equal(true);
    }
  });

  it('refuses other match policies, other actions and neighbouring URIs', () => {
    for (const match of ['prefix', 'wildcard']) expect(authorize(enabled, jan, TOPIC, 'subscribe', { match }).allow, match).to.equal(false);
    expect(authorize(enabled, jan, 'eu.zderadicka.asexor.', 'subscribe', { match: 'prefix' }).allow).to.equal(false);
    expect(authorize(enabled, jan, TOPIC, 'publish', {}).allow).to.equal(false);
    expect(authorize(enabled, jan, PROCEDURE, 'register', {}).allow).to.equal(false);
    expect(authorize(enabled, jan, `${PROCEDURE}.x`, 'call', {}).allow).to.equal(false);
    expect(authorize(enabled, jan, TOPIC, 'call', {}).allow).to.equal(false);
    expect(authorize(enabled, jan, PROCEDURE, 'subscribe', {}).allow).to.equal(false);
  });

  it('refuses both when disabled or not configured', () => {
    for (const policy of [disabled, { uriPrefix: 'asexor', adminRoles: ['admin'] }]) {
      expect(authorize(policy, jan, PROCEDURE, 'call', {}).allow).to.equal(false);
      expect(authorize(policy, jan, TOPIC, 'subscribe', {}).allow).to.equal(false);
      expect(authorize(policy, root, TOPIC, 'subscribe', {}).allow).to.equal(false);
    }
  });

  it('keeps the rest of the policy', () => {
    expect(authorize(enabled, jan, 'asexor.task.date', 'call', {}).allow).to.equal(true);
    expect(authorize(enabled, jan, 'asexor.status.jan', 'subscribe', {}).allow).to.equal(true);
    expect(authorize(enabled, jan, 'asexor.status.bob', 'subscribe', {}).allow).to.equal(false);
  });
});
