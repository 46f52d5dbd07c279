/**
 * Builds web/vendor/autobahn.min.js: npm `autobahn` (autobahn-js) for the browser, one minified IIFE
 * defining the global `autobahn` with the package's API, and web/vendor/autobahn.LICENSE.txt, the
 * licenses of every npm package in it. Both are committed (docs/web-vendor.md says why and how);
 * test/unit/web/autobahn-bundle.test.ts rebuilds them into a temporary folder and fails when they
 * are stale. Run: `node scripts/build-web-vendor.ts [outDir]` (default web/vendor).
 *
 * What the plain esbuild bundle of autobahn gets wrong, and what this build does instead:
 * - `when` (autobahn's promise library; it gives call() promises their progress callback and the
 *   deferreds their `notify`) is UMD and hands the free variable `require` to its factory
 *   (`factory(require)`), which a bundler cannot follow: the bundled require throws, autobahn
 *   catches it, falls back to ES6 promises, and a progressive RESULT then fails with
 *   `d.notify is not a function`. `whenRequire` below gives each when.js module a static require map.
 * - `msgpack5` needs Node streams (readable-stream, bl, Buffer): replaced by a msgpack5-shaped
 *   wrapper over msgpackr (already a dependency), writing what msgpack5 writes for WAMP messages.
 * - `cbor` (node-cbor) needs Node streams too: replaced by a wrapper over cborg (a dependency).
 * - `crypto-js`: only the parts WAMP-CRA uses (PBKDF2, HMAC-SHA256, Base64), not all its ciphers.
 * - Node built-ins: `crypto` (asked for only when the page has no Web Crypto) becomes
 *   `globalThis.crypto`; `fs` (AUTOBAHN_TRACE, never set in a browser) a module that throws if used;
 *   the RawSocket transport is left out by autobahn's own `browser` field. Any other Node built-in
 *   fails the build.
 */
import { createRequire, isBuiltin } from 'node:module';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const DEFAULT_OUT_DIR = path.join(ROOT, 'web', 'vendor');
export const BUNDLE_FILE = 'autobahn.min.js';
export const LICENSE_FILE = 'autobahn.LICENSE.txt';

const require = createRequire(import.meta.url);
const AUTOBAHN_DIR = path.dirname(require.resolve('autobahn/package.json'));

/** msgpack5's factory API (`msgpack5(options).encode/decode`) over msgpackr. */
const MSGPACK5_SHIM = `
var msgpackr = require('msgpackr');
// What msgpack5 writes: no records or extensions; undefined as nil (msgpack5 skips undefined object
// values, and so does msgpackr with skipValues).
var packr = new msgpackr.Packr({ useRecords: false, moreTypes: false, encodeUndefinedAsNil: true, skipValues: [undefined] });
var unpackr = new msgpackr.Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' });
var UINT32_MAX = 0xffffffff, INT32_MIN = -0x80000000, MAX_ID = 9007199254740992;
// msgpackr writes integers beyond 32 bits as float64; msgpack5 (and WAMP IDs) want int64/uint64.
function widen(value) {
  if (typeof value === 'number') {
    return Number.isInteger(value) && (value > UINT32_MAX || value < INT32_MIN) && value <= MAX_ID && value >= -MAX_ID ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map(widen);
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
    var out = {};
    for (var key in value) if (Object.prototype.hasOwnProperty.call(value, key)) out[key] = widen(value[key]);
    return out;
  }
  return value;
}
function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('msgpack: expected binary data');
}
module.exports = function msgpack5() {
  return {
    encode: function (obj) { return packr.pack(widen(obj)); },
    decode: function (data) { return unpackr.unpack(toBytes(data)); },
  };
};
`;

