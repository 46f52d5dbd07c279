/**
 * Start-up of the task journal (worker/index.ts): open the store the settings name (StoreOpenError
 * naming the file when it cannot be used), then restore its tasks into the service before the worker
 * joins, and say in the log what was restored.
 */
import type { Logger } from '../../shared/logger.ts';
import type { TaskService } from '../task-service.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { PostgresSettings, StoreSettings } from './store-settings.ts';
import { TaskJournal } from './task-journal.ts';

/** The journal of `settings`, or undefined for `memory` (nothing survives a restart). The PostgreSQL store has none (worker/store/). */
export async function openJournal(settings: Exclude<StoreSettings, PostgresSettings>, logger: Logger): Promise<TaskJournal | undefined> {
  const log = logger.child({ component: 'task-journal' });
  if (settings.type === 'memory') {
    log.info({ store: 'memory' }, 'task journal off: queued tasks and history are lost on restart');
    return undefined;
  }
  const store = await SqliteStore.open({ file: settings.path, synchronous: settings.synchronous, retention: settings.retention });
  log.info({ file: store.file, workerId: store.workerId, synchronous: settings.synchronous, retention: settings.retention }, 'task journal opened');
  return new TaskJournal({ store, logger });
}

/** Loads the journal into the service (TaskService.recover); call before the worker joins. */
export function restoreJournal(service: TaskService, journal: TaskJournal | undefined, logger: Logger): void {
  if (journal === undefined) return;
  const recovered = service.recover(journal.load());
  logger.child({ component: 'task-journal' }).info({ file: journal.file, ...recovered }, 'task journal restored');
}
