/**
 * The RawSocket listener and peer on real sockets with a StubRouter (echo + ABORT on peer errors):
 * send-side backpressure, optional keep-alive PINGs, Unix socket files, bind errors and shutdown.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RawSocketTransportConfig } from '../../../../shared/config/types.ts';
import { TransportBindError } from '../../../../shared/errors.ts';
import { startRawSocketTransport, type RawSocketListener, type RawSocketTuning } from '../../../../router/transports/rawsocket.ts';
import { RawSocketPeer } from '../../../../router/transports/rawsocket-peer.ts';
import { probeRawSocket as connectRawSocket, openSocket } from '../../../helpers/transports/rawsocket.ts';
import { StubRouter } from './websocket-stub-router.ts';

const TCP: RawSocketTransportConfig = {
  type: 'rawsocket',
  endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
  serializers: ['json', 'msgpack', 'cbor'],
  options: { maxMessageSize: 64 * 1024, maxConnections: 100 },
};
const EVENT = { type: 36, subscription: 1, publication: 1, details: {}, args: ['x'.repeat(64 * 1024)] } as const;

describe('RawSocket listener and peer', () => {
  let router: StubRouter;
  let listener: RawSocketListener | undefined;
  let dir: string;

  async function start(config: RawSocketTransportConfig = TCP, tuning: RawSocketTuning = {}): Promise<RawSocketListener> {
    listener = await startRawSocketTransport(router, config, { rawsocket: tuning });
    return listener;
  }
  const tcp = (l: RawSocketListener): { host: string; port: number } => ({ host: l.address.host, port: l.address.port });

  beforeEach(async () => {
    router = new StubRouter();
    dir = await mkdtemp(join(tmpdir(), 'asexor-rawsocket-unit-'));
  });
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('reports kind rawsocket, the serializer and a tcp4 peer address in TransportDetails', async () => {
    const client = await connectRawSocket(tcp(await start()), 'cbor');
    client.send([1, 'realm1', {}]);
    expect(await client.next()).to.deep.equal([1, 'realm1', {}]);
    expect(router.peer.details).to.deep.equal({ kind: 'rawsocket', serializer: 'cbor', peer: `tcp4:127.0.0.1:${client.socket.localPort ?? 0}` });
    await client.close();
  });

  describe('backpressure', () => {
    it('pauses reading above the high-water mark and resumes once the client drains its socket', async () => {
      const client = await connectRawSocket(tcp(await start(TCP, { sendHighWaterMark: 256 * 1024, sendLowWaterMark: 64 * 1024 })), 'json');
      client.socket.pause();
      client.send([1, 'realm1', {}]);
      while (router.peers.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const peer = router.peer;
      if (!(peer instanceof RawSocketPeer)) throw new Error('expected a RawSocketPeer');
      for (let i = 0; i < 2_000 && !peer.readPaused; i++) peer.send(EVENT);
      expect(peer.readPaused).to.equal(true);
      client.socket.resume();
      while (peer.readPaused) await client.next();
      await client.close();
    });

    it('closes the connection instead of buffering without bound', async () => {
      const client = await connectRawSocket(tcp(await start(TCP, { sendHighWaterMark: 128 * 1024, sendLowWaterMark: 0, sendBufferLimit: 512 * 1024 })), 'json');
      client.socket.pause();
      client.send([1, 'realm1', {}]);
      while (router.peers.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const peer = router.peer;
      for (let i = 0; i < 2_000 && !peer.closed; i++) peer.send(EVENT);
      expect(router.closes).to.deep.equal([{ reason: 'send buffer overflow' }]);
      client.socket.destroy();
      await client.closed;
    });
  });

  describe('keep-alive PINGs (off by default)', () => {
    it('sends PINGs when configured and keeps a connection that answers with matching PONGs', async () => {
      const client = await connectRawSocket(tcp(await start(TCP, { pingIntervalMs: 30, pingTimeoutMs: 200 })), 'json');
      for (let i = 0; i < 3; i++) {
        const ping = await client.nextControl();
        expect(ping.type).to.equal('ping');
        expect(ping.payload).to.have.lengthOf(8);
        client.sendFrame('pong', ping.payload);
      }
      expect(router.peer.closed).to.equal(false);
      await client.close();
    });

    it('drops a connection whose PONG does not come back in time', async () => {
      const client = await connectRawSocket(tcp(await start(TCP, { pingIntervalMs: 30, pingTimeoutMs: 60 })), 'json');
      expect((await client.nextControl()).type).to.equal('ping');
      await client.closed;
      expect(router.closes).to.deep.equal([{ reason: 'ping timeout' }]);
    });
  });

  describe('Unix sockets', () => {
    const unix = (path: string): RawSocketTransportConfig => ({ ...TCP, endpoint: { type: 'unix', path } });

    it('listens on the path, reports it, and removes the socket file on close', async () => {
      const path = join(dir, 'r.sock');
      const l = await start(unix(path));
      expect([l.address, l.endpoint, l.url('/')]).to.deep.equal([{ host: path, port: 0 }, { type: 'unix', path }, `rs://unix:${path}`]);
      expect((await stat(path)).isSocket()).to.equal(true);
      const client = await connectRawSocket({ path }, 'msgpack');
      client.send([1, 'realm1', {}]);
      expect(await client.next()).to.deep.equal([1, 'realm1', {}]);
      expect(router.peer.details.peer).to.equal('unix');
      await l.close();
      await client.closed;
      expect(await stat(path).then(() => 'exists', () => 'gone')).to.equal('gone');
    });

    it('replaces a stale socket file that nobody listens on (left by a killed router process)', async () => {
      const path = join(dir, 'stale.sock');
      await leaveStaleSocket(path);
      expect((await stat(path)).isSocket()).to.equal(true);
      await start(unix(path));
      const client = await connectRawSocket({ path }, 'json');
      expect(client.reply[0]).to.equal(0x7f);
      await client.close();
    });

    it('refuses a path that is a regular file, and a socket another process listens on (TransportBindError)', async () => {
      const file = join(dir, 'file.sock');
      await writeFile(file, 'not a socket');
      const refused = await startRawSocketTransport(router, unix(file)).then(() => undefined, (err: unknown) => err);
      expect(refused).to.be.instanceOf(TransportBindError).and.to.have.property('message', `cannot listen on ${file}: the file exists and is not a socket`);
      const path = join(dir, 'live.sock');
      const live = await start(unix(path));
      const inUse = await startRawSocketTransport(router, unix(path)).then(() => undefined, (err: unknown) => err);
      expect(inUse).to.be.instanceOf(TransportBindError).and.to.have.property('message', `cannot listen on ${path}: another process is listening on it`);
      expect((await stat(path)).isSocket(), 'the live socket is left alone').to.equal(true);
      await live.close();
    });
  });

  it('reports a TCP port in use as TransportBindError', async () => {
    const first = await start();
    const err = await startRawSocketTransport(router, { ...TCP, endpoint: { type: 'tcp', interface: '127.0.0.1', port: first.address.port } })
      .then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportBindError).and.to.have.property('code', 'ERR_TRANSPORT_BIND');
  });

  it('on close, ends established connections and drops connections still in the handshake', async () => {
    const l = await start();
    const client = await connectRawSocket(tcp(l), 'json');
    const handshaking = await openSocket(tcp(l));
    handshaking.on('error', () => undefined);
    const handshakingClosed = new Promise((resolve) => handshaking.once('close', resolve));
    await l.close();
    await Promise.all([client.closed, handshakingClosed]);
    expect(router.closes).to.have.lengthOf(1);
    expect(l.connectionCount).to.equal(0);
  });
});

/** A process that listens on `path` and is killed with SIGKILL: its socket file stays behind. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', "require('node:net').createServer().listen(process.argv[1], () => console.log('ready'))", path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => { resolve(); });
    child.once('exit', (code) => { reject(new Error(`listener exited early (${code ?? 'signal'})`)); });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
