/**
 * The files settings through a real server (docs/files.md): `files.sharedRoles` puts a role in the top
 * folder, where every user's own folder is visible, and `files.quotaBytes` refuses an upload that would
 * put a user's folder over it, with a clear error, while the user may still replace within the quota.
 */
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { joinAs, wampError } from '../helpers/worker-clients.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('files settings: shared roles and per-user quota (asexor.files)', function () {
  this.timeout(20_000);
  let server: TestServer;
  const clients: ClientSession[] = [];

  before(async () => {
    server = await startTestServer({ asexor: { files: { sharedRoles: ['admin'], quotaBytes: 1000 } } });
  });
  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await server.close();
  });

  async function join(user: 'alice' | 'bob' | 'root'): Promise<ClientSession> {
    const client = await joinAs(server.url, user);
    clients.push(client);
    return client;
  }

  it('keeps users apart, shows a shared role every folder, and refuses an upload over the quota', async () => {
    const [alice, bob, root] = [await join('alice'), await join('bob'), await join('root')];
    expect(await alice.call('asexor.files.upload', ['a.txt', b64('x'.repeat(600))])).to.deep.equal({ path: 'a.txt', size: 600 });
    const over = await wampError(alice.call('asexor.files.upload', ['b.txt', b64('y'.repeat(600))]));
    expect(over.error).to.equal('asexor.error.invalid_params');
    expect(over.kwargs['code']).to.equal('ERR_FILES_QUOTA_EXCEEDED');
    // Replacing her own file stays within the quota.
    expect(await alice.call('asexor.files.upload', ['a.txt', b64('z'.repeat(700))], { overwrite: true })).to.deep.equal({ path: 'a.txt', size: 700 });
    expect((await bob.call('asexor.files.list') as { path: string }[]).map((f) => f.path), 'bob sees none of alice\'s files').to.deep.equal([]);
    expect(await bob.call('asexor.files.upload', ['a.txt', b64('bob')])).to.deep.equal({ path: 'a.txt', size: 3 });
    const everything = (await root.call('asexor.files.list') as { path: string }[]).map((f) => f.path);
    expect(everything, 'the shared admin role works in the top folder').to.include.members(['alice/a.txt', 'bob/a.txt']);
  });
});
