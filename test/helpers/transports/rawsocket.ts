/**
 * ClientConnection over RawSocket (spec: advanced/transport_rawsocket.md) on TCP or a Unix socket:
 * our 4-octet handshake, then length-prefixed frames through the pure codec of the transport
 * (router/transports/rawsocket-codec.ts). PINGs are answered with a PONG carrying the same payload.
 */
import { connect, type Socket } from 'node:net';
import {
  FrameDecoder, HANDSHAKE_LENGTH, MAGIC, MAX_FRAME_LENGTH, SerializerCode, encodeFrame,
} from '../../../router/transports/rawsocket-codec.ts';
import { serializerById } from '../../../shared/serializers/index.ts';
import type { SerializerId } from '../../../shared/serializers/serializer.ts';
import { decode, encode } from '../../../shared/wamp/codec.ts';
import { Inbox, errorText, type ClientConnection } from './connection.ts';

export type RawSocketAddress = { readonly host: string; readonly port: number } | { readonly path: string };

/** LENGTH nibble 15: we accept frames up to 2^24 octets. */
const OUR_LENGTH_EXPONENT = 15;
const CLOSE_WAIT_MS = 2_000;

function open(address: RawSocketAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = 'path' in address ? connect({ path: address.path }) : connect({ host: address.host, port: address.port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

export async function connectRawSocket(address: RawSocketAddress, serializerId: SerializerId): Promise<ClientConnection> {
  const serializer = serializerById(serializerId);
  const code = SerializerCode[serializerId];
  const socket = await open(address);
  const inbox = new Inbox();
  const decoder = new FrameDecoder(MAX_FRAME_LENGTH);
  socket.on('error', () => { /* reported through 'close' */ });
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      inbox.end('rawsocket connection closed');
      resolve();
    });
  });

  const fail = (reason: string): void => {
    inbox.end(reason);
    socket.destroy();
  };
  const frames = (chunk: Buffer): void => {
    const { frames: decoded, error } = decoder.push(chunk);
    for (const frame of decoded) {
      if (frame.type === 'ping') socket.write(encodeFrame('pong', frame.payload));
      if (frame.type !== 'message') continue;
      try {
        inbox.deliver(decode(serializer.decode(serializer.binary ? frame.payload : frame.payload.toString('utf8'))));
      } catch (err) {
        fail(`undecodable message from the router: ${errorText(err)}`);
        return;
      }
    }
    if (error) fail(`bad frame from the router: ${error.message}`);
  };

  await new Promise<void>((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < HANDSHAKE_LENGTH) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      const [magic, second = 0] = head;
      if (magic !== MAGIC || (second & 0x0f) !== code) {
        reject(new Error(`rawsocket handshake refused: reply ${head.subarray(0, HANDSHAKE_LENGTH).toString('hex')}`));
        socket.destroy();
        return;
      }
      socket.on('data', frames);
      resolve();
      if (head.length > HANDSHAKE_LENGTH) frames(head.subarray(HANDSHAKE_LENGTH));
    };
    const onClose = (): void => { reject(new Error('rawsocket closed during the handshake')); };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(Buffer.of(MAGIC, (OUR_LENGTH_EXPONENT << 4) | code, 0, 0));
  });

  return {
    name: `rawsocket-${'path' in address ? 'unix' : 'tcp'}/${serializerId}`,
    send(message) {
      if (!inbox.isClosed && socket.writable) socket.write(encodeFrame('message', serializer.encode(encode(message))));
    },
    listen(listener) {
      inbox.listen(listener);
    },
    close() {
      socket.end();
      const timer = setTimeout(() => { socket.destroy(); }, CLOSE_WAIT_MS);
      return closed.finally(() => { clearTimeout(timer); });
    },
  };
}
