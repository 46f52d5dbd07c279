/**
 * Temporary outputs left by a worker killed mid-run (worker/files-sweep.ts, docs/files.md "Outputs"):
 * a files folder prepared with old and fresh leftovers, other hidden files, look-alikes and symlinks,
 * then the real serve stack started on it. The old leftovers are gone once its sweep logged; everything else,
 * including leftovers reached only through a symlink and ones young enough that a live worker sharing
 * the folder may still write them, is untouched; the count is logged.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordingLogger } from '../helpers/recording-logger.ts';
import { startTestServer } from '../helpers/start-server.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { joinAs } from '../helpers/worker-clients.ts';
import { TaskOutputs } from '../../worker/files-outputs.ts';
import { isPartialOutputName } from '../../worker/files-sweep.ts';

const HOURS_AGO = (hours: number): Date => new Date(Date.now() - hours * 3_600_000);

describe('temporary outputs of a killed worker are swept at start (worker/files-sweep.ts)', function () {
  this.timeout(20_000);
  let root: string;

  beforeEach(async () => { root = await realpath(await mkdtemp(path.join(tmpdir(), 'asexor-sweep-'))); });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  async function file(rel: string, hoursOld: number, content = 'x'): Promise<string> {
    const absolute = path.join(root, rel);
    await mkdir(path.dirname(absolute), { recursive: true });
    await writeFile(absolute, content);
    await utimes(absolute, HOURS_AGO(hoursOld), HOURS_AGO(hoursOld));
    return absolute;
  }

  it('removes old leftovers of the exact pattern only, follows no symlink, keeps young ones, and logs the count', async () => {
    const filesDir = path.join(root, 'files');
    const outside = path.join(root, 'outside');
    const gone = [
      await file('files/alice/.asexor-partial-0123456789abcdef.epub', 2),
      await file('files/alice/deep/er/.asexor-partial-fedcba9876543210', 2),
      await file('files/.asexor-partial-00000000ffffffff.docx', 2),
    ];
    const kept = [
      await file('files/alice/.asexor-partial-1111111111111111.epub', 0), // young: a live worker may be writing it
      await file('files/alice/.asexor-partial-0123456789ABCDEF.epub', 2), // upper-case hex: not ours
      await file('files/alice/.asexor-partial-0123456789abcde.epub', 2), // 15 digits
      await file('files/alice/.asexor-partial-0123456789abcdef.epub.bak', 2),
      await file('files/alice/x.asexor-partial-0123456789abcdef.epub', 2),
      await file('files/alice/.hidden', 2),
      await file('files/alice/book.epub', 2),
      await file('outside/.asexor-partial-2222222222222222.epub', 2), // reached only through a symlink
      await file('outside/target.txt', 2),
    ];
    await mkdir(path.join(filesDir, 'alice', '.asexor-partial-3333333333333333.epub'), { recursive: true }); // a folder
    kept.push(path.join(filesDir, 'alice', '.asexor-partial-3333333333333333.epub'));
    await symlink(outside, path.join(filesDir, 'alice', 'linked'));
    await symlink(path.join(outside, 'target.txt'), path.join(filesDir, 'alice', '.asexor-partial-4444444444444444.txt'));
    kept.push(path.join(filesDir, 'alice', '.asexor-partial-4444444444444444.txt'));

    const { logger, lines } = recordingLogger('info');
    const server = await startTestServer({ logger, asexor: { filesDir } });
    try {
      const alice = await joinAs(server.url, 'alice'); // it serves (the sweep runs in the background)
      await alice.close();
      await waitFor(() => lines.some((l) => l['component'] === 'files-sweep'), 'the sweep\'s log line');
      expect(gone.filter((f) => existsSync(f))).to.deep.equal([]);
      expect(kept.filter((f) => !existsSync(f))).to.deep.equal([]);
      const line = lines.find((l) => l['component'] === 'files-sweep');
      expect(line).to.include({ msg: 'removed temporary outputs left by a stopped worker', removed: 3, kept: 1, failed: 0, filesDir });
    } finally {
      await server.close();
    }
  });

  it('matches the temporary names the outputs get (worker/files-outputs.ts)', async () => {
    const outputs = new TaskOutputs(root);
    expect(isPartialOutputName(path.basename(outputs.path('book.epub')))).to.equal(true);
    expect(isPartialOutputName(path.basename(outputs.path('notes')))).to.equal(true);
    await outputs.discard();
    expect(isPartialOutputName('.asexor-partial-0123456789abcdef.epub')).to.equal(true);
    expect(isPartialOutputName('.asexor-partial-0123456789abcdef')).to.equal(true);
    expect(isPartialOutputName('.asexor-partial-0123456789abcdef.')).to.equal(false);
    expect(isPartialOutputName('.asexor-partial-0123456789abcdef.0123456789abcdef')).to.equal(false); // extensions are kept up to 15 characters
  });
});
