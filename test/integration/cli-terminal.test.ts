/**
 * `asexor run` on a terminal: a real pseudo-terminal from script(1) (util-linux), against a real
 * server. The task id is shown (for `asexor status`/`cancel` from another terminal), the live line
 * of a task that reports no progress moves (elapsed time), and a task without a result prints no
 * `null`. Piped output (test/integration/worker-cli.test.ts) stays one JSON value.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';

const BIN = fileURLToPath(new URL('../../bin/asexor.ts', import.meta.url));

function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `asexor ARGS` in a pseudo-terminal; resolves with what the terminal showed (stdout and stderr). */
function onTerminal(args: readonly string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ASEXOR_')));
  return new Promise((resolve) => {
    execFile('script', ['-qefc', command, '/dev/null'], { env: { ...env, TERM: 'xterm' }, timeout: 20_000 }, (error, stdout) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, screen: stdout });
    });
  });
}

describe('asexor run on a terminal (script(1) pseudo-terminal)', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => { server = await startTestServer(); });
  after(async () => { await server.close(); });

  it('shows the task id, a live line that moves while the task runs, and no null for a task without a result', async () => {
    const { code, screen } = await onTerminal(['run', '--url', server.url, '--user', 'alice', '--ticket', 'alice-ticket', 'sleep', '1']);
    expect(code, screen).to.equal(0);
    const id = /task ([0-9a-f]{32}) \(asexor status \1 \/ asexor cancel \1\)/.exec(screen)?.[1];
    expect(id, screen).to.be.a('string');
    const elapsed = [...screen.matchAll(/sleep [|/\\-] running (\d+\.\d)s/g)].map((m) => Number(m[1]));
    expect(elapsed.length, screen).to.be.greaterThan(2);
    expect(Math.max(...elapsed), 'the elapsed time grows').to.be.greaterThan(Math.min(...elapsed));
    expect(screen).to.include('sleep: done (no result)');
    expect(screen).to.not.match(/^null\r?$/m);
  });
});
