// The Node.js version check of the `asexor` command (bin/asexor.mjs) and of the install hook
// (scripts/install.mjs): package.json `engines.node` (">=MAJOR.MINOR") against the running Node.
// Plain JavaScript that any old Node parses, so that a too old one gets one line, not a stack.
import { readFileSync } from 'node:fs';

/** undefined when the running Node satisfies `engines.node`, else the one line to print. */
export function nodeTooOld(version = process.versions.node) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const wanted = /^>=\s*(\d+)\.(\d+)/.exec(pkg.engines.node);
  if (wanted === null) return undefined;
  const [major, minor] = version.split('.').map(Number);
  const [, needMajor, needMinor] = wanted.map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `asexor: needs Node.js ${pkg.engines.node.replace(/\s/g, '')}, this is ${version} (${process.execPath})`;
}
