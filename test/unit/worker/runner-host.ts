/**
 * A stand-in worker for the orphan test: starts a TaskRunner, runs spawn-grandchild.mjs and prints
 * "SPAWNER <pid>" and the task's lines on stdout, then waits to be killed.
 */
import { silentLogger } from '../../../shared/logger.ts';
import { TaskRunner } from '../../../worker/task-runner.ts';
import { fixture } from './runner-fixtures.ts';

const runner = await TaskRunner.start({ logger: silentLogger() });
process.stdout.write(`SPAWNER ${runner.spawnerPid ?? 0}\n`);
void runner.run(fixture('spawn-grandchild.mjs', ['wait']), { onLine: (line) => process.stdout.write(`${line}\n`) });
