/**
 * Root hooks for every suite. After all tests, nothing we started may still hold the event loop:
 * our analogue of goleak (docs/conventions.md). Listeners, sockets, timers and child processes left open
 * by a test fail the run here instead of hanging CI.
 */
// The task journal stays in memory in tests unless a test starts a process without this variable
// (test/integration/journal-restart.test.ts); otherwise every worker would write ./asexor.db (worker/journal/store-settings.ts).
process.env['ASEXOR_STORE'] ??= 'memory';

const ALLOWED = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FSReqPromise', 'Timeout', 'Immediate', 'SignalWrap']);

export const mochaHooks = {
  afterAll(this: Mocha.Context): Promise<void> {
    // Give closing sockets one turn of the loop to finish.
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        const leaked = process.getActiveResourcesInfo().filter((r) => !ALLOWED.has(r));
        if (leaked.length > 0) reject(new Error(`open handles after the test run: ${leaked.join(', ')}`));
        else resolve();
      }, 50);
    });
  },
};
