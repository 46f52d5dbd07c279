/** `asexor cancel ID`: cancel one of your queued or running tasks (`asexor.control.cancel`). */
import { controlProcedure } from '../shared/wamp/app-uris.ts';
import { clientCommand } from './client-command.ts';

export const cancelCommand = clientCommand({
  name: 'cancel',
  usage: 'Usage: asexor cancel [options] ID\n\nCancel task ID (yours, or any for admins) while it is queued or running.',
  positionals: ['ID'],
  action: async (client, [id], { json }) => {
    const where = await client.call(controlProcedure(client.uriPrefix, 'cancel'), [id]);
    process.stdout.write(json ? `${JSON.stringify({ task_id: id, was: where })}\n` : `cancelled task ${String(id)} (it was ${String(where)})\n`);
    return 0;
  },
});
