/**
 * Tests that need a tool from outside npm (Debian's python3-autobahn, chromium, pandoc): on a
 * developer's machine without it they are skipped, saying what to install; under `CI=true` (set by
 * .ci/run, which installs every such tool) a missing tool fails the run instead, so that a broken
 * install can never turn into a green run that tested nothing.
 */

/** Whether the tests needing `tool` run: true when present; false (skip) when missing outside CI; throws when missing under CI=true. */
export function useTool(present: boolean, tool: string, install: string): boolean {
  if (present) return true;
  if (process.env['CI'] === 'true') throw new Error(`${tool} is missing (${install}): under CI=true the tests that need it fail instead of being skipped`);
  return false;
}

/** `describe` when `tool` is present, `describe.skip` when missing outside CI; a failing suite under CI=true. */
export function describeWithTool(present: boolean, tool: string, install: string): Mocha.SuiteFunction | Mocha.PendingSuiteFunction {
  try {
    return useTool(present, tool, install) ? describe : describe.skip;
  } catch (error) {
    return (title: string) => describe(title, () => { it(`needs ${tool}`, () => { throw error; }); });
  }
}

/** `it` when `tool` is present, `it.skip` when missing outside CI; a failing test under CI=true. */
export function itWithTool(present: boolean, tool: string, install: string): Mocha.TestFunction | Mocha.PendingTestFunction {
  try {
    return useTool(present, tool, install) ? it : it.skip;
  } catch (error) {
    return ((title: string) => it(title, () => { throw error; })) as unknown as Mocha.TestFunction;
  }
}
