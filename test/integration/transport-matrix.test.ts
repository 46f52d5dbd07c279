/**
 * The transport matrix (docs/conventions.md): the same session, RPC and pub/sub scenarios over every
 * transport and serializer the router serves (in-process, WebSocket, RawSocket TCP and Unix,
 * long-poll), then across transports (caller/publisher on one, callee/subscribers on another).
 * One router with every listener serves the whole file; each test has its own URIs and sessions.
 */
import { startMatrixRouter, type MatrixRouter } from '../helpers/matrix-router.ts';
import {
  TRANSPORTS, TRANSPORT_SERIALIZERS, transportCase, type TransportCase, type TransportName,
} from '../helpers/transports/index.ts';
import { SESSION_SCENARIOS } from './matrix/auth.ts';
import { MatrixSessions, type Scenario } from './matrix/parties.ts';
import { PUBSUB_SCENARIOS } from './matrix/pubsub.ts';
import { RPC_SCENARIOS } from './matrix/rpc.ts';

/** Every ordered pair of different transports, each side cycling through its serializers. */
function crossPairs(): [TransportCase, TransportCase][] {
  const pairs: [TransportCase, TransportCase][] = [];
  let turn = 0;
  for (const first of TRANSPORTS) {
    for (const second of TRANSPORTS) {
      if (first === second) continue;
      const pick = (name: TransportName): TransportCase => {
        const serializers = TRANSPORT_SERIALIZERS[name];
        return transportCase(name, serializers[turn % serializers.length] ?? 'none');
      };
      pairs.push([pick(first), pick(second)]);
      turn += 1;
    }
  }
  return pairs;
}

describe('transport matrix', () => {
  let matrix: MatrixRouter;
  before(async () => { matrix = await startMatrixRouter(); });
  after(() => matrix.close());

  function suite(first: TransportCase, second: TransportCase, scenarios: readonly Scenario[]): void {
    let sessions: MatrixSessions;
    beforeEach(() => { sessions = new MatrixSessions(matrix, first, second); });
    afterEach(() => sessions.closeAll());
    for (const scenario of scenarios) it(scenario.title, () => sessions.run(scenario));
  }

  for (const transport of TRANSPORTS) {
    for (const serializer of TRANSPORT_SERIALIZERS[transport]) {
      const here = transportCase(transport, serializer);
      describe(`over ${here.label}`, () => {
        suite(here, here, [...SESSION_SCENARIOS, ...RPC_SCENARIOS, ...PUBSUB_SCENARIOS]);
      });
    }
  }

  for (const [first, second] of crossPairs()) {
    describe(`caller/publisher on ${first.label}, callee/subscribers on ${second.label}`, () => {
      suite(first, second, [...RPC_SCENARIOS, ...PUBSUB_SCENARIOS]);
    });
  }
});
