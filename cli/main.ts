/** Command dispatch for the `asexor` CLI. Each command lives in its own module. */
import { readFileSync } from 'node:fs';
import { cancelCommand } from './cancel-command.ts';
import { routerCommand } from './router-command.ts';
import { runCommand } from './run-command.ts';
import { serveCommand } from './serve-command.ts';
import { statusCommand } from './status-command.ts';
import { tasksCommand } from './tasks-command.ts';
import { workerCommand } from './worker-command.ts';

export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[]): Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: serveCommand,
  run: runCommand,
  tasks: tasksCommand,
  status: statusCommand,
  cancel: cancelCommand,
  worker: workerCommand,
  router: routerCommand,
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function helpText(): string {
  const lines = ['Usage: asexor <command> [options]', '', 'Commands:'];
  for (const [name, cmd] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${cmd.summary}`);
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
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`asexor: unknown command "${name}"\n\n${helpText()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}
