import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createLogger, defaultLogFormat } from '../../../shared/logger.ts';

function capture(format: 'json' | 'pretty'): { lines: () => string; logger: ReturnType<typeof createLogger> } {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
  return { lines: () => text, logger: createLogger({ destination: out, format, level: 'info' }) };
}

describe('createLogger', () => {
  it('writes readable lines in the pretty format, secrets redacted', () => {
    const { lines, logger } = capture('pretty');
    logger.info({ port: 8484, auth: { ticket: 'alice-ticket' } }, 'listening');
    const text = lines();
    expect(text).to.match(/INFO.*listening/);
    expect(text).to.include('port: 8484');
    expect(text).to.not.include('alice-ticket');
    expect(text.trimStart()).to.not.match(/^\{/);
  });

  it('writes one JSON object per line in the json format', () => {
    const { lines, logger } = capture('json');
    logger.info({ port: 8484 }, 'listening');
    expect(JSON.parse(lines())).to.include({ msg: 'listening', port: 8484, name: 'asexor' });
  });

  it('is pretty only on a terminal stdout unless ASEXOR_LOG_FORMAT says otherwise', () => {
    expect(defaultLogFormat(true, {}, true)).to.equal('pretty');
    expect(defaultLogFormat(true, {}, false)).to.equal('json');
    expect(defaultLogFormat(false, {}, true), 'a given destination').to.equal('json');
    expect(defaultLogFormat(true, { ASEXOR_LOG_FORMAT: 'json' }, true)).to.equal('json');
    expect(defaultLogFormat(false, { ASEXOR_LOG_FORMAT: 'pretty' }, false)).to.equal('pretty');
    expect(() => defaultLogFormat(true, { ASEXOR_LOG_FORMAT: 'xml' }, true)).to.throw(RangeError, /ASEXOR_LOG_FORMAT/);
  });
});
