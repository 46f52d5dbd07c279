/**
 * autobahn-js (npm `autobahn`) bundled for the browser with esbuild, for the headless Chromium
 * suite. Its long-poll client needs only JSON: msgpack5 and cbor (which pull in Node's stream and
 * util) and the Node-only trace file writer (fs) are replaced by stubs. Exposes `window.autobahn`.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { build, stop, type Plugin } from 'esbuild';

const STUBS: Readonly<Record<string, string>> = {
  // autobahn's serializer.js calls it inside try/catch and then lacks MsgpackSerializer, as intended.
  msgpack5: 'module.exports = function () { throw new Error("msgpack5 is not bundled for the long-poll test"); };',
  cbor: 'module.exports = {};',
  fs: 'module.exports = {};',
};

const stubs: Plugin = {
  name: 'node-only-stubs',
  setup(b) {
    b.onResolve({ filter: /^(msgpack5|cbor|fs)$/ }, (args) => ({ path: args.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: STUBS[args.path] ?? '', loader: 'js' }));
  },
};

/** Writes `<dir>/autobahn.js` (an IIFE defining the global `autobahn`). */
export async function bundleAutobahn(dir: string): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('autobahn');
  const outfile = path.join(dir, 'autobahn.js');
  try {
    await build({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      globalName: 'autobahn',
      platform: 'browser',
      outfile,
      logLevel: 'silent',
      define: { global: 'globalThis' }, // autobahn tests `'AUTOBAHN_DEBUG' in global`
      plugins: [stubs],
    });
  } finally {
    await stop(); // esbuild's service process would otherwise outlive the test run
  }
  return outfile;
}
