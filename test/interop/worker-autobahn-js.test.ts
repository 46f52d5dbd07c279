/**
 * asexor's worker API from the npm autobahn-js client over each binary serializer: the pandoc
 * multi-task `convert_folder` converts real files of the files folder, reporting done/total progress
 * as progressive results and ending with every subtask's outcome.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { startTestServer, USERS, type TestServer } from '../helpers/start-server.ts';
import { join, type OpenSession } from './autobahn-js-client.ts';

interface Outcome { readonly task: string; readonly status: string; readonly result?: { output: string } }

for (const serializer of ['msgpack', 'cbor'] as const) {
  describe(`asexor worker from autobahn-js over wamp.2.${serializer}`, function () {
    this.timeout(30_000);
    let server: TestServer;
    let alice: OpenSession;

    before(async () => {
      server = await startTestServer();
      alice = await join({ url: server.url, realm: 'asexor', serializer, authmethods: ['ticket'], authid: 'alice', onchallenge: () => USERS.alice.ticket });
    });
    after(async () => {
      await alice.close();
      await server.close();
    });

    it('converts every document of a folder with pandoc, with done/total progress and each subtask\'s outcome', async () => {
      const aliceDir = path.join(server.filesDir, 'alice'); // alice's own folder (docs/files.md)
      await mkdir(aliceDir, { recursive: true });
      await writeFile(path.join(aliceDir, 'a.md'), '# Alpha\n\nFirst *document*.\n');
      await writeFile(path.join(aliceDir, 'b.html'), '<html><body><h1>Beta</h1><p>Second document.</p></body></html>\n');
      const progress: number[] = [];
      const final = await new Promise<{ kwargs: Record<string, unknown> }>((resolve, reject) => {
        alice.session.call('asexor.task.convert_folder', ['.', 'txt'], {}, { receive_progress: true }).then(
          (value) => { resolve(value as { kwargs: Record<string, unknown> }); },
          reject,
          (update) => {
            const event = (update as { kwargs: Record<string, unknown> }).kwargs;
            if (event['status'] === 'progress') progress.push(Number(event['progress']));
          },
        );
      });
      expect(progress).to.deep.equal([0.5, 1]);
      expect(final.kwargs).to.include({ status: 'success', task: 'convert_folder' });
      const result = final.kwargs['result'] as { total: number; succeeded: number; results: Outcome[] };
      expect(result).to.include({ total: 2, succeeded: 2 });
      expect(result.results.map((r) => [r.task, r.status, r.result?.output])).to.deep.equal([
        ['convert', 'success', 'a.txt'], ['convert', 'success', 'b.txt'],
      ]);
      expect(await readFile(path.join(aliceDir, 'a.txt'), 'utf8')).to.match(/ALPHA|Alpha/).and.include('First document');
      expect(await readFile(path.join(aliceDir, 'b.txt'), 'utf8')).to.include('Second document.');
    });

    it('rejects a path that escapes the files folder with asexor.error.invalid_params', async () => {
      let error: unknown;
      try {
        await alice.session.call('asexor.task.convert', ['../outside.md', 'txt']);
      } catch (caught) {
        error = caught;
      }
      expect(error).to.deep.include({ error: 'asexor.error.invalid_params' });
      expect((error as { kwargs: { message: string } }).kwargs.message).to.match(/^input: /);
    });
  });
}
