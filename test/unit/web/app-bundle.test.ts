/**
 * web/app.js is committed (npm start serves it with no build step) and must be what
 * scripts/build-web-app.ts builds from web/src/*.ts: after a change there, run
 * `node scripts/build-web-app.ts` and commit web/app.js (docs/web-app.md).
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { bundleWebApp, OUTFILE } from '../../../scripts/build-web-app.ts';

describe('web app bundle (scripts/build-web-app.ts)', function () {
  this.timeout(30_000);

  it('web/app.js is up to date with web/src (else: node scripts/build-web-app.ts)', async () => {
    const fresh = await bundleWebApp();
    const committed = await readFile(OUTFILE, 'utf8');
    expect(committed === fresh, 'web/app.js is stale: run node scripts/build-web-app.ts and commit it').to.equal(true);
  });

  it('is deterministic and carries no absolute path of this machine', async () => {
    const [a, b] = [await bundleWebApp(), await bundleWebApp()];
    expect(a).to.equal(b);
    expect(a).to.not.contain(process.cwd());
  });
});
