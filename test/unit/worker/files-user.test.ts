/**
 * Per-user files folders (worker/files-user.ts), the usage count of the quota (worker/files-usage.ts)
 * and the files procedures working in them (worker/files-api.ts), on real temporary folders.
 */
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { FilesQuotaExceededError, PathOutsideFilesDirError } from '../../../shared/errors.ts';
import { FilesApi } from '../../../worker/files-api.ts';
import { FilesUsage, measureFolder, usageFor } from '../../../worker/files-usage.ts';
import { authidOfFolderName, folderOf, MAX_PLAIN_FOLDER_CHARS, openUserFiles, userFilesOf, userFolderName, type FilesSettings } from '../../../worker/files-user.ts';

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');
const alice = { authid: 'alice', authrole: 'user' };
const bob = { authid: 'bob', authrole: 'user' };
const admin = { authid: 'root', authrole: 'admin' };

describe('per-user folder names (worker/files-user.ts)', () => {
  it('keeps letters, digits, _ - and inner dots, and percent-encodes every other UTF-8 byte', () => {
    expect(userFolderName('alice')).to.equal('alice');
    expect(userFolderName('jan.novak_2-x')).to.equal('jan.novak_2-x');
    expect(userFolderName('..')).to.equal('%2E.');
    expect(userFolderName('.hidden')).to.equal('%2Ehidden');
    expect(userFolderName('a/b')).to.equal('a%2Fb');
    expect(userFolderName('100%')).to.equal('100%25');
    expect(userFolderName('Žena ~x')).to.equal('%C5%BDena%20%7Ex');
    expect(() => userFolderName('')).to.throw(RangeError);
  });

  it('is reversible, one level deep, never hidden, and two authids never share a name', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 80, unit: 'binary' }), fc.string({ minLength: 1, maxLength: 80, unit: 'binary' }), (a, b) => {
      const name = userFolderName(a);
      expect(name).to.not.match(/^\.|\/|\\|\0/u);
      expect(Buffer.byteLength(name)).to.be.at.most(255);
      expect(authidOfFolderName(name)).to.equal(a);
      if (a !== b) expect(userFolderName(b)).to.not.equal(name);
    }));
  });

  it('cuts a long name and ends it in ~ and the SHA-256 of the authid (not reversible, still unique)', () => {
    const long = 'é'.repeat(100);
    const name = userFolderName(long);
    expect(name).to.match(/^(%C3%A9)+~[0-9a-f]{64}$/u);
    expect(Buffer.byteLength(name)).to.be.at.most(255);
    expect(userFolderName(`${long}x`)).to.not.equal(name);
    expect(authidOfFolderName(name)).to.equal(undefined);
    expect(userFolderName('a'.repeat(MAX_PLAIN_FOLDER_CHARS))).to.equal('a'.repeat(MAX_PLAIN_FOLDER_CHARS));
    expect(userFolderName('a'.repeat(MAX_PLAIN_FOLDER_CHARS + 1))).to.include('~');
  });

  it('puts a role of sharedRoles in the top folder, everybody else (admins too) in their own', () => {
    const settings: FilesSettings = { sharedRoles: ['admin'], quotaBytes: null };
    expect(userFilesOf('/srv/files', alice, settings)).to.deep.equal({ dir: '/srv/files/alice', scope: 'user', name: 'alice' });
    expect(userFilesOf('/srv/files', admin, settings)).to.deep.equal({ dir: '/srv/files', scope: 'shared', name: '' });
    expect(userFilesOf('/srv/files', admin)).to.deep.equal({ dir: '/srv/files/root', scope: 'user', name: 'root' });
    expect(folderOf('/srv/files', '')).to.equal('/srv/files');
    expect(folderOf('/srv/files', 'alice')).to.equal('/srv/files/alice');
    for (const bad of ['..', '.', 'a/b', 'a\\b']) expect(folderOf('/srv/files', bad), bad).to.equal(undefined);
  });
});

