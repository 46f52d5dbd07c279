/** ClientConnection over the in-process pair (router/transports/local.ts): no serialization. */
import type { AttachOptions, Router } from '../../../router/index.ts';
import { createLocalPair } from '../../../router/transports/local.ts';
import { Inbox, type ClientConnection } from './connection.ts';

export function connectLocal(router: Router, options: AttachOptions = {}): ClientConnection {
  const { peer, client } = createLocalPair();
  const inbox = new Inbox();
  const closed = new Promise<void>((resolve) => {
    client.events.once('close', (info) => {
      inbox.end(`local pair closed${info.reason === undefined ? '' : `: ${info.reason}`}`);
      resolve();
    });
  });
  client.events.on('message', (message) => { inbox.deliver(message); });
  router.attach(peer, options);
  return {
    name: 'local',
    send(message) {
      client.send(message);
    },
    listen(listener) {
      inbox.listen(listener);
    },
    close() {
      client.close();
      return closed;
    },
  };
}
