/**
 * `asexor serve [--config FILE]` (`npm start`): the embedded router, the in-process worker with the
 * configured tasks, and the web app. SIGINT/SIGTERM shut the worker down (settings.shutdown: cancel
 * or drain), close the router and the listeners, and exit 0 with no child process left; within a
 * deadline, else (or on a second signal) exit 1 at once (cli/shutdown.ts, docs/process-limits.md).
 */
import { parseArgs } from 'node:util';
import { AppError } from '../shared/errors.ts';
import { createLogger } from '../shared/logger.ts';
import { startIdleGc } from './idle-gc.ts';
import type { Command } from './main.ts';
import { loadServeConfig, startServer } from './server.ts';
import { closeWithDeadline, DEFAULT_SHUTDOWN_TIMEOUT_MS, resolveShutdownTimeoutMs, stopRequests } from './shutdown.ts';

const usage = `Usage: asexor serve [--config FILE] [--log-level LEVEL]

Start the embedded WAMP router, the task worker (the tasks of tasks/index.ts) and the web app.
Without --config: the defaults of crossbar-config/config.json (http://127.0.0.1:8484/, WAMP at
ws://127.0.0.1:8484/ws, realm "asexor", demo user "demo" with ticket "demo-ticket"), files folder
./files. FILE is a Crossbar.io node config; its optional top-level "asexor" section holds the worker
settings (see crossbar-config/README.md and crossbar-config/config-with-worker.json).

Options:
  -c, --config FILE           Crossbar-format config file (with an optional "asexor" section)
      --log-level LEVEL       trace|debug|info|warn|error (default: info, or $ASEXOR_LOG_LEVEL)
      --shutdown-timeout MS   after SIGINT/SIGTERM, exit (code 1) if the shutdown has not finished
                              within MS milliseconds (default: ${DEFAULT_SHUTDOWN_TIMEOUT_MS}, or $ASEXOR_SHUTDOWN_TIMEOUT_MS);
                              a second signal exits at once
      --exit-with-parent      also shut down when the parent process goes away (npm start uses it)`;

async function run(argv: readonly string[]): Promise<number> {
  let values: { config?: string | undefined; 'log-level'?: string | undefined; 'shutdown-timeout'?: string | undefined; 'exit-with-parent'?: boolean | undefined };
  let shutdownTimeoutMs: number;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' }, 'shutdown-timeout': { type: 'string' }, 'exit-with-parent': { type: 'boolean' } },
      strict: true,
    }));
    shutdownTimeoutMs = resolveShutdownTimeoutMs(values['shutdown-timeout']);
  } catch (err) {
    process.stderr.write(`asexor serve: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const logger = createLogger({ name: 'asexor', ...(values['log-level'] ? { level: values['log-level'] } : {}) });
  try {
    const server = await startServer({ ...await loadServeConfig(values.config), logger });
    for (const l of server.listeners) logger.info({ url: l.url('/') }, 'listening');
    if (values.config === undefined) {
      logger.info({ hint: 'realm asexor, authid demo, ticket demo-ticket; try: npx asexor run date' }, 'demo user');
      logger.info({ websocket: 'ws://127.0.0.1:8484/ws?token=demo-ticket&session_id=S', longpoll: 'http://127.0.0.1:8484/legacy-lp/' }, 'legacy ASEXOR clients (demo token demo-ticket)');
    }
    const idleGc = startIdleGc({ logger });
    const stops = stopRequests({ exitWithParent: values['exit-with-parent'] === true });
    const reason = await stops.next();
    idleGc.stop();
    logger.info({ signal: reason }, 'shutting down');
    const end = await closeWithDeadline(() => server.close(), stops, shutdownTimeoutMs, logger);
    stops.dispose();
    if (end !== 'closed') {
      // Something still holds the event loop: leave now; the spawner sees its channel close and kills every task.
      process.exit(1);
    }
    logger.info('stopped');
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      logger.error({ code: err.code }, err.message);
      process.stderr.write(`asexor serve: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

export const serveCommand: Command = { usage, run };
