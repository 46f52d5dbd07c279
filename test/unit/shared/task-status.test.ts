import { expect } from 'chai';
import { InvalidParamsError, TaskFailedError, TaskSpawnError } from '../../../shared/errors.ts';
import {
  STDERR_TAIL_CHARS, durationSeconds, isTerminal, processError, stderrTail, taskErrorInfo,
} from '../../../shared/task-status.ts';

const base = { stdout: '', stdoutTruncated: false, stderrTruncated: false, durationMs: 12 } as const;

describe('task-status', () => {
  it('knows the terminal statuses (docs/task-semantics.md: every accepted task ends with exactly one)', () => {
    expect(['queued', 'started', 'progress'].map((s) => isTerminal(s as 'queued'))).to.deep.equal([false, false, false]);
    expect(['success', 'error', 'cancelled', 'timeout'].map((s) => isTerminal(s as 'success'))).to.deep.equal([true, true, true, true]);
  });

  it('reports durations in seconds with millisecond precision', () => {
    expect(durationSeconds(1234.4)).to.equal(1.234);
    expect(durationSeconds(0)).to.equal(0);
  });

  it('keeps the last STDERR_TAIL_CHARS characters of stderr, without trailing whitespace', () => {
    expect(stderrTail('oops\n\n')).to.equal('oops');
    const long = `${'a'.repeat(STDERR_TAIL_CHARS)}end\n`;
    expect(stderrTail(long)).to.have.length(STDERR_TAIL_CHARS).and.match(/end$/);
  });

  describe('processError', () => {
    it('names the program when it is not installed (spawn ENOENT)', () => {
      const error = processError('pandoc', { kind: 'spawn_failed', code: 'ENOENT', message: 'spawn pandoc ENOENT', durationMs: 1 });
      expect(error).to.be.instanceOf(TaskSpawnError);
      expect(error.message).to.equal('cannot run "pandoc": program not found (ENOENT); is it installed and on the worker\'s PATH?');
      expect(taskErrorInfo(error)).to.deep.equal({ code: 'ERR_TASK_SPAWN_FAILED', message: error.message });
      expect(error.uri).to.equal('asexor.error.task_failed');
    });

    it('names the program when it is not executable (EACCES) or fails otherwise', () => {
      expect(processError('./x', { kind: 'spawn_failed', code: 'EACCES', message: 'm', durationMs: 1 }).message)
        .to.equal('cannot run "./x": permission denied (EACCES); is it executable?');
      expect(processError('x', { kind: 'spawn_failed', code: 'E2BIG', message: 'argument list too long', durationMs: 1 }).message)
        .to.equal('cannot run "x": argument list too long (E2BIG)');
    });

    it('carries the exit code, the last stderr line and the stderr tail of a failed run', () => {
      const error = processError('sleep', { ...base, kind: 'exited', exitCode: 1, stderr: "sleep: invalid time interval 'a'\nTry 'sleep --help'.\n" });
      expect(error.message).to.equal('"sleep" failed with exit code 1: Try \'sleep --help\'.');
      expect(taskErrorInfo(error)).to.deep.equal({
        code: 'ERR_TASK_FAILED', message: error.message, exit_code: 1,
        stderr_tail: "sleep: invalid time interval 'a'\nTry 'sleep --help'.",
      });
    });

    it('reports a process killed by a signal', () => {
      const error = processError('pandoc', { ...base, kind: 'signaled', signal: 'SIGSEGV', stderr: '' });
      expect(error.message).to.equal('"pandoc" was killed by SIGSEGV');
      expect(taskErrorInfo(error)).to.deep.equal({ code: 'ERR_TASK_FAILED', message: '"pandoc" was killed by SIGSEGV' });
    });
  });

  describe('taskErrorInfo', () => {
    it('keeps the code and message of our errors', () => {
      const error = new InvalidParamsError([{ field: 'input', message: 'input: "x.md" does not exist' }]);
      expect(taskErrorInfo(error)).to.deep.equal({ code: 'ERR_INVALID_PARAMS', message: 'input: "x.md" does not exist' });
      expect(taskErrorInfo(new TaskFailedError('custom failure'))).to.deep.equal({ code: 'ERR_TASK_FAILED', message: 'custom failure' });
    });

    it('never sends the message of an unexpected error (it may hold paths or secrets)', () => {
      const info = taskErrorInfo(new Error('ENOENT: /home/worker/secret'));
      expect(info.code).to.equal('ERR_TASK_FAILED');
      expect(info.message).to.not.include('secret');
    });
  });
});
