/**
 * A router with one realm and ticket-authenticated local clients for the meta API tests:
 * `admin` may do everything (including `wamp.*`), `user` only `com.example.*`, `monitor` may call and
 * subscribe to `wamp.*` only, `service` may do `com.example.*` (its publications disclosed) and call
 * `wamp.session.*`, `dyn` asks the dynamic authorizer `com.example.authorize`. Every principal's
 * ticket is its authid.
 */
import { expect } from 'chai';
import { createRouter, type Router } from '../../../../router/index.ts';
import type { RealmConfig, TransportAuthConfig } from '../../../../shared/config/types.ts';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import type { Args, Dict, ErrorMessage, Event, WampMessage, Welcome } from '../../../../shared/wamp/messages.ts';
import { WampCloseUri } from '../../../../shared/wamp/uris.ts';
import { LocalTestClient } from '../../../helpers/local-client.ts';
import { permission } from '../../../helpers/router-fixtures.ts';

export const REALM: RealmConfig = {
  name: 'realm1',
  roles: [
    { name: 'admin', permissions: [permission('')] },
    { name: 'user', permissions: [permission('com.example.', 'prefix')] },
    { name: 'monitor', permissions: [permission('wamp.', 'prefix', ['call', 'subscribe'])] },
    { name: 'service', permissions: [permission('com.example.', 'prefix', undefined, { publisher: true }), permission('wamp.session.', 'prefix', ['call'])] },
    { name: 'dyn', authorizer: 'com.example.authorize' },
  ],
};

const ROLES = {
  admin: 'admin', root: 'admin', alice: 'user', bob: 'user', mon: 'monitor', svc: 'service', dan: 'dyn',
} as const;
export type Principal = keyof typeof ROLES;

export const AUTH: TransportAuthConfig = {
  ticket: { type: 'static', principals: Object.fromEntries(Object.entries(ROLES).map(([authid, role]) => [authid, { ticket: authid, role }])) },
};

export type Joined = LocalTestClient & { readonly welcome: Welcome; readonly id: number };

export class MetaFixture {
  readonly router: Router = createRouter({ realms: [REALM] });
  readonly #clients: LocalTestClient[] = [];

  /** Attach and authenticate as `authid` (ticket = authid). */
  async join(authid: Principal): Promise<Joined> {
    const client = new LocalTestClient(this.router, { auth: AUTH });
    this.#clients.push(client);
    const challenge = await client.hello(REALM.name, { authmethods: ['ticket'], authid });
    expect(challenge.type, JSON.stringify(challenge)).to.equal(MessageType.CHALLENGE);
    client.send({ type: MessageType.AUTHENTICATE, signature: authid, extra: {} });
    const welcome = await client.expect(MessageType.WELCOME);
    return Object.assign(client, { welcome, id: welcome.session });
  }

  async close(): Promise<void> {
    await Promise.all(this.#clients.splice(0).map((client) => client.close()));
    await this.router.close();
  }
}

/** CALL with positional and keyword arguments; resolves with RESULT or ERROR. */
export function invoke(client: LocalTestClient, procedure: string, args: Args = [], kwargs?: Dict): Promise<WampMessage> {
  return client.request({ type: MessageType.CALL, request: client.nextRequestId(), options: {}, procedure, args, ...(kwargs ? { kwargs } : {}) });
}

/** The RESULT's positional arguments (fails on ERROR). */
export async function result(client: LocalTestClient, procedure: string, args: Args = [], kwargs?: Dict): Promise<Args> {
  const reply = await invoke(client, procedure, args, kwargs);
  expect(reply.type, JSON.stringify(reply)).to.equal(MessageType.RESULT);
  return (reply as { args?: Args }).args ?? [];
}

/** The single positional result. */
export async function value(client: LocalTestClient, procedure: string, args: Args = [], kwargs?: Dict): Promise<unknown> {
  return (await result(client, procedure, args, kwargs))[0];
}

/** The ERROR a call gets (fails on RESULT). */
export async function failure(client: LocalTestClient, procedure: string, args: Args = [], kwargs?: Dict): Promise<ErrorMessage> {
  const reply = await invoke(client, procedure, args, kwargs);
  expect(reply.type, JSON.stringify(reply)).to.equal(MessageType.ERROR);
  return reply as ErrorMessage;
}

/** The next EVENT for `subscription`. */
export async function event(client: LocalTestClient, subscription: number): Promise<Event> {
  return (await client.waitFor((m) => m.type === MessageType.EVENT && m.subscription === subscription)) as Event;
}

/** The positional arguments of every EVENT for `subscription` received so far (after the queue settles). */
export async function eventArgs(client: LocalTestClient, subscription: number): Promise<Args[]> {
  await client.pending();
  return client.received.filter((m): m is Event => m.type === MessageType.EVENT && m.subscription === subscription).map((e) => e.args ?? []);
}

/** Say GOODBYE and wait for the router's reply and the transport close. */
export async function goodbye(client: LocalTestClient): Promise<void> {
  client.send({ type: MessageType.GOODBYE, details: {}, reason: WampCloseUri.closeRealm });
  await client.expect(MessageType.GOODBYE);
  await client.closed;
}
