/** Helpers for the config tests: fixture loading, JSONPath edits, error assertions. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { HttpTransportConfig, TransportConfig } from '../../../../shared/config/types.ts';
import { ConfigInvalidError, ConfigUnsupportedError } from '../../../../shared/errors.ts';

export const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/config/', import.meta.url));
export const SHIPPED_DIR = fileURLToPath(new URL('../../../../crossbar-config/', import.meta.url));

/** A fresh parsed copy of test/fixtures/config/<name>. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURE_DIR}${name}`, 'utf8')) as Record<string, unknown>;
}

const SEGMENT = /\.([A-Za-z_$][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;

/** Sets (or, with `undefined`, deletes) the value at a JSONPath such as `$.workers[0].paths["/"]`. */
export function setAt(root: unknown, path: string, value: unknown): void {
  const keys: (string | number)[] = [];
  SEGMENT.lastIndex = 1;
  while (SEGMENT.lastIndex < path.length) {
    const m = SEGMENT.exec(path);
    if (!m) throw new Error(`bad test path ${path}`);
    keys.push(m[1] ?? (m[2] === undefined ? (JSON.parse(m[3] ?? '""') as string) : Number(m[2])));
  }
  const last = keys.pop();
  if (last === undefined) throw new Error(`bad test path ${path}`);
  let node = root as Record<string | number, unknown>;
  for (const key of keys) node = node[key] as Record<string | number, unknown>;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else Reflect.deleteProperty(node, last);
  } else {
    node[last] = value;
  }
}

export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, but none was thrown');
}

/** Asserts class, code, `path` and the full message (`<path>: <message>`). */
export function expectConfigError(
  err: unknown,
  type: typeof ConfigInvalidError | typeof ConfigUnsupportedError,
  path: string,
  message: string | RegExp,
): void {
  expect(err).to.be.instanceOf(type);
  const error = err as ConfigInvalidError | ConfigUnsupportedError;
  expect(error.code).to.equal(type === ConfigInvalidError ? 'ERR_CONFIG_INVALID' : 'ERR_CONFIG_UNSUPPORTED');
  expect(error.path).to.equal(path);
  if (typeof message === 'string') expect(error.message).to.equal(`${path}: ${message}`);
  else expect(error.message).to.match(message).and.to.satisfy((m: string) => m.startsWith(`${path}: `));
}

/** The transport, which must be an HTTP transport (`services`, a TCP endpoint): narrows the TransportConfig union. */
export function httpTransport(transport: TransportConfig | undefined): HttpTransportConfig {
  if (transport?.type !== 'http') throw new Error(`expected an http transport, got ${transport?.type ?? 'none'}`);
  return transport;
}
