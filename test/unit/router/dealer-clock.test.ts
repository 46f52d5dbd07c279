/**
 * RouterOptions.timers reaches every realm's dealer: a call timeout runs on the injected clock, so
 * a one-minute CALL.Options.timeout is tested without waiting (spec: advanced/rpc_call_timeout.md).
 */
import { expect } from 'chai';
import { createRouter, type Router } from '../../../router/index.ts';
import { MessageType } from '../../../shared/wamp/message-type.ts';
import { WampErrorUri } from '../../../shared/wamp/uris.ts';
import { LocalTestClient } from '../../helpers/local-client.ts';
import { ManualTimers } from '../../helpers/manual-timers.ts';
import { openRealm } from '../../helpers/router-fixtures.ts';

describe('Dealer: call timeouts on the clock given in RouterOptions.timers', () => {
  let timers: ManualTimers;
  let router: Router;
  beforeEach(() => {
    timers = new ManualTimers();
    router = createRouter({ realms: [openRealm('realm1'), openRealm('realm2')], timers });
  });
  afterEach(() => router.close());

  for (const realm of ['realm1', 'realm2']) {
    it(`times out a call in ${realm} when the injected clock passes CALL.Options.timeout, and INTERRUPTs the callee`, async () => {
      const callee = await LocalTestClient.join(router, realm);
      const caller = await LocalTestClient.join(router, realm);
      await callee.register('com.app.stuck');
      let answered = false;
      const answer = caller.call('com.app.stuck', [], { timeout: 60_000 }).finally(() => { answered = true; });
      const invocation = await callee.expect(MessageType.INVOCATION);
      expect(timers.pending, 'the call armed one timer').to.equal(1);
      timers.advance(59_999);
      expect([await caller.pending(), answered], 'nothing before the minute is up').to.deep.equal([[], false]);
      timers.advance(1);
      const error = await answer;
      expect(error.type === MessageType.ERROR ? error.error : error).to.equal(WampErrorUri.timeout);
      expect(await callee.expect(MessageType.INTERRUPT)).to.deep.include({ request: invocation.request, options: { mode: 'killnowait' } });
      await Promise.all([caller.close(), callee.close()]);
    });
  }
});
