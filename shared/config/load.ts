/**
 * `loadConfigFile`: read a Crossbar.io node config (JSON), map it with fromCrossbarConfig (static
 * directories resolve against the file's directory, as Crossbar resolves them against the node
 * directory) and deep-freeze the result.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { ConfigInvalidError, ConfigUnsupportedError } from '../errors.ts';
import { fromCrossbarConfig, type CrossbarMapping, type FromCrossbarOptions } from './crossbar.ts';
import { deepFreeze } from './freeze.ts';
import { jsonErrorOffset } from './json-position.ts';

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** JSON.parse; a syntax error names the file, line, column and character position. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // V8: "Expected ',' ... in JSON at position 7 (line 1 column 8)" or "Unexpected token '}', "..." is not valid JSON".
    const reason = (err as Error).message
      .replace(/ at position \d+.*$|, (\.\.\.)?".*" is not valid JSON$/s, '')
      .replace(/ in JSON$/, '');
    const scanned = jsonErrorOffset(text);
    const position = scanned === -1 ? text.length : scanned;
    const { line, column } = lineAndColumn(text, position);
    throw new ConfigInvalidError(`${file}:${line}:${column}: invalid JSON at position ${position}: ${reason}`, '', { cause: err });
  }
}

export async function loadConfigFile(path: string, options: Pick<FromCrossbarOptions, 'env'> = {}): Promise<CrossbarMapping> {
  const file = resolve(path);
  if (['.yaml', '.yml'].includes(extname(file).toLowerCase())) {
    throw new ConfigUnsupportedError(`${file}: YAML node configs are not supported: convert to JSON (crossbar convert)`, '$');
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigInvalidError(`cannot read config file ${file}: ${(err as Error).message}`, '', { cause: err });
  }
  const mapping = fromCrossbarConfig(parseJson(text, file), { ...options, baseDir: dirname(file) });
  return deepFreeze(mapping);
}