/** The two functions autobahn's CBORSerializer uses (node-cbor API) over cborg. */
const CBOR_SHIM = `
import { Token, Type, encode as cborEncode, decode as cborDecode } from 'cborg';
var MAX_ID = 9007199254740992;
var encodeOptions = {
  ignoreUndefinedProperties: true,
  typeEncoders: {
    undefined: function () { return [new Token(Type.null, null)]; },
    // cborg writes +-2^53 as floats; IDs must be integers.
    number: function (value) {
      if (value === MAX_ID) return [new Token(Type.uint, BigInt(MAX_ID))];
      if (value === -MAX_ID) return [new Token(Type.negint, -BigInt(MAX_ID))];
      return null;
    },
  },
};
function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('cbor: expected binary data');
}
export function encode(obj) { return cborEncode(obj, encodeOptions); }
export async function encodeAsync(obj) { return cborEncode(obj, encodeOptions); }
export function decodeFirstSync(data) { return cborDecode(toBytes(data), { useMaps: false }); }
export var decode = decodeFirstSync;
`;

/** What autobahn's WAMP-CRA (lib/auth/cra.js) uses of crypto-js: PBKDF2 and HMAC over SHA-256, Base64. */
const CRYPTO_JS_SHIM = `
var CryptoJS = require('crypto-js/core');
require('crypto-js/enc-base64');
require('crypto-js/sha256');
require('crypto-js/hmac');
require('crypto-js/pbkdf2');
module.exports = CryptoJS;
`;

const FS_SHIM = 'module.exports = new Proxy({}, { get: function () { throw new Error("fs is not available in the browser build of autobahn-js"); } });';
const CRYPTO_SHIM = 'module.exports = globalThis.crypto;';

/** Virtual modules that replace npm packages and Node built-ins (see the header). */
const SHIMS: Readonly<Record<string, { contents: string; loader: 'js' }>> = {
  msgpack5: { contents: MSGPACK5_SHIM, loader: 'js' },
  cbor: { contents: CBOR_SHIM, loader: 'js' },
  'crypto-js': { contents: CRYPTO_JS_SHIM, loader: 'js' },
  fs: { contents: FS_SHIM, loader: 'js' },
  crypto: { contents: CRYPTO_SHIM, loader: 'js' },
};

