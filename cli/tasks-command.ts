/** `asexor tasks`: the tasks the user may run, with their params (from `asexor.control.list`). */
import { controlProcedure } from '../shared/wamp/app-uris.ts';
import { clientCommand } from './client-command.ts';
import type { JsonSchema, TaskInfo } from './task-args.ts';

interface ParamSchema extends JsonSchema {
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
}

/** `  --seconds <number>  (required) how long to wait, in seconds` */
export function describeParam(name: string, schema: ParamSchema, required: boolean, positional: number): string {
  const type = schema.enum ? schema.enum.map(String).join('|') : schema.type === 'array' ? `${String(schema.items?.type ?? 'value')},...` : String(schema.type ?? 'value');
  const notes = [
    required ? 'required' : undefined,
    schema.default === undefined ? undefined : `default ${JSON.stringify(schema.default)}`,
    positional >= 0 ? `positional ${positional + 1}` : undefined,
  ].filter((n) => n !== undefined);
  return `    --${name} <${type}>${notes.length > 0 ? `  (${notes.join(', ')})` : ''}${schema.description ? `  ${schema.description}` : ''}`;
}

export function describeTask(task: TaskInfo & { readonly params: { readonly required?: readonly string[] } }): string {
  const required = new Set(task.params.required ?? []);
  const lines = [`${task.name}: ${task.description}`];
  for (const [name, schema] of Object.entries(task.params.properties ?? {})) {
    lines.push(describeParam(name, schema, required.has(name), task.positional.indexOf(name)));
  }
  return lines.join('\n');
}

export const tasksCommand = clientCommand({
  name: 'tasks',
  usage: 'Usage: asexor tasks [options]\n\nList the tasks the user may run and their params.',
  positionals: [],
  action: async (client, _positionals, { json }) => {
    const tasks = await client.call(controlProcedure(client.uriPrefix, 'list')) as TaskInfo[];
    process.stdout.write(json ? `${JSON.stringify(tasks, null, 2)}\n` : `${tasks.map(describeTask).join('\n\n')}\n`);
    return 0;
  },
});
