/**
 * The native spawn helper as a real subprocess, spoken to in raw frames: split and coalesced
 * requests, malformed ones, and the end of its stdin. (The TaskRunner suites cover the rest, on
 * whichever spawner runs.)
 */
import { expect } from 'chai';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { nativeHelperMissing, nativeHelperPath } from '../../../../worker/spawner/native-client.ts';
import { encodeCancel, encodeRun, ReplyDecoder, type NativeReply } from '../../../../worker/spawner/native-codec.ts';
import type { WireRunRequest } from '../../../../worker/spawner/protocol.ts';
import { waitGone } from '../runner-fixtures.ts';
import { frame } from './frames.ts';

type Helper = ChildProcessByStdio<Writable, Readable, Readable>;

const run = (file: string, args: string[], extra: Partial<WireRunRequest> = {}): WireRunRequest => ({
  file, args, cwd: undefined, env: undefined, timeoutMs: 10_000, maxOutputBytes: 1 << 16, killGraceMs: 200, streamLines: false, ...extra,
});

class HelperUnderTest {
  readonly child: Helper;
  readonly replies: NativeReply[] = [];
  stderr = '';
  readonly #waiters: (() => void)[] = [];

  constructor() {
    this.child = spawn(nativeHelperPath(), [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const decoder = new ReplyDecoder(() => 'prog');
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.replies.push(...decoder.push(chunk));
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => { this.stderr += text; });
    this.child.stdin.on('error', () => undefined);
  }

  async until(match: (replies: NativeReply[]) => boolean): Promise<void> {
    while (!match(this.replies)) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  done(id: number): Extract<NativeReply, { t: 'done' }> | undefined {
    return this.replies.find((r): r is Extract<NativeReply, { t: 'done' }> => r.t === 'done' && r.id === id);
  }
}

describe('native spawn helper (raw frames)', function () {
  this.timeout(15_000);
  let helper: HelperUnderTest;
  before(function () {
    const missing = nativeHelperMissing();
    if (missing !== undefined) throw new Error(`the native helper is not built (${missing}); run \`npm run build:native\``);
  });
  beforeEach(async () => {
    helper = new HelperUnderTest();
    await helper.until((r) => r.some((x) => x.t === 'ready'));
  });
  afterEach(async () => {
    if (helper.child.exitCode === null && helper.child.signalCode === null) {
      const exited = once(helper.child, 'exit');
      helper.child.kill('SIGKILL');
      await exited;
    }
  });

  it('answers ready with protocol version 1 and its pid', () => {
    expect(helper.replies[0]).to.deep.equal({ t: 'ready', version: 1, pid: helper.child.pid });
  });

  it('runs requests written one byte at a time and coalesced with others', async () => {
    const bytes = Buffer.concat([
      encodeRun(1, run('printf', ['one'])), encodeRun(2, run('printf', ['two'])), encodeCancel(99), encodeRun(3, run('printf', ['three'])),
    ]);
    for (const byte of bytes) helper.child.stdin.write(Buffer.from([byte]));
    await helper.until(() => [1, 2, 3].every((id) => helper.done(id) !== undefined));
    const outcomes = [1, 2, 3].map((id) => helper.done(id)?.outcome);
    expect(outcomes.map((o) => (o !== undefined && 'stdout' in o ? `${o.kind}:${o.stdout}` : o?.kind))).to.deep.equal(['exited:one', 'exited:two', 'exited:three']);
  });

  it('answers a RUN whose payload is cut short or whose strings are not terminated with spawn_failed EINVAL, and keeps serving', async () => {
    helper.child.stdin.write(frame(1, 5, Buffer.alloc(10)));
    const good = encodeRun(6, run('true', []));
    helper.child.stdin.write(frame(1, 6, good.subarray(9, good.length - 1))); // the last NUL removed
    helper.child.stdin.write(encodeRun(7, run('true', [])));
    await helper.until(() => [5, 6, 7].every((id) => helper.done(id) !== undefined));
    expect(helper.done(5)?.outcome).to.include({ kind: 'spawn_failed', code: 'EINVAL' });
    expect(helper.done(6)?.outcome).to.include({ kind: 'spawn_failed', code: 'EINVAL' });
    expect(helper.done(7)?.outcome).to.include({ kind: 'exited', exitCode: 0 });
  });

  const fatal: [string, Buffer, RegExp][] = [
    ['an unknown request type', frame(9, 1, Buffer.alloc(0)), /unknown request type 9/],
    ['a frame length below the header size', Buffer.from([2, 0, 0, 0, 1, 0]), /bad request frame length 2/],
    ['a frame length over 64 MiB', Buffer.from([0, 0, 0, 0x7f]), /bad request frame length/],
  ];
  for (const [what, bytes, message] of fatal) {
    it(`exits with status 65 and says why on ${what} (the worker then restarts it)`, async () => {
      const exited = once(helper.child, 'exit');
      helper.child.stdin.write(bytes);
      expect((await exited)[0]).to.equal(65);
      expect(helper.stderr).to.match(message);
    });
  }

  it('ends a run whose pipes are held by a process that left the group (setsid) shortly after the group is gone', async () => {
    const script = 'setsid sh -c "echo ESCAPED \\$\\$; exec sleep 30" & sleep 0.2';
    const started = performance.now();
    helper.child.stdin.write(encodeRun(1, run('sh', ['-c', script], { streamLines: true })));
    await helper.until(() => helper.done(1) !== undefined);
    const lines = helper.replies.flatMap((r) => (r.t === 'lines' ? r.lines : []));
    const escaped = Number(/^ESCAPED (\d+)$/.exec(lines.find((l) => l.startsWith('ESCAPED ')) ?? '')?.[1] ?? 0);
    try {
      expect(helper.done(1)?.outcome).to.include({ kind: 'exited', exitCode: 0 });
      expect(performance.now() - started).to.be.below(3000); // 0.2 s of sleep, then at most 500 ms of draining
    } finally {
      if (escaped > 1) process.kill(escaped, 'SIGKILL');
    }
    expect(escaped).to.be.above(1);
  });

  it('terminates every task group and exits 0 when its stdin ends (the worker is gone)', async () => {
    helper.child.stdin.write(encodeRun(1, run('sleep', ['30'])));
    await helper.until((r) => r.some((x) => x.t === 'spawned'));
    const spawned = helper.replies.find((r) => r.t === 'spawned');
    const exited = once(helper.child, 'exit');
    helper.child.stdin.end();
    expect((await exited)[0]).to.equal(0);
    expect(await waitGone(spawned?.t === 'spawned' ? spawned.pid : 0)).to.equal(true);
  });
});