const shims: Plugin = {
  name: 'asexor-browser-shims',
  setup(b) {
    b.onResolve({ filter: /^(msgpack5|cbor|crypto-js|fs|crypto)$/ }, (args) => ({ path: args.path, namespace: 'asexor-shim' }));
    b.onResolve({ filter: /.*/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (args.namespace !== 'asexor-shim' && isBuiltin(args.path) && !(name in SHIMS)) {
        return { errors: [{ text: `Node built-in '${args.path}' (imported by ${path.relative(ROOT, args.importer)}) has no browser shim` }] };
      }
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'asexor-shim' }, (args) => {
      const shim = SHIMS[args.path];
      if (!shim) return { errors: [{ text: `no shim for ${args.path}` }] };
      // resolveDir: the shims import msgpackr and cborg from the project's node_modules.
      return { ...shim, resolveDir: ROOT };
    });
    // Only autobahn's version is read from its package.json: keep the rest (paths, scripts) out.
    b.onLoad({ filter: /[\\/]autobahn[\\/]package\.json$/ }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8')) as { version: string };
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

/**
 * when.js modules end with `(typeof define === 'function' && define.amd ? define : function (factory)
 * { module.exports = factory(require); })`: replace that `require` by a function with one static
 * `require('<literal>')` per module the file asks for, which esbuild can bundle.
 */
const whenRequire: Plugin = {
  name: 'asexor-when-require',
  setup(b) {
    // when's `browser` field points `when` at dist/browser/when.js, its browserify build of every
    // when.js module (63 kB of output); autobahn needs when.js itself and what it requires.
    // when.js's own modules reach it as '../when' (monitor/console.js), which that field maps too.
    const whenJs = path.join(path.dirname(require.resolve('when/package.json')), 'when.js');
    b.onResolve({ filter: /^(?:when|\.\.?\/when)$/ }, (args) => {
      if (args.path === 'when' || path.resolve(args.resolveDir, `${args.path}.js`) === whenJs) return { path: whenJs };
      return undefined;
    });
    b.onLoad({ filter: /[\\/]node_modules[\\/]when[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const ids = [...new Set([...source.matchAll(/\brequire\((['"])([^'"]+)\1\)/g)].map((m) => m[2] ?? ''))].sort();
      const cases = ids.map((id) => `case ${JSON.stringify(id)}: return require(${JSON.stringify(id)});`).join(' ');
      const staticRequire = `function (id) { switch (id) { ${cases} default: throw new Error('when.js: cannot load ' + id + ' in the browser'); } }`;
      const contents = source.replace(/factory\(require\)/g, `factory(${staticRequire})`);
      return { contents, loader: 'js' };
    });
  },
};

interface PackageInfo {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  readonly dir: string;
}

/** The npm packages whose files are in the bundle, from esbuild's metafile, sorted by name. */
async function bundledPackages(metafile: Metafile): Promise<PackageInfo[]> {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    // Skips virtual inputs ('asexor-shim:…', '(disabled):…' for autobahn's RawSocket transport).
    if (/^[\w()-]+:/.test(input)) continue;
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) dirs.add(path.resolve(ROOT, match[1]));
  }
  const packages = await Promise.all([...dirs].map(async (dir) => {
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
    return { name: pkg.name, version: pkg.version, license: pkg.license ?? 'see below', dir };
  }));
  return packages.sort((a, b) => a.name.localeCompare(b.name, 'en'));
}

async function licenseText(dir: string): Promise<string> {
  const file = (await readdir(dir)).filter((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f)).sort()[0];
  if (!file) throw new Error(`no license file in ${dir}`);
  return (await readFile(path.join(dir, file), 'utf8')).replace(/\r\n/g, '\n').trimEnd();
}

async function licenseNotice(packages: readonly PackageInfo[]): Promise<string> {
  const parts = [
    `${BUNDLE_FILE} is a build of autobahn-js (npm autobahn) for the browser, made by`,
    'scripts/build-web-vendor.ts (docs/web-vendor.md). It contains these npm packages, under these licenses:',
    '',
    ...packages.map((p) => `  ${p.name} ${p.version} (${p.license})`),
  ];
  for (const p of packages) {
    parts.push('', '', '='.repeat(78), `${p.name} ${p.version} (${p.license})`, '='.repeat(78), '', await licenseText(p.dir));
  }
  return `${parts.join('\n')}\n`;
}

export interface WebVendorBuild {
  readonly bundle: string;
  readonly license: string;
  readonly bytes: number;
  readonly packages: readonly string[];
  /** esbuild's metafile (inputs and their bytes in the output). */
  readonly metafile: Metafile;
}

/** Writes the bundle and its license notice to `outDir` (created if missing). */
export async function buildWebVendor(outDir: string = DEFAULT_OUT_DIR): Promise<WebVendorBuild> {
  const { version } = JSON.parse(await readFile(path.join(AUTOBAHN_DIR, 'package.json'), 'utf8')) as { version: string };
  const result = await build({
    entryPoints: [path.join(AUTOBAHN_DIR, 'index.js')],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'iife',
    globalName: 'autobahn',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    charset: 'utf8',
    legalComments: 'none',
    banner: { js: `/*! autobahn-js ${version} for the browser (asexor scripts/build-web-vendor.ts). MIT; bundled packages and licenses: ${LICENSE_FILE} */` },
    // autobahn tests `'AUTOBAHN_DEBUG' in global` and `'process' in global`.
    define: { global: 'globalThis' },
    plugins: [shims, whenRequire],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output || result.outputFiles.length !== 1) throw new Error('esbuild produced no single output file');
  const packages = await bundledPackages(result.metafile);
  const bundle = path.join(outDir, BUNDLE_FILE);
  const license = path.join(outDir, LICENSE_FILE);
  await mkdir(outDir, { recursive: true });
  await writeFile(bundle, output.contents);
  await writeFile(license, await licenseNotice(packages));
  return { bundle, license, bytes: output.contents.byteLength, packages: packages.map((p) => `${p.name}@${p.version}`), metafile: result.metafile };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT_DIR;
  await rm(path.join(outDir, BUNDLE_FILE), { force: true });
  const built = await buildWebVendor(outDir);
  console.log(`${path.relative(process.cwd(), built.bundle)}: ${built.bytes} bytes (${built.packages.join(', ')})`);
}
