import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import * as errors from '../../../shared/errors.ts';

/** Every concrete AppError subclass exported by the registry, instantiated with placeholder arguments. */
function registryInstances(): errors.AppError[] {
  const out: errors.AppError[] = [];
  for (const value of Object.values(errors)) {
    if (typeof value !== 'function' || value === errors.AppError) continue;
    if (!(value.prototype instanceof errors.AppError)) continue;
    const Ctor = value as unknown as new (...args: unknown[]) => errors.AppError;
    out.push(new Ctor('placeholder', 'placeholder'));
  }
  return out;
}

describe('error registry (shared/errors.ts)', () => {
  const instances = registryInstances();
  const readme = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

  it('exports at least the protocol and config errors', () => {
    expect(instances.map((e) => e.code)).to.include.members(['ERR_PROTOCOL_VIOLATION', 'ERR_CONFIG_INVALID']);
  });

  it('gives every error a unique ERR_ code', () => {
    const codes = instances.map((e) => e.code);
    expect(new Set(codes).size).to.equal(codes.length);
    for (const code of codes) expect(code).to.match(/^ERR_[A-Z0-9_]+$/);
  });

  it('names each error class after itself', () => {
    for (const e of instances) expect(e.name).to.equal(e.constructor.name);
  });

  it('documents every code and every wire URI in the error table of docs/errors.md', () => {
    for (const e of instances) {
      expect(readme, `docs/errors.md lacks ${e.code}`).to.include(`\`${e.code}\``);
      if (e.uri !== undefined) expect(readme, `docs/errors.md lacks ${e.uri}`).to.include(`\`${e.uri}\``);
    }
  });
});
