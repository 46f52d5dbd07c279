/**
 * The send path of the stream peers (router/transports/send-path.ts) over a real socket pair
 * (loopback TCP on port 0; a Unix socket for the water marks): frames leave in order, one cork per
 * turn, the water marks pause and resume reading, the over-limit close, and nothing left scheduled
 * after close.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import { SendPath, type OutgoingFrame, type SendMarks } from '../../../../router/transports/send-path.ts';
import { LazyLogger } from '../../../../router/transports/lazy-logger.ts';
import { recordingLogger } from '../../../helpers/recording-logger.ts';

const KiB = 1024;
const NO_LIMITS: SendMarks = { sendHighWaterMark: 1024 * 1024 * KiB, sendLowWaterMark: 0, sendBufferLimit: 1024 * 1024 * KiB };

/** The send path over the server side of the pair; records what it asked of the socket. */
class RecordingSendPath extends SendPath {
  readonly calls: string[] = [];
  readonly socket: Socket;
  /** Called after each resume, with the unsent bytes at that moment. */
  onResume: ((buffered: number) => void) | undefined;

  constructor(socket: Socket, marks: SendMarks, log: LazyLogger, corks = true) {
    super(marks, log, corks);
    this.socket = socket;
  }

  protected write(frame: OutgoingFrame, written: () => void): void {
    this.socket.write(frame, written);
  }

  protected buffered(): number {
    return this.socket.writableLength;
  }

  protected cork(): void {
    this.calls.push('cork');
    this.socket.cork();
  }

  protected uncork(): void {
    this.calls.push('uncork');
    this.socket.uncork();
  }

  protected pause(): void {
    this.calls.push('pause');
    this.socket.pause();
  }

  protected resume(): void {
    this.calls.push('resume');
    this.socket.resume();
    this.onResume?.(this.socket.writableLength);
  }

  protected overflow(): void {
    this.calls.push('overflow');
    this.close();
    this.socket.destroy();
  }
}

