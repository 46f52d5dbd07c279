/**
 * `asexor run [connection options] TASK [--param value ...] [positional ...]`: submits a task with
 * progressive results, shows its id and progress on stderr (cli/progress-view.ts), prints the result
 * as JSON on stdout (on a terminal, nothing for a task without a result). Exit code
 * 0 only on success; 1 when the task or the call failed, 2 for usage errors, 130 when Ctrl-C
 * cancelled the task. Param values are typed by the task's schema from `asexor.control.list`.
 */
import { parseArgs } from 'node:util';
import { isTerminal } from '../shared/task-status.ts';
import { controlProcedure, taskProcedure } from '../shared/wamp/app-uris.ts';
import { isAbError, resultKwargs } from '../shared/autobahn.ts';
import { clientArgOptions, clientUsage, connectClient, describeError, resolveClientOptions, type ClientSession } from './client.ts';
import type { Command } from './main.ts';
import { ProgressView, type StatusLike } from './progress-view.ts';
import { parseTaskArgs, type TaskInfo } from './task-args.ts';

const usage = `Usage: asexor run [connection options] TASK [--param value ...] [positional ...]

Run TASK on the server and wait for it: progress on stderr, the result as JSON on stdout.
Params: --name value, --name=value, a bare --flag for booleans, or positional values in the
task's order (asexor tasks lists them). Example: asexor run sleep 2; asexor run date --utc.

${clientUsage}`;

const EXIT_INTERRUPTED = 130;

/** The index of the task name: the first word that is neither a connection option nor its value. */
function taskIndex(argv: readonly string[]): number {
  const withValue = new Set(Object.entries(clientArgOptions).flatMap(([name, o]) => ['short' in o ? `-${o.short}` : '', `--${name}`]).filter(Boolean));
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (!word.startsWith('-')) return i;
    if (withValue.has(word)) i += 1;
  }
  return argv.length;
}

async function runTask(client: ClientSession, name: string, words: readonly string[]): Promise<number> {
  const tasks = await client.call(controlProcedure(client.uriPrefix, 'list')) as TaskInfo[];
  const task = tasks.find((t) => t.name === name);
  if (task === undefined) {
    process.stderr.write(`asexor run: no task named "${name}" for user "${client.authid}" (available: ${tasks.map((t) => t.name).join(', ') || 'none'})\n`);
    return 1;
  }
  let call;
  try {
    call = parseTaskArgs(words, task);
  } catch (error) {
    process.stderr.write(`asexor run: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const { args, kwargs } = call;
  const view = new ProgressView(process.stderr, process.stderr.isTTY);
  let taskId: string | undefined;
  let interrupted = false;
  const cancel = (): void => {
    if (taskId !== undefined) client.call(controlProcedure(client.uriPrefix, 'cancel'), [taskId]).catch(() => undefined);
  };
  const onSigint = (): void => {
    interrupted = true;
    view.finish();
    process.stderr.write('cancelling…\n');
    cancel();
  };
  process.on('SIGINT', onSigint);
  try {
    const final = await client.call(taskProcedure(client.uriPrefix, name), args, kwargs, { receive_progress: true }, (progress) => {
      const event = (resultKwargs(progress) ?? {}) as StatusLike;
      if (taskId === undefined && typeof event.task_id === 'string') {
        taskId = event.task_id;
        if (interrupted) cancel();
      }
      if (typeof event.status === 'string' && !isTerminal(event.status as 'queued')) view.show(event);
    });
    view.finish();
    const result = resultKwargs(final)?.['result'] ?? null;
    // A task without a result (sleep) prints nothing on a terminal; piped, stdout is always one JSON value.
    if (result === null && process.stdout.isTTY) process.stderr.write(`${name}: done (no result)\n`);
    else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    view.finish();
    process.stderr.write(`asexor run: ${describeError(error)}\n`);
    const tail = isAbError(error) ? error.kwargs['stderr_tail'] : undefined;
    if (typeof tail === 'string' && tail !== '') process.stderr.write(`${tail.replace(/^/gmu, '  | ')}\n`);
    return interrupted ? EXIT_INTERRUPTED : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const at = taskIndex(argv);
  const name = argv[at];
  let options;
  try {
    const { values } = parseArgs({ args: argv.slice(0, at), options: clientArgOptions, strict: true, allowPositionals: false });
    options = resolveClientOptions(values);
    if (name === undefined) throw new Error('missing the task name');
  } catch (error) {
    process.stderr.write(`asexor run: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  let client: ClientSession | undefined;
  try {
    client = await connectClient(options);
    return await runTask(client, name, argv.slice(at + 1));
  } catch (error) {
    process.stderr.write(`asexor run: ${describeError(error)}\n`);
    return 1;
  } finally {
    await client?.close();
  }
}

export const runCommand: Command = { usage, run };
