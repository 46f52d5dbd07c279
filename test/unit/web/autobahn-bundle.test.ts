/**
 * web/vendor/autobahn.min.js and autobahn.LICENSE.txt are committed build output of
 * scripts/build-web-vendor.ts (docs/web-vendor.md): rebuild them into a temporary folder and
 * require the committed files to be byte-identical, so a dependency update or a change of the
 * script cannot leave a stale bundle behind. The browser tests are in
 * test/interop/web-autobahn-bundle.test.ts.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { stop } from 'esbuild';
import { BUNDLE_FILE, DEFAULT_OUT_DIR, LICENSE_FILE, buildWebVendor, type WebVendorBuild } from '../../../scripts/build-web-vendor.ts';

const STALE = 'is stale: run `node scripts/build-web-vendor.ts` (npm run build:web-vendor) and commit web/vendor/';

describe('web/vendor/autobahn.min.js (the browser build of autobahn-js)', function () {
  this.timeout(60_000);
  let dir: string;
  let built: WebVendorBuild;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'asexor-web-vendor-'));
    built = await buildWebVendor(dir);
  });

  after(async () => {
    await stop(); // esbuild's service process would otherwise outlive the test run
    await rm(dir, { recursive: true, force: true });
  });

  for (const file of [BUNDLE_FILE, LICENSE_FILE]) {
    it(`the committed web/vendor/${file} equals a fresh build`, async () => {
      const [fresh, committed] = await Promise.all([readFile(path.join(dir, file)), readFile(path.join(DEFAULT_OUT_DIR, file))]);
      expect(committed.equals(fresh), `web/vendor/${file} ${STALE}`).to.equal(true);
    });
  }

  it('builds the same bytes twice (deterministic output)', async () => {
    const again = await mkdtemp(path.join(tmpdir(), 'asexor-web-vendor-'));
    try {
      await buildWebVendor(again);
      const [a, b] = await Promise.all([readFile(path.join(dir, BUNDLE_FILE)), readFile(path.join(again, BUNDLE_FILE))]);
      expect(a.equals(b)).to.equal(true);
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });

  it('is one IIFE defining the global autobahn, with when.js and the msgpack and cbor shims, no Node-only package and no absolute path', async () => {
    const source = await readFile(path.join(dir, BUNDLE_FILE), 'utf8');
    expect(source).to.match(/^\/\*! autobahn-js \d+\.\d+\.\d+ for the browser .*autobahn\.LICENSE\.txt \*\/\nvar autobahn=\(\(\)=>\{/);
    expect(built.packages.map((p) => p.replace(/@[^@]+$/, ''))).to.deep.equal(['autobahn', 'cborg', 'crypto-js', 'msgpackr', 'tweetnacl', 'when']);
    // The msgpack5 and node-cbor packages (Node streams) are not in it; nor are absolute paths.
    expect(Object.keys(built.metafile.inputs).filter((input) => /node_modules\/(msgpack5|cbor|readable-stream|bl|buffer)\//.test(input))).to.deep.equal([]);
    expect(source).not.to.include(process.cwd());
  });

  it('lists every bundled package with its license text in autobahn.LICENSE.txt', async () => {
    const notice = await readFile(path.join(dir, LICENSE_FILE), 'utf8');
    for (const pkg of built.packages) expect(notice).to.include(pkg.replace(/@([^@]+)$/, ' $1 ('));
    expect(notice).to.include('Copyright (C) typedef int GmbH and contributors.');
    expect(notice).to.include('Apache License');
  });
});
