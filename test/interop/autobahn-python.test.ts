/**
 * Debian's python3-autobahn (asyncio Component) against our router, for every serializer. The
 * scripts in ./python print what they observed; each `it` asserts on one observation. The dynamic
 * authenticator is an autobahn-js session speaking a different serializer than the Python clients.
 */
import { expect } from 'chai';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { startTestRouter, type TestRouter } from '../helpers/start-router.ts';
import { join, type OpenSession } from './autobahn-js-client.ts';
import { registerAuthenticator } from './dynamic-authenticator.ts';
import { CRA, DYNAMIC, DYNAMIC_AUTH, DYNAMIC_PATH, REALM, REALMS, SERIALIZERS, STATIC_AUTH, TICKETS } from './fixture.ts';
import { autobahnPythonAvailable, observed, runPythonScript, type ScriptRun } from './python-runner.ts';
import { useTool } from '../helpers/external-tool.ts';

const AVAILABLE = autobahnPythonAvailable();

const ATTEMPTS = [
  { name: 'ticket', authentication: { ticket: { authid: 'alice', ticket: TICKETS.alice } } },
  { name: 'ticket-wrong', authentication: { ticket: { authid: 'alice', ticket: 'not-the-ticket' } } },
  { name: 'wampcra', authentication: { wampcra: { authid: 'carol', secret: CRA.carol.secret } } },
  { name: 'wampcra-salted', authentication: { wampcra: { authid: 'dave', secret: CRA.dave.password } } },
  { name: 'wampcra-wrong', authentication: { wampcra: { authid: 'dave', secret: 'wrong-password' } } },
  { name: 'dynamic-ticket', path: DYNAMIC_PATH, authentication: { ticket: DYNAMIC.ticket } },
  { name: 'dynamic-ticket-wrong', path: DYNAMIC_PATH, authentication: { ticket: { authid: DYNAMIC.ticket.authid, ticket: 'nope' } } },
  { name: 'dynamic-wampcra', path: DYNAMIC_PATH, authentication: { wampcra: DYNAMIC.wampcra } },
] as const;

