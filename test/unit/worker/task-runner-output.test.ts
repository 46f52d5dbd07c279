import { expect } from 'chai';
import { silentLogger } from '../../../shared/logger.ts';
import { TaskRunner } from '../../../worker/task-runner.ts';
import { captured, fixture, peakRss } from './runner-fixtures.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
/** flood-stdout.mjs writes 64-byte lines numbered from 1. */
const LINE = 64;

describe('TaskRunner output capture and streamed lines', () => {
  let runner: TaskRunner;
  before(async () => { runner = await TaskRunner.start({ logger: silentLogger() }); });
  after(() => runner.close());

  it('keeps the head of a flooded stdout up to maxOutputBytes, flags truncation, and the spawner stays small', async function () {
    this.timeout(30_000);
    const spawner = runner.spawnerPid ?? 0;
    const before = peakRss(spawner);
    const outcome = captured(await runner.run(fixture('flood-stdout.mjs', ['96'], { maxOutputBytes: 64 * KIB, timeoutMs: 25_000 })));
    expect(outcome).to.include({ kind: 'exited', exitCode: 0, stdoutTruncated: true, stderrTruncated: false });
    expect(Buffer.byteLength(outcome.stdout)).to.equal(64 * KIB);
    expect(outcome.stdout.startsWith('line 000000001 ')).to.equal(true);
    // 96 MiB went through the spawner; its peak RSS grew by far less than that.
    expect(peakRss(spawner) - before).to.be.below(24 * MIB);
  });

  it('keeps the tail of a flooded stderr (the error is usually at the end) and flags truncation', async () => {
    const outcome = captured(await runner.run(fixture('flood-stdout.mjs', ['4', 'stderr'], { maxOutputBytes: 10 * LINE })));
    expect(outcome).to.include({ kind: 'exited', stderrTruncated: true, stdoutTruncated: false, stdout: '' });
    const lines = outcome.stderr.split('\n');
    expect(Buffer.byteLength(outcome.stderr)).to.equal(10 * LINE);
    expect(lines.at(-2)?.startsWith(`line ${String((4 * MIB) / LINE).padStart(9, '0')} `)).to.equal(true);
  });

  it('captures nothing but flags truncation when maxOutputBytes is 0', async () => {
    const outcome = captured(await runner.run(fixture('exit-with.mjs', ['0'], { maxOutputBytes: 0 })));
    expect(outcome).to.include({ stdout: '', stderr: '', stdoutTruncated: true, stderrTruncated: true });
  });

  it('streams stdout lines to onLine as they come, before the outcome, including a last unterminated line', async () => {
    const events: string[] = [];
    const pending = runner.run(fixture('progress.mjs', ['4', '30']), { onLine: (line) => events.push(line) });
    const outcome = await pending;
    events.push(`outcome ${outcome.kind}`);
    expect(events).to.deep.equal([
      'PROGRESS 0.25 step 1', 'PROGRESS 0.5 step 2', 'PROGRESS 0.75 step 3', 'PROGRESS 1 step 4', 'done', 'outcome exited',
    ]);
  });

  it('delivers every streamed line of a fast writer (backpressure, no loss) independently of the capture cap', async function () {
    this.timeout(30_000);
    let count = 0;
    let last = '';
    const outcome = await runner.run(fixture('flood-stdout.mjs', ['4'], { maxOutputBytes: KIB }), {
      onLine: (line) => { count++; last = line; },
    });
    expect(captured(outcome).stdoutTruncated).to.equal(true);
    expect(count).to.equal((4 * MIB) / LINE);
    expect(last.startsWith(`line ${String(count).padStart(9, '0')} `)).to.equal(true);
  });

  it('does not stream lines when streamLines is false, and survives a throwing onLine', async () => {
    let calls = 0;
    const quiet = await runner.run(fixture('progress.mjs', ['2', '5'], { streamLines: false }), { onLine: () => { calls++; } });
    expect(calls).to.equal(0);
    expect(captured(quiet).stdout).to.contain('PROGRESS 1 step 2');
    const noisy = await runner.run(fixture('progress.mjs', ['2', '5']), { onLine: () => { calls++; throw new Error('bad parser'); } });
    expect(noisy).to.include({ kind: 'exited', exitCode: 0 });
    expect(calls).to.equal(3);
  });
});
