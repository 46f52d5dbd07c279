/**
 * `asexor.store`: where the task journal lives (docs/durability.md). Either
 * `{ type: 'sqlite', path, synchronous, retention: { maxTasks, maxAgeDays } }` (a file, relative to the
 * config file's directory; `:memory:` is an SQLite database in memory, for tests) or `{ type: 'memory' }` (nothing survives a restart). The environment
 * variable ASEXOR_STORE=memory overrides the config (the test suite sets it, test/helpers/root-hooks.ts).
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigInvalidError } from '../../shared/errors.ts';

export type SynchronousMode = 'normal' | 'full';

/** The defaults (docs/worker.md, "The worker: serve, CLI, WAMP API"; test/unit/worker/journal/store-settings.test.ts). */
export const storeDefaults = {
  type: 'sqlite' as 'memory' | 'sqlite',
  /** Relative to the config file's directory (the working directory without one): `npm start` → ./asexor.db. */
  path: 'asexor.db',
  /** WAL + NORMAL survives a crash of the process (kill -9); `full` also survives an OS crash or power loss. */
  synchronous: 'normal' as SynchronousMode,
  /** Finished tasks kept in the journal (and in `control.history` after a restart). */
  maxTasks: 10_000,
  /** Finished tasks older than this are deleted. */
  maxAgeDays: 30,
} as const;

export const storeSettingsSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('memory') }),
  z.strictObject({
    type: z.literal('sqlite'),
    path: z.string().min(1).optional(),
    synchronous: z.enum(['normal', 'full']).optional(),
    retention: z.strictObject({
      maxTasks: z.int().min(1).max(10_000_000).optional(),
      maxAgeDays: z.number().positive().max(36_500).optional(),
    }).optional(),
  }),
]);

export interface RetentionSettings {
  readonly maxTasks: number;
  readonly maxAgeDays: number;
}

export type StoreSettings =
  | { readonly type: 'memory' }
  | { readonly type: 'sqlite'; readonly path: string; readonly synchronous: SynchronousMode; readonly retention: RetentionSettings };

/** The validated `asexor.store` section (undefined = defaults) → settings; `path` made absolute against `baseDir`. */
export function resolveStoreSettings(section: z.infer<typeof storeSettingsSchema> | undefined, baseDir: string, env: NodeJS.ProcessEnv = process.env): StoreSettings {
  const forced = env['ASEXOR_STORE'];
  if (forced !== undefined && forced !== '') {
    if (forced !== 'memory') throw new ConfigInvalidError(`Expected ASEXOR_STORE to be \`memory\` or unset, got \`${forced}\``, 'ASEXOR_STORE');
    return Object.freeze({ type: 'memory' });
  }
  const d = storeDefaults;
  if ((section?.type ?? d.type) === 'memory') return Object.freeze({ type: 'memory' });
  const sqlite = section?.type === 'sqlite' ? section : undefined;
  const file = sqlite?.path ?? d.path;
  return Object.freeze({
    type: 'sqlite',
    path: file === ':memory:' ? file : path.resolve(baseDir, file),
    synchronous: sqlite?.synchronous ?? d.synchronous,
    retention: Object.freeze({ maxTasks: sqlite?.retention?.maxTasks ?? d.maxTasks, maxAgeDays: sqlite?.retention?.maxAgeDays ?? d.maxAgeDays }),
  });
}
