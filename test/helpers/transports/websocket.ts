/** ClientConnection over WebSocket (ws) with our serializers and codec: wamp.2.json / msgpack / cbor. */
import { WebSocket, type RawData } from 'ws';
import { serializerById, subprotocolFor } from '../../../shared/serializers/index.ts';
import type { SerializerId } from '../../../shared/serializers/serializer.ts';
import { decode, encode } from '../../../shared/wamp/codec.ts';
import { Inbox, errorText, type ClientConnection } from './connection.ts';

const CLOSE_WAIT_MS = 2_000;

export async function connectWebSocket(url: string, serializerId: SerializerId): Promise<ClientConnection> {
  const serializer = serializerById(serializerId);
  const protocol = subprotocolFor(serializerId);
  const ws = new WebSocket(url, [protocol]);
  const inbox = new Inbox();
  ws.on('error', () => { /* surfaces as 'close' (or as the rejected open below) */ });
  const closed = new Promise<void>((resolve) => {
    ws.on('close', (code, reason) => {
      inbox.end(`websocket closed ${code} ${reason.toString('utf8')}`.trimEnd());
      resolve();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => { resolve(); });
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`websocket handshake refused with HTTP ${res.statusCode ?? 0}`));
      ws.terminate();
    });
    ws.once('close', () => { reject(new Error('websocket closed during the handshake')); });
  });
  if (ws.protocol !== protocol) throw new Error(`negotiated '${ws.protocol}', expected '${protocol}'`);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    try {
      if (isBinary !== serializer.binary) throw new Error(`${isBinary ? 'binary' : 'text'} message on ${protocol}`);
      inbox.deliver(decode(serializer.decode(isBinary ? bytes : bytes.toString('utf8'))));
    } catch (err) {
      inbox.end(`undecodable message from the router: ${errorText(err)}`);
      ws.terminate();
    }
  });
  return {
    name: `websocket/${serializerId}`,
    send(message) {
      if (ws.readyState === WebSocket.OPEN) ws.send(serializer.encode(encode(message)), { binary: serializer.binary });
    },
    listen(listener) {
      inbox.listen(listener);
    },
    close() {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      const timer = setTimeout(() => { ws.terminate(); }, CLOSE_WAIT_MS);
      return closed.finally(() => { clearTimeout(timer); });
    },
  };
}