SERIALIZERS.forEach((serializer, index) => {
  describe(`autobahn-python 22.7.1 (asyncio) over wamp.2.${serializer}`, function () {
    let router: TestRouter | undefined;
    let authenticator: OpenSession | undefined;
    let auth: ScriptRun;
    let rpc: ScriptRun;
    let pubsub: ScriptRun;

    before(async function () {
      if (!useTool(AVAILABLE, 'python3-autobahn', 'apt-get install python3-autobahn python3-msgpack python3-cbor2')) this.skip();
      this.timeout(60_000); // three Python processes; each also bounds itself (--deadline)
      router = await startTestRouter({ realms: REALMS, auth: STATIC_AUTH, services: [{ path: DYNAMIC_PATH, auth: DYNAMIC_AUTH }] });
      const jsSerializer = SERIALIZERS[(index + 1) % SERIALIZERS.length] ?? 'json';
      authenticator = await join({
        url: router.url, realm: REALM, serializer: jsSerializer, authmethods: ['ticket'], authid: 'backend', onchallenge: () => TICKETS.backend,
      });
      await registerAuthenticator(authenticator.session);
      const common = ['--url', router.url, '--realm', REALM, '--serializer', serializer];
      [auth, rpc, pubsub] = await Promise.all([
        runPythonScript('auth.py', [...common, '--attempts', JSON.stringify(ATTEMPTS)]),
        runPythonScript('rpc.py', [...common, '--caller-ticket', TICKETS.alice, '--backend-ticket', TICKETS.backend]),
        runPythonScript('pubsub.py', [...common, '--alice-ticket', TICKETS.alice, '--bob-ticket', TICKETS.bob, '--backend-ticket', TICKETS.backend]),
      ]);
    });
    after(async () => {
      await authenticator?.close();
      await router?.close();
    });

    it('runs every script to completion with exit code 0', () => {
      for (const run of [auth, rpc, pubsub]) {
        expect(run.observations.at(-1), run.stderr.slice(-2000)).to.deep.equal({ done: true });
        expect(run.exitCode).to.equal(0);
      }
    });

    it('joins with static ticket and WAMP-CRA (plain, and salted via autobahn derive_key) (spec: authentication_ticket.md, authentication_cra.md)', () => {
      expect(observed(auth, 'attempt', 'ticket')).to.include({ joined: true, authid: 'alice', authrole: 'user', authmethod: 'ticket', authprovider: 'static' });
      expect(observed(auth, 'attempt', 'wampcra')).to.include({ joined: true, authid: 'carol', authmethod: 'wampcra', authprovider: 'static' });
      expect(observed(auth, 'attempt', 'wampcra-salted')).to.include({ joined: true, authid: 'dave', authmethod: 'wampcra' });
    });

    it('is refused with ABORT wamp.error.authentication_denied for a wrong ticket or password', () => {
      for (const name of ['ticket-wrong', 'wampcra-wrong']) {
        expect(observed(auth, 'attempt', name)).to.include({ joined: false, reason: WampErrorUri.authenticationDenied });
      }
    });

    it('joins through the dynamic authenticator (ticket and WAMP-CRA) and is refused with its error URI', () => {
      const dynamic = { joined: true, authrole: 'user', authprovider: 'dynamic' };
      expect(observed(auth, 'attempt', 'dynamic-ticket')).to.include({ ...dynamic, authid: DYNAMIC.ticket.authid, authmethod: 'ticket' })
        .and.to.have.deep.property('authextra', DYNAMIC.extra);
      expect(observed(auth, 'attempt', 'dynamic-wampcra')).to.include({ ...dynamic, authid: DYNAMIC.wampcra.authid, authmethod: 'wampcra' });
      expect(observed(auth, 'attempt', 'dynamic-ticket-wrong')).to.include({ joined: false, reason: DYNAMIC.deniedUri });
    });

    it('delivers progressive results to CallOptions.on_progress (spec: advanced/rpc_progressive_call_results.md)', () => {
      expect(observed(rpc, 'scenario', 'progressive')).to.deep.include({ progress: [0, 1, 2], result: 'done' });
    });

    it('alternates a roundrobin registration between two callees (spec: advanced/rpc_shared_registration.md)', () => {
      expect(observed(rpc, 'scenario', 'roundrobin')).to.deep.include({ results: ['A', 'B', 'A', 'B'] });
    });

    it('discloses the caller to the callee when the role forces it (spec: advanced/rpc_caller_identification.md)', () => {
      const seen = observed(rpc, 'scenario', 'disclosure');
      expect(seen).to.include({ caller_authid: 'alice', caller_authrole: 'user' });
      expect(seen['caller']).to.equal(seen['caller_session']);
    });

    it('fails a call with wamp.error.timeout after CALL.Options.timeout ms and interrupts the callee (spec: advanced/rpc_call_timeout.md)', () => {
      const seen = observed(rpc, 'scenario', 'timeout');
      expect(seen).to.include({ error: WampErrorUri.timeout, callee_interrupted: true });
      expect(seen['elapsed']).to.be.below(1.0);
    });

    it('sends CANCEL when the call future is cancelled; the callee gets INTERRUPT and the session survives (spec: advanced/rpc_call_canceling.md)', () => {
      expect(observed(rpc, 'scenario', 'cancel')).to.include({ caller: 'cancelled', callee_interrupted: true, session_alive: true });
    });

    it('answers wamp.error.not_authorized to a call and a register the role does not allow', () => {
      expect(observed(rpc, 'scenario', 'denied')).to.include({ call: WampErrorUri.notAuthorized, register: WampErrorUri.notAuthorized });
    });

    it('delivers an event published with eligible_authid only to that user (spec: pubsub_subscriber_blackwhite_listing.md)', () => {
      expect(observed(pubsub, 'scenario', 'eligible')).to.deep.include({ published: true, alice: ['for-alice', 'fence'], bob: ['fence'] });
    });
  });
});
