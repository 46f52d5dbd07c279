/**
 * Every ERROR the worker sends is bounded (worker/wamp-error.ts, docs/input-limits.md): a message that
 * quotes what a client sent is cut to MAX_ERROR_MESSAGE_CHARS, and invalid_params carries the bounded
 * issues of InvalidParamsError.
 */
import { expect } from 'chai';
import { InvalidParamsError, NoSuchTaskError, PathOutsideFilesDirError } from '../../../shared/errors.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { MAX_ERROR_MESSAGE_CHARS, toWampError } from '../../../worker/wamp-error.ts';

describe('worker ERROR bounds (worker/wamp-error.ts)', () => {
  const log = silentLogger();

  it('cuts a message that quotes a huge client value, in args and kwargs', () => {
    const error = toWampError(new NoSuchTaskError('t'.repeat(1_000_000)), 'asexor', log);
    expect(error.error).to.equal('asexor.error.no_such_task');
    expect(error.args[0]).to.be.a('string').with.length(MAX_ERROR_MESSAGE_CHARS);
    expect(error.kwargs['message']).to.equal(error.args[0]);
    expect(error.kwargs['code']).to.equal('ERR_NO_SUCH_TASK');
  });

  it('keeps short messages as they are', () => {
    const error = toWampError(new PathOutsideFilesDirError('/etc/passwd', 'is absolute', 'input'), 'app', log);
    expect(error.error).to.equal('app.error.invalid_params');
    expect(error.kwargs).to.deep.equal({ code: 'ERR_PATH_OUTSIDE_FILES_DIR', message: 'input: "/etc/passwd" is absolute' });
  });

  it('sends the bounded issues of invalid params', () => {
    const issues = Array.from({ length: 1000 }, (_, i) => ({ field: `f${i}`, message: `f${i}: ${'x'.repeat(5000)}` }));
    const error = toWampError(new InvalidParamsError(issues), 'asexor', log);
    const sent = error.kwargs['issues'] as { field: string; message: string }[];
    expect(sent).to.have.length(21);
    expect(sent.at(-1)?.message).to.equal('…and 980 more');
    expect(JSON.stringify([error.args, error.kwargs]).length).to.be.below(8 * 1024);
  });
});
