/**
 * asexor's worker API from Debian's python3-autobahn (asyncio Component) against the real serve
 * stack: the pandoc `convert` task turns a real Markdown file into HTML, the user gets the task id,
 * then its events on their own topic, or as progressive results; errors carry asexor URIs.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { AppErrorUri } from '../../shared/wamp/app-uris.ts';
import { WampErrorUri } from '../../shared/wamp/uris.ts';
import { startTestServer, USERS, type TestServer } from '../helpers/start-server.ts';
import { autobahnPythonAvailable, observed, runPythonScript, type ScriptRun } from './python-runner.ts';
import { useTool } from '../helpers/external-tool.ts';

const AVAILABLE = autobahnPythonAvailable();

for (const serializer of ['json', 'cbor'] as const) {
  describe(`asexor worker from autobahn-python over wamp.2.${serializer}`, function () {
    let server: TestServer | undefined;
    let run: ScriptRun;

    before(async function () {
      if (!useTool(AVAILABLE, 'python3-autobahn', 'apt-get install python3-autobahn python3-msgpack python3-cbor2')) this.skip();
      this.timeout(60_000);
      server = await startTestServer();
      await mkdir(path.join(server.filesDir, 'alice'), { recursive: true }); // alice's own folder (docs/files.md)
      await writeFile(path.join(server.filesDir, 'alice', 'doc.md'), '# Hello from asexor\n\nConverted by *pandoc*.\n');
      run = await runPythonScript('worker.py', [
        '--url', server.url, '--realm', 'asexor', '--serializer', serializer, '--deadline', '40',
        '--authid', 'alice', '--ticket', USERS.alice.ticket, '--other', 'bob',
        '--task', 'convert', '--kwargs', JSON.stringify({ input: 'doc.md', to: 'html' }),
      ], 50_000);
    });
    after(async () => { await server?.close(); });

    it('runs the script to completion', () => {
      expect(run.observations.at(-1), run.stderr.slice(-2000)).to.deep.equal({ done: true });
      expect(run.exitCode).to.equal(0);
    });

    it('returns the task id and delivers queued, started, success on the user\'s topic; pandoc wrote the HTML file', async () => {
      const topic = observed(run, 'scenario', 'topic');
      expect(topic['task_id']).to.match(/^[0-9a-f]{32}$/);
      expect(topic['statuses']).to.deep.equal(['queued', 'started', 'success']);
      expect(topic['terminal']).to.deep.include({ status: 'success', task: 'convert', result: { output: 'doc.html' } });
      const html = await readFile(path.join(server?.filesDir ?? '', 'alice', 'doc.html'), 'utf8');
      expect(html).to.include('<h1').and.include('Hello from asexor').and.include('<em>pandoc</em>');
    });

    it('sends the events as progressive results and the success event as the result', () => {
      const progressive = observed(run, 'scenario', 'progressive');
      expect(progressive['progress']).to.deep.equal(['queued', 'started']);
      expect(progressive['result']).to.deep.include({ status: 'success', result: { output: 'doc.html' } });
    });

    it('raises asexor.error.invalid_params naming the field', () => {
      const invalid = observed(run, 'scenario', 'invalid');
      expect(invalid['error']).to.equal(AppErrorUri.invalidParams);
      expect(invalid['kwargs']).to.deep.include({ code: 'ERR_INVALID_PARAMS' });
      expect((invalid['kwargs'] as { message: string }).message).to.match(/^seconds: /);
    });

    it('refuses a subscription to another user\'s status topic', () => {
      expect(observed(run, 'scenario', 'foreign')['error']).to.equal(WampErrorUri.notAuthorized);
    });
  });
}
