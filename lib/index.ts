/**
 * `import … from 'asexor'`: what a user's tasks module needs (docs/your-own-tasks.md). The task-definition
 * API (shared/task.ts, docs/tasks.md), the files-folder path helpers for params and checks
 * (shared/files-dir.ts, docs/files.md), the errors a task may throw, and zod as `z`: the copy the
 * worker validates with, so a user's project needs no second one. Nothing here loads the router or
 * the worker; the server is `asexor/server`, the client `asexor/client`.
 */
export { z } from 'zod';
export {
  defineCustomTask, defineMultiTask, defineTask, taskDefaults,
  type CommandOutput, type CommandTaskDefinition, type CommandTaskSpec, type CustomTaskDefinition, type CustomTaskSpec,
  type ExecOptions, type ExecOutcome, type MultiTaskDefinition, type MultiTaskSpec, type RunContext, type SubtaskSpec,
  type TaskContext, type TaskDefinition, type TaskDefinitionBase, type TaskKind,
} from '../shared/task.ts';
export {
  asParamsError, extensionList, filesPathSchema, normalizeRelativePath, realPathInFilesDir, resolveInFilesDir,
  type FilesPathKind,
} from '../shared/files-dir.ts';
export {
  AppError, FilesPathNotFoundError, InvalidParamsError, PathOutsideFilesDirError, TaskFailedError,
  type ParamsIssue,
} from '../shared/errors.ts';
export type { TaskErrorInfo, TaskStatus, TaskStatusEvent } from '../shared/task-status.ts';
