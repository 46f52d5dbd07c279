/** `asexor status ID`: the latest status event of one of your tasks (`asexor.control.status`). */
import { controlProcedure } from '../shared/wamp/app-uris.ts';
import { clientCommand } from './client-command.ts';

export const statusCommand = clientCommand({
  name: 'status',
  usage: 'Usage: asexor status [options] ID\n\nPrint the latest status event of task ID (yours, or any for admins) as JSON.',
  positionals: ['ID'],
  action: async (client, [id]) => {
    const event = await client.call(controlProcedure(client.uriPrefix, 'status'), [id]);
    process.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
    return 0;
  },
});
