import { expect } from 'chai';
import { InvalidParamsError } from '../../../shared/errors.ts';
import { authorize, authorizeCall } from '../../../worker/authorize.ts';

const policy = { uriPrefix: 'asexor', adminRoles: ['admin'] };
const jan = { authid: 'jan.novak', authrole: 'user' };
const root = { authid: 'root', authrole: 'admin' };

describe('worker dynamic authorizer (asexor.auth.authorize)', () => {
  it('lets a user call task, control and files procedures with caller disclosure, cacheable', () => {
    for (const uri of ['asexor.task.date', 'asexor.control.cancel', 'asexor.control.tasks', 'asexor.files.list', 'asexor.files.upload', 'asexor.files.link']) {
      expect(authorize(policy, jan, uri, 'call', {})).to.deep.equal({ allow: true, disclose: true, cache: true });
    }
  });

  it('denies calls outside one task or control procedure', () => {
    for (const uri of ['asexor.task.', 'asexor.task.a.b', 'asexor.auth.authorize', 'asexor.taskx.date', 'other.task.date',
      'asexor.files.', 'asexor.files.a.b', 'asexor.filesx.list']) {
      expect(authorize(policy, jan, uri, 'call', {}).allow, uri).to.equal(false);
    }
  });

  it('lets a user subscribe, with match exact, to exactly their own (escaped) status topic', () => {
    expect(authorize(policy, jan, 'asexor.status.jan%2Enovak', 'subscribe', {}).allow).to.equal(true);
    expect(authorize(policy, jan, 'asexor.status.jan%2Enovak', 'subscribe', { match: 'exact' }).allow).to.equal(true);
    for (const [uri, match] of [['asexor.status.jan.novak', 'exact'], ['asexor.status.jan%2enovak', 'exact'], ['asexor.status.jan%2Enovak', 'prefix'],
      ['asexor.status.', 'prefix'], ['asexor.status.bob', 'exact'], ['asexor..jan%2Enovak', 'wildcard']] as const) {
      expect(authorize(policy, jan, uri, 'subscribe', { match }).allow, `${uri} ${match}`).to.equal(false);
    }
  });

  it('lets an admin subscribe to any status topic, by any match policy', () => {
    expect(authorize(policy, root, 'asexor.status.', 'subscribe', { match: 'prefix' }).allow).to.equal(true);
    expect(authorize(policy, root, 'asexor.status.bob', 'subscribe', {}).allow).to.equal(true);
    expect(authorize(policy, root, 'asexor.other', 'subscribe', {}).allow).to.equal(false);
  });

  it('denies publish and register to everyone', () => {
    for (const who of [jan, root]) {
      expect(authorize(policy, who, 'asexor.status.jan%2Enovak', 'publish', {}).allow).to.equal(false);
      expect(authorize(policy, who, 'asexor.task.date', 'register', {}).allow).to.equal(false);
    }
  });

  it('follows the configured URI prefix', () => {
    const other = { uriPrefix: 'com.example', adminRoles: [] };
    expect(authorize(other, jan, 'com.example.task.date', 'call', {}).allow).to.equal(true);
    expect(authorize(other, jan, 'asexor.task.date', 'call', {}).allow).to.equal(false);
  });

  it('reads Crossbar\'s arguments (session, uri, action, options) and rejects malformed ones', () => {
    expect(authorizeCall(policy, [{ authid: 'bob', authrole: 'user', session: 1 }, 'asexor.status.bob', 'subscribe', {}]).allow).to.equal(true);
    expect(() => authorizeCall(policy, ['bob', 'asexor.status.bob', 'subscribe'])).to.throw(InvalidParamsError);
    expect(() => authorizeCall(policy, [{ authid: 'bob', authrole: 'user' }, 42, 'call'])).to.throw(InvalidParamsError);
  });
});
