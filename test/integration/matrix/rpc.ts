/** RPC scenarios for the transport matrix: the caller joins on the first transport, the callee on the second. */
import { once } from 'node:events';
import { expect } from 'chai';
import { USER_ROLE } from '../../helpers/matrix-router.ts';
import { WampError } from '../../helpers/wamp-test-client.ts';
import type { Dict } from '../../../shared/wamp/messages.ts';
import { WampErrorUri } from '../../../shared/wamp/uris.ts';
import { rejection, type Scenario } from './parties.ts';

/** A handler that waits for INTERRUPT, reports its options, then answers ERROR wamp.error.canceled. */
function interruptible(invoked: () => void, interrupted: (options: unknown) => void) {
  return async (_args: unknown, _kwargs: unknown, { signal }: { readonly signal: AbortSignal }): Promise<never> => {
    invoked();
    await once(signal, 'abort');
    interrupted(signal.reason);
    throw new WampError(WampErrorUri.canceled, ['interrupted']);
  };
}

export const RPC_SCENARIOS: readonly Scenario[] = [
  {
    title: 'routes CALL to the callee as INVOCATION and its YIELD back as RESULT with args and kwargs (spec: basic/rpc.md)',
    async run(p) {
      const bob = await p.second('bob');
      await bob.register(p.uri('add'), (args, kwargs) => ({ args: [Number(args[0]) + Number(args[1])], kwargs: { echo: kwargs } }));
      const alice = await p.first('alice');
      const result = await alice.call(p.uri('add'), { args: [2, 3], kwargs: { unit: 'm', nested: { list: [1, 'x', null] } } });
      expect(result.args).to.deep.equal([5]);
      expect(result.kwargs).to.deep.equal({ echo: { unit: 'm', nested: { list: [1, 'x', null] } } });
    },
  },
  {
    title: 'answers a CALL with no callee with wamp.error.no_such_procedure (spec: basic/rpc.md)',
    async run(p) {
      const alice = await p.first('alice');
      const error = await rejection(alice.call(p.uri('nobody')), WampError);
      expect(error.uri).to.equal(WampErrorUri.noSuchProcedure);
    },
  },
  {
    title: 'forwards progressive YIELDs as RESULTs with progress: true before the final RESULT (spec: advanced/rpc_progressive_call_results.md)',
    async run(p) {
      const bob = await p.second('bob');
      await bob.register(p.uri('count'), (_args, _kwargs, { details, progress }) => {
        expect(details['receive_progress']).to.equal(true);
        progress({ args: [1] });
        progress({ args: [2] });
        return { args: [3] };
      });
      const alice = await p.first('alice');
      const progress: unknown[] = [];
      const call = alice.startCall(p.uri('count'), {}, { receive_progress: true }, (partial) => progress.push(partial.args?.[0]));
      const result = await call.result;
      expect(progress).to.deep.equal([1, 2]);
      expect(result.args).to.deep.equal([3]);
      expect(result.details['progress']).to.not.equal(true);
    },
  },
  {
    title: 'cancels in kill mode: INTERRUPT to the callee, whose ERROR wamp.error.canceled reaches the caller (spec: advanced/rpc_call_canceling.md)',
    async run(p) {
      const bob = await p.second('bob');
      let invoked!: () => void;
      const started = new Promise<void>((resolve) => { invoked = resolve; });
      let interruptOptions: unknown;
      await bob.register(p.uri('slow'), interruptible(invoked, (options) => { interruptOptions = options; }));
      const alice = await p.first('alice');
      const call = alice.startCall(p.uri('slow'));
      const failed = rejection(call.result, WampError);
      await started;
      call.cancel('kill');
      const error = await failed;
      expect(error.uri).to.equal(WampErrorUri.canceled);
      expect(error.args).to.deep.equal(['interrupted']); // the callee's own answer, forwarded
      expect(interruptOptions).to.deep.equal({ mode: 'kill' });
    },
  },
  {
    title: 'fails a call with wamp.error.timeout after CALL.Options.timeout and interrupts the callee with killnowait (spec: advanced/rpc_call_timeout.md)',
    async run(p) {
      const bob = await p.second('bob');
      let interruptOptions!: (options: unknown) => void;
      const interrupted = new Promise<unknown>((resolve) => { interruptOptions = resolve; });
      await bob.register(p.uri('stuck'), interruptible(() => undefined, interruptOptions));
      const alice = await p.first('alice');
      const error = await rejection(alice.call(p.uri('stuck'), {}, { timeout: 100 }), WampError);
      expect(error.uri).to.equal(WampErrorUri.timeout);
      expect(await interrupted).to.deep.equal({ mode: 'killnowait' });
    },
  },
  {
    title: 'discloses the caller on INVOCATION only when the caller asks with disclose_me (spec: advanced/rpc_caller_identification.md)',
    async run(p) {
      const bob = await p.second('bob');
      const seen: Dict[] = [];
      await bob.register(p.uri('who'), (_args, _kwargs, { details }) => {
        seen.push(details);
        return {};
      });
      const alice = await p.first('alice');
      await alice.call(p.uri('who'));
      await alice.call(p.uri('who'), {}, { disclose_me: true });
      expect(seen[0]).to.not.have.any.keys('caller', 'caller_authid', 'caller_authrole');
      expect(seen[1]).to.include({ caller: alice.session, caller_authid: 'alice', caller_authrole: USER_ROLE });
    },
  },
];
