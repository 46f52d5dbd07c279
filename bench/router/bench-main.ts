/**
 * The shared entry point of every benchmark orchestrator (bench:router, bench:tasks): option parsing
 * errors and --help, a watchdog that bounds the whole run, and killing every child on SIGINT/SIGTERM,
 * on failure and at the end.
 */
import { killAll } from './children.ts';
import { progress } from './report.ts';

export interface BenchMain<O extends { readonly help?: boolean }> {
  /** e.g. 'bench:router' (prefix of error lines). */
  readonly name: string;
  readonly usage: string;
  readonly watchdogMs: number;
  parse(argv: readonly string[]): O;
  run(options: O): Promise<void>;
}

export async function benchMain<O extends { readonly help?: boolean }>(bench: BenchMain<O>): Promise<number> {
  let options: O;
  try {
    options = bench.parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${bench.name}: ${(err as Error).message}\n\n${bench.usage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${bench.usage}\n`);
    return 0;
  }
  const watchdog = setTimeout(() => {
    progress(`still running after ${bench.watchdogMs / 1000} s: giving up`);
    void killAll().finally(() => process.exit(1));
  }, bench.watchdogMs);
  const onSignal = (signal: NodeJS.Signals): void => {
    progress(`${signal}: stopping every child`);
    void killAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await bench.run(options);
    return 0;
  } catch (err) {
    process.stderr.write(`${bench.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  } finally {
    clearTimeout(watchdog);
    await killAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
