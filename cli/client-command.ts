/**
 * The shape shared by the small client commands (tasks, status, cancel): parse the connection
 * options and the command's positionals, connect, run one action, print, close. Exit code 0 on
 * success, 1 on a failed call or connection, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { clientArgOptions, clientUsage, connectClient, describeError, resolveClientOptions, type ClientSession } from './client.ts';
import type { Command } from './main.ts';

export interface ClientCommandSpec {
  readonly name: string;
  /** The usage line and description, without the connection options. */
  readonly usage: string;
  /** Names of the required positionals, e.g. ['ID']. */
  readonly positionals: readonly string[];
  readonly action: (client: ClientSession, positionals: readonly string[], flags: { readonly json: boolean }) => Promise<number>;
}

export function clientCommand(spec: ClientCommandSpec): Command {
  const usage = `${spec.usage}\n\nOptions:\n      --json             print the raw JSON answer\n${clientUsage}`;
  return {
    usage,
    run: async (argv) => {
      let parsed;
      try {
        parsed = parseArgs({ args: [...argv], options: { ...clientArgOptions, json: { type: 'boolean' } }, strict: true, allowPositionals: true });
        if (parsed.positionals.length !== spec.positionals.length) {
          throw new Error(spec.positionals.length === 0 ? 'takes no arguments' : `expected ${spec.positionals.join(' ')}`);
        }
      } catch (error) {
        process.stderr.write(`asexor ${spec.name}: ${(error as Error).message}\n\n${usage}\n`);
        return 2;
      }
      let client: ClientSession | undefined;
      try {
        client = await connectClient(resolveClientOptions(parsed.values));
        return await spec.action(client, parsed.positionals, { json: parsed.values.json === true });
      } catch (error) {
        process.stderr.write(`asexor ${spec.name}: ${describeError(error)}\n`);
        return 1;
      } finally {
        await client?.close();
      }
    },
  };
}