describe('files folders on disk (openUserFiles, FilesUsage, FilesApi)', () => {
  let top: string;
  let outside: string;
  beforeEach(async () => {
    top = await realpath(await mkdtemp(path.join(tmpdir(), 'asexor-users-')));
    outside = await realpath(await mkdtemp(path.join(tmpdir(), 'asexor-outside-')));
  });
  afterEach(async () => {
    await rm(top, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('creates a user\'s folder on first use and refuses a symlink in its place', async () => {
    expect((await openUserFiles(top, alice)).dir).to.equal(path.join(top, 'alice'));
    await symlink(outside, path.join(top, 'bob'));
    const error = await openUserFiles(top, bob).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(PathOutsideFilesDirError);
    expect((error as Error).message).to.match(/symlink or a file is in its place/u);
  });

  it('measures the regular files under a folder (hidden ones too, symlinks not followed), cached until refreshed', async () => {
    const dir = path.join(top, 'alice');
    await mkdir(path.join(dir, 'sub', '.deep'), { recursive: true });
    await writeFile(path.join(dir, 'a.txt'), 'x'.repeat(10));
    await writeFile(path.join(dir, 'sub', '.deep', 'b'), 'x'.repeat(5));
    await writeFile(path.join(outside, 'big'), 'x'.repeat(1000));
    await symlink(path.join(outside, 'big'), path.join(dir, 'link'));
    await symlink(outside, path.join(dir, 'out'));
    expect(await measureFolder(dir)).to.equal(15);
    expect(await measureFolder(path.join(top, 'nobody'))).to.equal(0);
    let now = 0;
    const usage = new FilesUsage({ ttlMs: 100, now: () => now });
    expect(await usage.bytes(dir)).to.equal(15);
    await writeFile(path.join(dir, 'c.txt'), 'x'.repeat(7));
    expect(await usage.bytes(dir), 'cached').to.equal(15);
    usage.add(dir, 7);
    expect(await usage.bytes(dir), 'adjusted by the worker').to.equal(22);
    now = 100;
    expect(await usage.bytes(dir), 'measured again').to.equal(22);
  });

  it('gives each user their own list, uploads and links; a shared role works in the top folder', async () => {
    const files: FilesSettings = { sharedRoles: ['admin'], quotaBytes: null };
    const api = new FilesApi({ filesDir: top, maxUploadBytes: 1000, files });
    await api.upload(alice, ['thesis.md', b64('alice')], {});
    await api.upload(bob, ['thesis.md', b64('bob')], {});
    expect(await readFile(path.join(top, 'alice', 'thesis.md'), 'utf8')).to.equal('alice');
    expect(await readFile(path.join(top, 'bob', 'thesis.md'), 'utf8')).to.equal('bob');
    expect((await api.list(alice)).map((f) => f.path)).to.deep.equal(['thesis.md']);
    expect((await api.list(admin)).map((f) => f.path), 'the top folder holds every user\'s folder').to.deep.equal(['alice/thesis.md', 'bob/thesis.md']);
    await api.upload(admin, ['notice.txt', b64('all')], {});
    expect(await readFile(path.join(top, 'notice.txt'), 'utf8')).to.equal('all');
    expect((await api.list(bob)).map((f) => f.path)).to.deep.equal(['thesis.md']);
  });

  it('refuses an upload over the quota with FilesQuotaExceededError, counting the file it replaces; shared roles have none', async () => {
    const files: FilesSettings = { sharedRoles: ['admin'], quotaBytes: 100 };
    const api = new FilesApi({ filesDir: top, maxUploadBytes: 1000, files });
    await api.upload(alice, ['a.bin', b64(Buffer.alloc(60))], {});
    const error = await api.upload(alice, ['b.bin', b64(Buffer.alloc(41))], {}).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(FilesQuotaExceededError);
    expect(error).to.include({ code: 'ERR_FILES_QUOTA_EXCEEDED', uri: 'asexor.error.invalid_params' });
    expect((error as Error).message).to.equal('the upload of 41 bytes would put your files folder over its quota of 100 bytes (it holds 60 bytes)');
    await api.upload(alice, ['b.bin', b64(Buffer.alloc(40))], {});
    // Replacing a.bin (60 bytes) by 60 bytes fits; by 61 it does not.
    await api.upload(alice, ['a.bin', b64(Buffer.alloc(60))], { overwrite: true });
    expect(await api.upload(alice, ['a.bin', b64(Buffer.alloc(61))], { overwrite: true }).then(() => 'ok', (e: unknown) => e)).to.be.instanceOf(FilesQuotaExceededError);
    expect(await usageFor(files).measure(path.join(top, 'alice'))).to.equal(100);
    await api.upload(bob, ['b.bin', b64(Buffer.alloc(100))], {});
    await api.upload(admin, ['big.bin', b64(Buffer.alloc(500))], {});
  });
});
