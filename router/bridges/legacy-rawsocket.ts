/**
 * A listener of the original ASEXOR raw socket protocol on TCP or a Unix socket
 * (docs/legacy-rawsocket.md): one net.Server per `asexor.legacy.rawsocket` entry; every accepted
 * socket becomes a LegacyRawConnection. A stale Unix socket file left by a crashed server is
 * replaced, a live one or any other file is not (router/transports/unix-socket-path.ts).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { TransportBindError } from '../../shared/errors.ts';
import type { LegacyEndpoint, LegacyRawSocketSettings } from '../../shared/legacy/settings.ts';
import { socketAddress } from '../transports/peer-address.ts';
import { prepareUnixPath, removeUnixPath } from '../transports/unix-socket-path.ts';
import type { BridgeContext, LegacyListener } from './context.ts';
import { LegacyRawConnection } from './legacy-raw-connection.ts';

export async function startLegacyRawSocket(context: BridgeContext, settings: LegacyRawSocketSettings): Promise<LegacyListener> {
  const where = describe(settings.endpoint);
  const log = context.logger.child({ component: 'legacy-rawsocket', endpoint: where });
  const connections = new Set<LegacyRawConnection>();
  let closing = false;

  const server = createServer({ noDelay: true }, (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    const peer = socketAddress(socket, 'unix');
    const connection = new LegacyRawConnection({ socket, context, settings, peer, logger: log.child({ peer }) });
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
  });
  const address = await listen(server, settings.endpoint);
  server.on('error', (err) => { log.error({ err }, 'legacy raw socket server error'); });
  log.info({ delegated: settings.delegated, noUpdate: settings.noUpdate }, 'legacy raw socket listening');

  let closed: Promise<void> | undefined;
  return {
    address,
    close() {
      closed ??= (async () => {
        closing = true;
        const serverClosed = new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
        const open = [...connections];
        for (const connection of open) connection.close();
        await Promise.all(open.map((connection) => connection.closed));
        await serverClosed;
        if (settings.endpoint.type === 'unix') await removeUnixPath(settings.endpoint.path);
        log.info('legacy raw socket closed');
      })();
      return closed;
    },
  };
}

function describe(endpoint: LegacyEndpoint): string {
  return endpoint.type === 'tcp' ? `${endpoint.interface}:${endpoint.port}` : endpoint.path;
}

async function listen(server: Server, endpoint: LegacyEndpoint): Promise<LegacyListener['address']> {
  if (endpoint.type === 'unix') await prepareUnixPath(endpoint.path);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new TransportBindError(`cannot listen on ${describe(endpoint)}: ${err.message}`, { cause: err }));
    };
    server.once('error', onError);
    const done = (): void => {
      server.off('error', onError);
      resolve();
    };
    if (endpoint.type === 'tcp') server.listen(endpoint.port, endpoint.interface, 128, done);
    else server.listen(endpoint.path, 128, done);
  });
  if (endpoint.type === 'unix') return { path: endpoint.path };
  const bound = server.address();
  return { host: endpoint.interface, port: typeof bound === 'object' && bound !== null ? bound.port : endpoint.port };
}
