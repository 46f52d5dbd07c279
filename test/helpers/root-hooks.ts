/**
 * Root hooks for every suite. After all tests, nothing we started may still hold the event loop:
 * our analogue of goleak (docs/conventions.md). Listeners, sockets, timers and child processes left open
 * by a test fail the run here instead of hanging CI.
 */
// The task journal stays in memory in tests unless a test starts a process without this variable
// (test/integration/journal-restart.test.ts); otherwise every worker would write ./asexor.db (worker/journal/store-settings.ts).
process.env['ASEXOR_STORE'] ??= 'memory';

const ALLOWED = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FSReqPromise', 'SignalWrap']);

/**
 * Timers active inside a root hook's own timer callback before any test ran: mocha's timeout timer of
 * the hook and that callback's own timer. The same count after the run means no test left one.
 */
let baselineTimers = 0;

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

export const mochaHooks = {
  beforeAll(): Promise<void> {
    return new Promise((resolve) => {
      setTimeout(() => {
        baselineTimers = activeTimers();
        resolve();
      }, 0);
    });
  },
  afterAll(this: Mocha.Context): Promise<void> {
    // Give closing sockets one turn of the loop to finish.
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        // Every timer beyond that baseline is a leak: a test left a referenced setTimeout/setInterval running.
        const leaked = [
          ...process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ALLOWED.has(r)),
          ...Array.from({ length: Math.max(0, activeTimers() - baselineTimers) }, () => 'Timeout'),
        ];
        if (leaked.length > 0) reject(new Error(`open handles after the test run: ${leaked.join(', ')}`));
        else resolve();
      }, 50);
    });
  },
};
