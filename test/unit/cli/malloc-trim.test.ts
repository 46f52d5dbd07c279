import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadMallocTrim, MEMTRIM_ADDON } from '../../../cli/malloc-trim.ts';
import { describeWithTool } from '../../helpers/external-tool.ts';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('../../fixtures/bin/malloc-fragments.ts', import.meta.url));
const MB = 1024 * 1024;

describe('malloc_trim addon, pure-Node path (cli/malloc-trim.ts)', () => {
  it('is undefined when the addon cannot be loaded, so the idle GC skips the step', () => {
    expect(loadMallocTrim('/nonexistent/asexor-memtrim.node')).to.equal(undefined);
    expect(loadMallocTrim(fileURLToPath(new URL('../../../package.json', import.meta.url)))).to.equal(undefined); // loads, not the addon
  });
});

describeWithTool(existsSync(MEMTRIM_ADDON), 'native/build/asexor-memtrim.node', 'npm ci with a C compiler (the Node-API headers come from the node-api-headers package)')('malloc_trim addon (native/asexor-memtrim.c)', () => {
  it('loads and answers a boolean', () => {
    const trim = loadMallocTrim();
    expect(trim).to.be.a('function');
    expect(trim?.()).to.be.a('boolean');
  });

  it('gives freed malloc memory back to the OS: RSS of a process holding ~90 MB of free chunks drops', async () => {
    const { stdout } = await run(process.execPath, ['--expose-gc', CHILD], { encoding: 'utf8', timeout: 30_000 });
    const result = JSON.parse(stdout) as { before: number; after: number; released: boolean; kept: number };
    expect(result.kept).to.equal(6250);
    expect(result.released).to.equal(true);
    expect(result.before - result.after, `RSS ${(result.before / MB).toFixed(1)} -> ${(result.after / MB).toFixed(1)} MB`).to.be.greaterThan(40 * MB);
  });
});
