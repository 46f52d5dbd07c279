import { expect } from 'chai';
import { setImmediate as flush } from 'node:timers/promises';
import { createLocalPair } from '../../../../router/transports/local.ts';
import type { CloseInfo } from '../../../../router/transports/peer.ts';
import { SerializationError } from '../../../../shared/errors.ts';
import { MessageType } from '../../../../shared/wamp/message-type.ts';
import type { WampMessage } from '../../../../shared/wamp/messages.ts';

const published = (request: number): WampMessage => ({ type: MessageType.PUBLISHED, request, publication: request });
const publish = (request: number): WampMessage => ({ type: MessageType.PUBLISH, request, options: {}, topic: 't' });

describe('createLocalPair', () => {
  it('delivers in order in both directions, never synchronously', async () => {
    const { peer, client } = createLocalPair();
    const atRouter: WampMessage[] = [];
    const atClient: WampMessage[] = [];
    peer.on('message', (m) => atRouter.push(m));
    client.events.on('message', (m) => atClient.push(m));
    client.send(publish(1));
    client.send(publish(2));
    peer.send(published(1));
    peer.send(published(2));
    expect([atRouter, atClient]).to.deep.equal([[], []]);
    await flush();
    expect(atRouter).to.deep.equal([publish(1), publish(2)]);
    expect(atClient).to.deep.equal([published(1), published(2)]);
    peer.close();
  });

  it('delivers what the router sent before closing, then closes the client once', async () => {
    const { peer, client } = createLocalPair();
    const log: string[] = [];
    client.events.on('message', () => log.push('message'));
    client.events.on('close', () => log.push('close'));
    peer.send(published(1));
    peer.close({ code: 1000 });
    peer.close();
    peer.send(published(2));
    await flush();
    expect(log).to.deep.equal(['message', 'close']);
    expect([peer.closed, client.closed]).to.deep.equal([true, true]);
  });

  it('closes the router end when the client closes, and drops later sends', async () => {
    const { peer, client } = createLocalPair();
    const closes: CloseInfo[] = [];
    const atRouter: WampMessage[] = [];
    peer.on('close', (info) => closes.push(info));
    peer.on('message', (m) => atRouter.push(m));
    client.send(publish(1));
    client.close({ reason: 'bye' });
    client.send(publish(2));
    await flush();
    expect(atRouter).to.deep.equal([publish(1)]);
    expect(closes).to.deep.equal([{ reason: 'bye' }]);
  });

  it('reports a transport failure to the router end as an error event', () => {
    const { peer } = createLocalPair();
    const errors: Error[] = [];
    peer.on('error', (e) => errors.push(e));
    peer.fail(new SerializationError('bad bytes'));
    expect(errors.map((e) => e.message)).to.deep.equal(['bad bytes']);
    expect(peer.details).to.deep.equal({ kind: 'local', serializer: 'none', peer: 'local' });
    peer.close();
  });
});
