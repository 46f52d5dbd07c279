/**
 * Hostile params against the real serve stack over WebSocket (docs/input-limits.md): every
 * refusal is a clear asexor.error.invalid_params with a bounded reply, the event loop is not blocked
 * by validation, and the server keeps serving the same and other users.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import { legacyDefaults } from '../../shared/legacy/settings.ts';
import { AppErrorUri } from '../../shared/wamp/app-uris.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import type { AbError } from '../../shared/autobahn.ts';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf, wampError } from '../helpers/worker-clients.ts';

/** How big the ERROR's payload is, as JSON. */
function replyBytes(error: AbError): number {
  return JSON.stringify([error.args, error.kwargs]).length;
}

function issuesOf(error: AbError): { field: string; message: string }[] {
  return error.kwargs['issues'] as { field: string; message: string }[];
}

describe('bad input: task params (docs/input-limits.md)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let alice: ClientSession;
  let bob: ClientSession;

  before(async () => {
    server = await startTestServer();
    alice = await joinAs(server.url, 'alice');
    bob = await joinAs(server.url, 'bob');
  });
  after(async () => {
    await alice.close();
    await bob.close();
    await server.close();
  });

  async function stillServes(client: ClientSession): Promise<void> {
    const log = await subscribeStatus(client);
    const taskId = await client.call('asexor.task.date', [], { format: '%Y', utc: true });
    expect(await terminalOf(log, taskId)).to.include({ status: 'success' });
  }

  it('answers a 3 MB list of 500,000 items with one issue, a reply under 1 KB and no blocked event loop', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const error = await wampError(alice.call('asexor.task.convert_folder', ['.', 'txt'], { extensions: Array<string>(500_000).fill('exe') }));
    const elapsed = performance.now() - started;
    delay.disable();
    expect(error.error).to.equal(AppErrorUri.invalidParams);
    expect(error.kwargs['code']).to.equal('ERR_INVALID_PARAMS');
    expect(issuesOf(error)).to.deep.equal([{ field: 'extensions', message: 'extensions: expected a list of at most 5 items, got 500000 items' }]);
    expect(replyBytes(error)).to.be.below(1024);
    expect(elapsed).to.be.below(2000);
    expect(delay.max / 1e6, 'longest event-loop stall, ms').to.be.below(1000);
    await stillServes(alice);
    await stillServes(bob);
  });

  it('shows the list caps in asexor.control.list: a task\'s own .max() and the default for lists without one', async () => {
    const list = await alice.call('asexor.control.list') as { name: string; params: { properties: Record<string, { maxItems?: number }> } }[];
    expect(list.find((t) => t.name === 'convert_folder')?.params.properties['extensions']?.maxItems).to.equal(5);
    expect(list.find((t) => t.name === 'multi')?.params.properties['subtasks']?.maxItems).to.equal(1000);
  });

  it('answers 100,000 unknown kwargs with 20 issues and "…and 99980 more"', async () => {
    const kwargs: Record<string, number> = {};
    for (let i = 0; i < 100_000; i += 1) kwargs[`k${i}`] = i;
    const error = await wampError(alice.call('asexor.task.date', [], kwargs));
    expect(error.error).to.equal(AppErrorUri.invalidParams);
    const issues = issuesOf(error);
    expect(issues).to.have.length(21);
    expect(issues[0]?.field).to.equal('k0');
    expect(issues.at(-1)).to.deep.equal({ field: '', message: '…and 99980 more' });
    expect(replyBytes(error)).to.be.below(8 * 1024);
    await stillServes(alice);
  });

  it('refuses params over 64 KiB without validating them', async () => {
    const error = await wampError(alice.call('asexor.task.date', ['%Y'.repeat(50_000)]));
    expect(error.error).to.equal(AppErrorUri.invalidParams);
    expect(error.kwargs['message']).to.equal('date: params too large: more than 65536 bytes (counted as JSON; the limit of this task)');
  });

  it('refuses calls with 2M-entry lists (20 of them once took a server from 130 to 693 MB) without queueing any', async () => {
    const list = Array<string>(2_000_000).fill('md');
    for (let i = 0; i < 5; i += 1) {
      const error = await wampError(alice.call('asexor.task.convert_folder', ['.', 'txt'], { extensions: list }));
      expect(error.error).to.equal(AppErrorUri.invalidParams);
    }
    const tasks = await alice.call('asexor.control.tasks') as unknown[];
    expect(tasks).to.deep.equal([]);
  });

  it('gives invalid_params (not internal) for a file name over 255 bytes', async () => {
    const error = await wampError(alice.call('asexor.task.convert', [`${'a'.repeat(300)}.md`, 'txt']));
    expect(error.error).to.equal(AppErrorUri.invalidParams);
    expect(issuesOf(error)).to.have.length(1);
    expect(issuesOf(error)[0]?.field).to.equal('input');
    expect(error.kwargs['message']).to.match(/^input: expected a relative path inside the files folder \(this one has a name of 303 bytes, where at most 255 bytes are allowed\)/u);
  });

  it('refuses convert of a missing file before queueing (progressive or not), naming the param; nothing is queued', async () => {
    const log = await subscribeStatus(alice);
    for (const options of [{}, { receive_progress: true }]) {
      const error = await wampError(alice.call('asexor.task.convert', ['missing.md', 'html'], {}, options));
      expect(error.error).to.equal(AppErrorUri.invalidParams);
      expect(issuesOf(error)[0]?.field).to.equal('input');
    }
    expect(await alice.call('asexor.control.tasks')).to.deep.equal([]);
    await stillServes(alice);
    expect(log.events.filter((e) => e['task'] === 'convert'), 'no event of a convert task').to.deep.equal([]);
  });

  it('bounds the error of a control procedure given 100,000 unknown kwargs', async () => {
    const kwargs: Record<string, boolean> = {};
    for (let i = 0; i < 100_000; i += 1) kwargs[`key${i}`] = true;
    const error = await wampError(alice.call('asexor.control.tasks', [], kwargs));
    expect(error.error).to.equal(AppErrorUri.invalidParams);
    expect(replyBytes(error)).to.be.below(2 * 1024);
  });

  describe('through the legacy run_task (docs/legacy-wamp-api.md)', () => {
    let legacy: TestServer;
    let legacyAlice: ClientSession;
    before(async () => {
      legacy = await startTestServer({ asexor: { legacy: { wampApi: { enabled: true } } } });
      legacyAlice = await joinAs(legacy.url, 'alice');
    });
    after(async () => {
      await legacyAlice.close();
      await legacy.close();
    });

    it('bounds the reply to an unknown task name of 1 MB', async () => {
      const error = await wampError(legacyAlice.call(legacyDefaults.wampApi.procedure, ['t'.repeat(1_000_000)]));
      expect(error.error).to.equal(WampErrorUri.runtimeError);
      expect(String(error.args[0])).to.match(/^No task with name t+…$/u);
      expect(replyBytes(error)).to.be.below(4 * 1024);
    });

    it('bounds the reply to a 500,000-item list', async () => {
      const error = await wampError(legacyAlice.call(legacyDefaults.wampApi.procedure, ['convert_folder', '.', 'txt'], { extensions: Array<string>(500_000).fill('exe') }));
      expect(error.kwargs['uri']).to.equal(AppErrorUri.invalidParams);
      expect(replyBytes(error)).to.be.below(2 * 1024);
    });
  });
});
