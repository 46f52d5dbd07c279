/**
 * Idle-session holder child: opens sessions on `open` and keeps them joined and silent, so the
 * router's memory per idle session can be measured from outside. Closes them all on `closeAll`.
 * Usage (forked by index.ts): idle.ts
 */
import { connectMany, type LeanClient } from '../../test/helpers/transports/lean.ts';
import { serveParent } from './protocol.ts';

let clients: LeanClient[] = [];

async function closeAll(): Promise<void> {
  const closing = clients;
  clients = [];
  await Promise.all(closing.map((c) => c.close()));
}

serveParent(
  () => Promise.resolve({ evt: 'ready', sessions: 0 }),
  async (command) => {
    if (command.cmd === 'open') {
      clients.push(...await connectMany(command, command.count, 50));
      return { evt: 'opened', sessions: clients.length };
    }
    if (command.cmd === 'closeAll') {
      await closeAll();
      return { evt: 'closed' };
    }
    throw new Error(`idle: unsupported command ${command.cmd}`);
  },
  closeAll,
);
