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
    const message = (err as Error).message;
    // V8: "... in JSON at position 42 (line 3 column 5)"; "Unexpected end of JSON input" has none.
    const match = /at position (\d+)/.exec(message);
    const position = match ? Number(match[1]) : text.length;
    const { line, column } = lineAndColumn(text, position);
    const reason = message.replace(/\s*(in JSON )?at position \d+.*$/, '');
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