/** Reads `bytes` octets from `socket` (which must be flowing or resumed by the caller). */
function readBytes(socket: Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

interface Pair {
  readonly server: Server;
  readonly client: Socket;
  /** The server's end, which the send path writes to. */
  readonly serverSide: Socket;
}

/** Timers and immediates pending in this process. */
function scheduled(): { timers: number; immediates: number } {
  const active = process.getActiveResourcesInfo();
  return { timers: active.filter((r) => r === 'Timeout').length, immediates: active.filter((r) => r === 'Immediate').length };
}

/** The next check phase of the loop: the send path's flush at the end of the previous turn has run by then. */
function nextCheckPhase(): Promise<void> {
  return new Promise((resolve) => { setImmediate(resolve); });
}

describe('SendPath (router/transports/send-path.ts)', () => {
  const pairs: Pair[] = [];
  let lines: Record<string, unknown>[];
  let log: LazyLogger;
  let dir: string;

  /** A connected socket pair over loopback TCP (port 0) or over a Unix socket in `dir`; closed after the test. */
  async function pair(kind: 'tcp' | 'unix' = 'tcp'): Promise<Pair> {
    const server = createServer();
    if (kind === 'tcp') server.listen(0, '127.0.0.1');
    else server.listen(join(dir, 'pair.sock'));
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const client = kind === 'tcp' ? connect((server.address() as AddressInfo).port, '127.0.0.1') : connect(join(dir, 'pair.sock'));
    const [[serverSide]] = await Promise.all([accepted, once(client, 'connect')]);
    const made = { server, client, serverSide };
    pairs.push(made);
    return made;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'asexor-send-path-'));
    const recording = recordingLogger('debug');
    lines = recording.lines;
    log = new LazyLogger(recording.logger, { conn: 'test' });
  });

  afterEach(async () => {
    for (const { server, client, serverSide } of pairs.splice(0)) {
      client.destroy();
      serverSide.destroy();
      await new Promise((resolve) => { server.close(resolve); });
    }
    await rm(dir, { recursive: true, force: true });
  });

  describe('flushing', () => {
    it('corks once per turn and delivers the frames of several turns in the order they were sent', async () => {
      const { client, serverSide } = await pair();
      const path = new RecordingSendPath(serverSide, NO_LIMITS, log);
      const frames = Array.from({ length: 30 }, (_, i) => `frame ${String(i).padStart(2, '0')};`);
      const received = readBytes(client, frames.join('').length);
      for (const frame of frames.slice(0, 10)) path.send(frame);
      expect(path.calls).to.deep.equal(['cork']);
      await nextCheckPhase();
      expect(path.calls).to.deep.equal(['cork', 'uncork']);
      for (const frame of frames.slice(10, 20)) path.send(Buffer.from(frame));
      await nextCheckPhase();
      for (const frame of frames.slice(20)) path.send(frame);
      expect((await received).toString('latin1')).to.equal(frames.join(''));
      expect(path.calls).to.deep.equal(['cork', 'uncork', 'cork', 'uncork', 'cork', 'uncork']);
      path.close();
    });

    it('without corking, writes every frame at once', async () => {
      const { client, serverSide } = await pair();
      const path = new RecordingSendPath(serverSide, NO_LIMITS, log, false);
      const received = readBytes(client, 6);
      path.send('abc');
      path.send('def');
      expect(serverSide.writableCorked).to.equal(0);
      expect((await received).toString('latin1')).to.equal('abcdef');
      expect(path.calls).to.deep.equal([]);
      path.close();
    });
  });

  describe('close', () => {
    it('flushes the corked frames at once and leaves nothing to do later', async () => {
      const { client, serverSide } = await pair();
      const path = new RecordingSendPath(serverSide, NO_LIMITS, log);
      const before = scheduled();
      const received = readBytes(client, 'first;second;'.length);
      path.send('first;');
      path.send('second;');
      expect(serverSide.writableCorked).to.equal(1);
      path.close();
      expect(path.calls).to.deep.equal(['cork', 'uncork']);
      expect(serverSide.writableCorked).to.equal(0);
      expect(scheduled()).to.deep.equal(before);
      expect((await received).toString('latin1')).to.equal('first;second;');
      expect(path.calls).to.deep.equal(['cork', 'uncork']); // the flush queued for the end of that turn did nothing
    });

    it('after close, writes frames without corking and schedules nothing', async () => {
      const { client, serverSide } = await pair();
      const path = new RecordingSendPath(serverSide, NO_LIMITS, log);
      path.close();
      const before = scheduled();
      const received = readBytes(client, 'late;'.length);
      path.send('late;');
      expect(serverSide.writableCorked).to.equal(0);
      expect(scheduled()).to.deep.equal(before);
      expect(path.calls).to.deep.equal([]);
      expect((await received).toString('latin1')).to.equal('late;');
    });
  });

  describe('water marks', () => {
    const MARKS: SendMarks = { sendHighWaterMark: 256 * KiB, sendLowWaterMark: 64 * KiB, sendBufferLimit: 1024 * 1024 * KiB };
    const FRAME = Buffer.alloc(64 * KiB, 0x61);

    it('pauses reading above the high-water mark and resumes only at the low-water mark, once the client reads', async () => {
      // A Unix socket: the kernel holds about 200 KiB for a reader that stops (wmem_default), where
      // loopback TCP holds tens of MiB, so the socket's own buffer fills after a few turns.
      const { client, serverSide } = await pair('unix');
      const path = new RecordingSendPath(serverSide, MARKS, log);
      client.pause(); // the client stops reading: what we send piles up in the kernel, then in the socket
      // Turns of 1 MiB each until the kernel's buffer is full and the socket keeps more than the mark.
      let sent = 0;
      for (let turn = 0; turn < 64 && !(path.readPaused && serverSide.writableLength > MARKS.sendHighWaterMark); turn++) {
        for (let i = 0; i < 16; i++) path.send(FRAME);
        sent += 16 * FRAME.length;
        await nextCheckPhase();
      }
      expect(path.readPaused).to.equal(true);
      expect(serverSide.isPaused()).to.equal(true);
      expect(serverSide.writableLength).to.be.above(MARKS.sendHighWaterMark);
      const count = (call: string): number => path.calls.filter((c) => c === call).length;
      expect(count('pause')).to.equal(count('resume') + 1);

      const resumed = new Promise<number>((resolve) => { path.onResume = resolve; });
      const drained = readBytes(client, sent);
      client.resume();
      expect(await resumed).to.be.at.most(MARKS.sendLowWaterMark);
      expect(path.readPaused).to.equal(false);
      expect(serverSide.isPaused()).to.equal(false);
      expect((await drained).length).to.equal(sent);
      expect(lines.map((l) => l['msg'])).to.include.members([
        'send buffer above high-water mark; reading paused', 'send buffer drained; reading resumed',
      ]);
      expect(lines[0]).to.include({ conn: 'test' });
      path.close();
    });

    it('resumes reading on close when backpressure had paused it', async () => {
      const { client, serverSide } = await pair();
      const path = new RecordingSendPath(serverSide, MARKS, log);
      client.pause();
      for (let i = 0; i < 8 && !path.readPaused; i++) path.send(FRAME); // one turn: corked bytes count as unsent
      expect(path.readPaused).to.equal(true);
      path.close();
      expect(path.readPaused).to.equal(false);
      expect(serverSide.isPaused()).to.equal(false);
      expect(path.calls).to.deep.equal(['cork', 'pause', 'uncork', 'resume']);
    });
  });

  describe('over the limit', () => {
    it('closes the connection once, above sendBufferLimit, and logs why', async () => {
      const { client, serverSide } = await pair();
      const marks: SendMarks = { sendHighWaterMark: 128 * KiB, sendLowWaterMark: 0, sendBufferLimit: 512 * KiB };
      const path = new RecordingSendPath(serverSide, marks, log);
      const closed = once(client, 'close');
      client.pause();
      const frame = Buffer.alloc(100 * KiB, 0x62);
      for (let i = 0; i < 20; i++) path.send(frame); // one turn: corked, so nothing reaches the kernel before the limit
      expect(path.calls).to.deep.equal(['cork', 'pause', 'overflow', 'uncork', 'resume']);
      expect(path.readPaused).to.equal(false);
      expect(serverSide.destroyed).to.equal(true);
      client.resume();
      await closed;
      const overflow = lines.find((l) => l['msg'] === 'send buffer overflow; closing');
      expect(overflow).to.include({ limit: 512 * KiB, buffered: 600 * KiB, conn: 'test' });
    });
  });
});
