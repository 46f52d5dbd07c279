/** `asexor router --config FILE`: the embedded router alone, serving the transports of the config. */
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { createLogger } from '../shared/logger.ts';
import { defaultRouterConfig } from '../shared/config/defaults.ts';
import { AppError } from '../shared/errors.ts';
import { createRouter } from '../router/index.ts';
import { startTransports } from '../router/transports/index.ts';
import { startIdleGc } from './idle-gc.ts';
import type { Command } from './main.ts';

const usage = `Usage: asexor router [--config FILE] [--log-level LEVEL]

Start the embedded WAMP router. FILE is a Crossbar.io node config ("version": 2); see
crossbar-config/README.md for the supported subset. Without --config, the defaults of
crossbar-config/config.json are used (realm "asexor" on ws://127.0.0.1:8484/ws).

Options:
  -c, --config FILE      Crossbar-format config file
      --log-level LEVEL  trace|debug|info|warn|error (default: info, or $ASEXOR_LOG_LEVEL)`;

async function run(argv: readonly string[]): Promise<number> {
  let values: { config?: string | undefined; 'log-level'?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`asexor router: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const logger = createLogger({ name: 'asexor', ...(values['log-level'] ? { level: values['log-level'] } : {}) });
  try {
    const config = values.config ? (await (await import('../shared/config/load.ts')).loadConfigFile(values.config)).router : defaultRouterConfig();
    const { loginThrottle } = config;
    const router = createRouter({ realms: config.realms, logger, ...(loginThrottle === undefined ? {} : { loginThrottle }) });
    const listeners = await startTransports(router, config.transports, { logger });
    for (const l of listeners) logger.info({ address: l.address }, 'listening');
    const idleGc = startIdleGc({ logger });
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    idleGc.stop();
    logger.info('shutting down');
    await router.close();
    await Promise.all(listeners.map((l) => l.close()));
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      logger.error({ code: err.code }, err.message);
      process.stderr.write(`asexor router: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

export const routerCommand: Command = { usage, run };
