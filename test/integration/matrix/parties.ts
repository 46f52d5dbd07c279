/**
 * What a matrix scenario sees: sessions joined on the "first" transport (caller, publisher) and
 * the "second" one (callee, subscribers), which differ only in cross-transport pairs, plus URIs
 * unique to the test. MatrixSessions closes every session after the test.
 */
import { expect } from 'chai';
import { MATRIX_REALM, TICKETS, type MatrixRouter, type TicketUser } from '../../helpers/matrix-router.ts';
import { openConnection, type TransportCase } from '../../helpers/transports/index.ts';
import { WampTestClient, ticketAuth, type JoinOptions } from '../../helpers/wamp-test-client.ts';

export interface Parties {
  /** A ticket-authenticated session on the first transport. */
  first(user: TicketUser): Promise<WampTestClient>;
  /** A ticket-authenticated session on the second transport. */
  second(user: TicketUser): Promise<WampTestClient>;
  /** Join on the first transport with these options (auth scenarios). */
  join(options: Omit<JoinOptions, 'realm'>): Promise<WampTestClient>;
  /** A URI no other test uses, e.g. 'com.matrix.t17.add'. */
  uri(name: string): string;
}

export interface Scenario {
  /** The `it` title: the behaviour as a sentence, with the spec reference. */
  readonly title: string;
  run(parties: Parties): Promise<void>;
}

let testCounter = 0;

export class MatrixSessions implements Parties {
  readonly #matrix: MatrixRouter;
  readonly #first: TransportCase;
  readonly #second: TransportCase;
  readonly #clients: WampTestClient[] = [];
  readonly #prefix = `com.matrix.t${(testCounter += 1)}`;

  constructor(matrix: MatrixRouter, first: TransportCase, second: TransportCase) {
    this.#matrix = matrix;
    this.#first = first;
    this.#second = second;
  }

  first(user: TicketUser): Promise<WampTestClient> {
    return this.#join(this.#first, ticketAuth(user, TICKETS[user]));
  }

  second(user: TicketUser): Promise<WampTestClient> {
    return this.#join(this.#second, ticketAuth(user, TICKETS[user]));
  }

  join(options: Omit<JoinOptions, 'realm'>): Promise<WampTestClient> {
    return this.#join(this.#first, options);
  }

  uri(name: string): string {
    return `${this.#prefix}.${name}`;
  }

  /** Run `scenario`, then check no session got a message nobody waited for. */
  async run(scenario: Scenario): Promise<void> {
    await scenario.run(this);
    for (const client of this.#clients) {
      expect(client.stray, `stray messages on ${client.connection.name}`).to.deep.equal([]);
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#clients.splice(0).map((client) => client.close()));
  }

  async #join(cell: TransportCase, options: Omit<JoinOptions, 'realm'>): Promise<WampTestClient> {
    const connection = await openConnection(this.#matrix, cell);
    const client = await WampTestClient.join(connection, { realm: MATRIX_REALM, ...options });
    this.#clients.push(client);
    return client;
  }
}

/** Take EVENTs until one whose first argument is `marker`; returns the first arguments before it. */
export async function eventsUntil(subscription: { readonly events: { next(timeoutMs?: number): Promise<{ readonly args?: readonly unknown[] }> } }, marker = 'end'): Promise<unknown[]> {
  const seen: unknown[] = [];
  for (;;) {
    const event = await subscription.events.next();
    const first = event.args?.[0];
    if (first === marker) return seen;
    seen.push(first);
  }
}

/** The WampError-like rejection of `promise` (fails if it resolves). */
export async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    return err as E;
  }
  throw new Error(`expected a ${type.name}, but the promise resolved`);
}
