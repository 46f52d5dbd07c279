/**
 * Loads `node:sqlite` on demand (only a worker with an SQLite journal pays for it). Node 24.21, the
 * pinned version, loads it silently; older Node versions that `engines` still allows (22.x) print
 * "ExperimentalWarning: SQLite is an experimental feature" on load. That one warning is dropped on
 * purpose, while the module loads (the journal is a supported feature here, docs/durability.md);
 * every other warning passes through unchanged.
 */
type SqliteModule = typeof import('node:sqlite');

let loaded: Promise<SqliteModule> | undefined;

function isSqliteExperimental(warning: unknown, type: unknown): boolean {
  const text = warning instanceof Error ? warning.message : String(warning);
  const kind = warning instanceof Error ? warning.name : typeof type === 'string' ? type : (type as { type?: unknown } | undefined)?.type;
  return kind === 'ExperimentalWarning' && /sqlite/i.test(text);
}

async function load(): Promise<SqliteModule> {
  const emitWarning = process.emitWarning.bind(process);
  const filtered = (warning: string | Error, ...rest: unknown[]): void => {
    if (isSqliteExperimental(warning, rest[0])) return;
    Reflect.apply(emitWarning, process, [warning, ...rest]);
  };
  process.emitWarning = filtered;
  try {
    return await import('node:sqlite');
  } finally {
    process.emitWarning = emitWarning;
  }
}

export function sqliteModule(): Promise<SqliteModule> {
  return (loaded ??= load());
}
