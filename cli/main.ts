/**
 * Command dispatch for the `asexor` CLI. Each command lives in its own module, loaded only when it
 * runs: the client commands (run, tasks, status, cancel) start without loading the router or the
 * worker.
 */
import { readFileSync } from 'node:fs';

export interface Command {
  readonly usage: string;
  run(argv: readonly string[]): Promise<number>;
}

interface CommandEntry {
  readonly summary: string;
  load(): Promise<Command>;
}

const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  serve: { summary: 'Start the embedded router, the task worker and the web app (npm start)', load: async () => (await import('./serve-command.ts')).serveCommand },
  run: { summary: 'Run a task on the server, show its progress and print its result', load: async () => (await import('./run-command.ts')).runCommand },
  tasks: { summary: 'List the tasks you may run, with their params', load: async () => (await import('./tasks-command.ts')).tasksCommand },
  status: { summary: 'Show the latest status of one of your tasks', load: async () => (await import('./status-command.ts')).statusCommand },
  cancel: { summary: 'Cancel one of your queued or running tasks', load: async () => (await import('./cancel-command.ts')).cancelCommand },
  worker: { summary: 'Run a task worker for an external router (--url ws://…)', load: async () => (await import('./worker-command.ts')).workerCommand },
  router: { summary: 'Start the embedded WAMP router alone (--config FILE: a Crossbar.io node config)', load: async () => (await import('./router-command.ts')).routerCommand },
  init: { summary: 'Write a starter config.json and tasks.ts (your own tasks) into the current folder', load: async () => (await import('./init-command.ts')).initCommand },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function helpText(): string {
  const lines = ['Usage: asexor <command> [options]', '', 'Commands:'];
  for (const [name, entry] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${entry.summary}`);
  lines.push('', 'Options:', '  -h, --help     show help (also: asexor <command> --help)', '  -v, --version  print the version');
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`asexor: unknown command "${name}"\n\n${helpText()}\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}
