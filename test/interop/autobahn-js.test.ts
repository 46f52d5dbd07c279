/**
 * autobahn-js (npm `autobahn`) callers, callees, publishers and subscribers against our router,
 * for every serializer: progressive results, roundrobin, caller disclosure, eligible_authid,
 * call timeout, cancel and authorization denials. Callees are `backend` sessions, the caller is
 * alice (role `user`).
 */
import { expect } from 'chai';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { startTestRouter, type TestRouter } from '../helpers/start-router.ts';
import { join, settle, type AbInvocationDetails, type OpenSession } from './autobahn-js-client.ts';
import { REALM, REALMS, SERIALIZERS, STATIC_AUTH, TICKETS } from './fixture.ts';

const SLOW_MS = 800;
const TOPIC = 'com.example.user.status';

for (const serializer of SERIALIZERS) {
  describe(`autobahn-js RPC and PubSub over wamp.2.${serializer}`, () => {
    let router: TestRouter;
    let calleeA: OpenSession;
    let calleeB: OpenSession;
    let alice: OpenSession;
    const invocations: AbInvocationDetails[] = [];
    const timers = new Set<NodeJS.Timeout>();

    const ticket = (authid: keyof typeof TICKETS) =>
      join({ url: router.url, realm: REALM, serializer, authmethods: ['ticket'], authid, onchallenge: () => TICKETS[authid] });
    const later = (ms: number, value: unknown) => new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve(value);
      }, ms);
      timers.add(timer);
    });

    before(async () => {
      router = await startTestRouter({ realms: REALMS, auth: STATIC_AUTH, serializers: [serializer] });
      [calleeA, calleeB, alice] = await Promise.all([ticket('backend'), ticket('backend'), ticket('alice')]);
      const a = calleeA.session;
      await a.register('com.example.rr', () => 'A', { invoke: 'roundrobin' });
      await calleeB.session.register('com.example.rr', () => 'B', { invoke: 'roundrobin' });
      await a.register('com.example.progress', async (args, _kwargs, details) => {
        for (let i = 0; i < Number(args[0]); i++) {
          details.progress?.([i]);
          await later(5, null);
        }
        return 'done';
      });
      await a.register('com.example.whoami', (_args, _kwargs, details) => {
        invocations.push(details);
        return 'ok';
      });
      await a.register('com.example.slow', () => later(SLOW_MS, 'slow done'));
    });
    after(async () => {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([calleeA, calleeB, alice].filter((s) => s !== undefined).map((s) => s.close()));
      await router.close();
    });

    it('delivers progressive results as notify callbacks before the final result (spec: advanced/rpc_progressive_call_results.md)', async () => {
      const progress: unknown[] = [];
      const result = await new Promise((resolve, reject) => {
        alice.session.call('com.example.progress', [3], {}, { receive_progress: true }).then(resolve, reject, (p) => progress.push(p));
      });
      expect(progress).to.deep.equal([0, 1, 2]);
      expect(result).to.equal('done');
    });

    it('alternates a roundrobin registration between two callees in registration order (spec: advanced/rpc_shared_registration.md)', async () => {
      const results: unknown[] = [];
      for (let i = 0; i < 4; i++) results.push(await alice.session.call('com.example.rr'));
      expect(results).to.deep.equal(['A', 'B', 'A', 'B']);
    });

    it('discloses caller, caller_authid and caller_authrole to the callee when the role forces it (spec: advanced/rpc_caller_identification.md)', async () => {
      invocations.length = 0;
      await alice.session.call('com.example.whoami');
      expect(invocations).to.have.length(1);
      expect(invocations[0]).to.include({ caller: alice.session.id, caller_authid: 'alice', caller_authrole: 'user' });
    });

    it('delivers an event published with eligible_authid only to that user (spec: pubsub_subscriber_blackwhite_listing.md)', async () => {
      const [bob, publisher] = await Promise.all([ticket('bob'), ticket('backend')]);
      try {
        const got: Record<string, unknown[]> = { alice: [], bob: [] };
        const fenced = await Promise.all(Object.entries({ alice, bob }).map(async ([name, s]) => {
          const { promise, resolve } = Promise.withResolvers<undefined>();
          await s.session.subscribe(TOPIC, (args) => {
            got[name]?.push(args[0]);
            if (args[0] === 'fence') resolve(undefined);
          });
          return { fence: promise }; // wrapped: an async function would otherwise wait for it
        }));
        await publisher.session.publish(TOPIC, ['for-alice'], {}, { acknowledge: true, eligible_authid: ['alice'] });
        await publisher.session.publish(TOPIC, ['fence'], {}, { acknowledge: true });
        await Promise.all(fenced.map((f) => f.fence));
        expect(got).to.deep.equal({ alice: ['for-alice', 'fence'], bob: ['fence'] });
      } finally {
        await Promise.all([bob.close(), publisher.close()]);
      }
    });

    it('fails a call with wamp.error.timeout when CALL.Options.timeout (ms) expires first (spec: advanced/rpc_call_timeout.md)', async () => {
      const started = Date.now();
      const outcome = await settle(alice.session.call('com.example.slow', [], {}, { timeout: 200 }));
      expect(outcome).to.deep.equal({ ok: false, uri: WampErrorUri.timeout });
      expect(Date.now() - started).to.be.below(SLOW_MS);
      // The callee's late YIELD is discarded; the caller's session keeps working.
      expect(await alice.session.call('com.example.rr')).to.be.oneOf(['A', 'B']);
    });

    it('fails a cancelled call with wamp.error.canceled; autobahn-js needs mode "kill" to wait for it (spec: advanced/rpc_call_canceling.md)', async () => {
      const started = Date.now();
      const call = alice.session.call('com.example.slow');
      await later(100, null);
      call.cancel({ mode: 'kill' });
      const outcome = await settle(call);
      expect(outcome).to.deep.equal({ ok: false, uri: WampErrorUri.canceled });
      // autobahn-js callees do not announce call_canceling, so the dealer answers at once (skip).
      expect(Date.now() - started).to.be.below(SLOW_MS);
      expect(alice.internalErrors).to.deep.equal([]);
    });

    it('answers wamp.error.not_authorized to a call and a register the role does not allow', async () => {
      expect(await settle(alice.session.call('com.example.admin.reset'))).to.deep.equal({ ok: false, uri: WampErrorUri.notAuthorized });
      expect(await settle(alice.session.register('com.example.mine', () => null))).to.deep.equal({ ok: false, uri: WampErrorUri.notAuthorized });
    });
  });
}
