/**
 * Helpers for the CLI subprocess tests: a Crossbar-format config equivalent to start-server.ts
 * (port 0, the test users, an `asexor` section), and the live child processes of a process.
 */
import { readdir, readFile } from 'node:fs/promises';
import { USERS } from './start-server.ts';

const WORKER_PERMISSIONS = ['asexor.task.', 'asexor.control.', 'asexor.files.', 'asexor.auth.'].map((uri) => ({ uri, match: 'prefix', allow: { register: true } }));

/** A Crossbar node config (version 2) for `asexor serve --config`, listening on 127.0.0.1:0 at /ws. */
export function serveConfig(asexor: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    version: 2,
    controller: {},
    workers: [{
      type: 'router',
      realms: [{
        name: 'asexor',
        roles: [
          { name: 'user', authorizer: 'asexor.auth.authorize' },
          { name: 'worker', permissions: [...WORKER_PERMISSIONS, { uri: 'asexor.status.', match: 'prefix', allow: { publish: true, subscribe: true } },
            { uri: 'asexor.worker.', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
            { uri: 'wamp.session.on_leave', match: 'exact', allow: { subscribe: true } }] },
          { name: 'admin', permissions: [{ uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true }, disclose: { caller: true } }] },
        ],
      }],
      transports: [{
        type: 'web',
        endpoint: { type: 'tcp', interface: '127.0.0.1', port: 0 },
        paths: { ws: { type: 'websocket', auth: { ticket: { type: 'static', principals: USERS } } } },
      }],
    }],
    asexor,
  };
}

/** Pids of the live (not zombie) children of `parent`. */
export async function childPids(parent: number): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === parent && state !== 'Z') found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
