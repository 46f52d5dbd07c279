/**
 * `asexor worker --url URL --authid ID (--ticket T | --secret S) [--realm R] [--config FILE]`: a task
 * worker for an external router (another asexor, or Crossbar.io with crossbar-config/). It keeps
 * reconnecting with backoff and registers again after a router restart. SIGINT/SIGTERM shut it down
 * like serve does; a refused join (bad credentials, unknown realm or role) exits 1.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseJson } from '../shared/config/load.ts';
import { AppError, ConfigInvalidError, type WorkerJoinError } from '../shared/errors.ts';
import { createLogger } from '../shared/logger.ts';
import { resolveWorkerSettings, startWorker } from '../worker/index.ts';
import { startIdleGc } from './idle-gc.ts';
import type { Command } from './main.ts';
import { closeWithDeadline, DEFAULT_SHUTDOWN_TIMEOUT_MS, resolveShutdownTimeoutMs, stopRequests } from './shutdown.ts';

const usage = `Usage: asexor worker --url URL --authid ID (--ticket T | --secret S) [--realm R] [--config FILE]

Run the task worker against an external WAMP router (e.g. Crossbar.io with crossbar-config/).
The worker's role needs register on asexor.task., asexor.control., asexor.files. and asexor.auth.,
publish and subscribe on asexor.status., everything on asexor.worker. and subscribe on
wamp.session.on_leave (the "worker" role of crossbar-config/config.json; docs/many-workers.md).

Options:
      --url URL          router WebSocket URL, e.g. ws://127.0.0.1:8080/ws
      --authid ID        the worker's authid
      --ticket TICKET    ticket authentication (or $ASEXOR_TICKET)
      --secret SECRET    WAMP-CRA secret (or $ASEXOR_SECRET)
      --realm REALM      (default: the config's asexor.realm, else asexor)
  -c, --config FILE      JSON file whose top-level "asexor" section holds the worker settings
                         (the same file as serve's --config; the rest of it is not read)
      --log-level LEVEL  trace|debug|info|warn|error (default: info, or $ASEXOR_LOG_LEVEL)
      --shutdown-timeout MS
                         after SIGINT/SIGTERM, exit (code 1) if the shutdown has not finished within
                         MS milliseconds (default: ${DEFAULT_SHUTDOWN_TIMEOUT_MS}, or $ASEXOR_SHUTDOWN_TIMEOUT_MS)`;

async function readSettingsSection(file: string | undefined): Promise<{ section: unknown; baseDir: string }> {
  if (file === undefined) return { section: undefined, baseDir: process.cwd() };
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    throw new ConfigInvalidError(`cannot read config file ${absolute}: ${(err as Error).message}`, '', { cause: err });
  }
  const json = parseJson(text, absolute);
  const section = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['asexor'] : undefined;
  return { section, baseDir: path.dirname(absolute) };
}

async function run(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' }, authid: { type: 'string' }, ticket: { type: 'string' }, secret: { type: 'string' },
        realm: { type: 'string' }, config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' },
        'shutdown-timeout': { type: 'string' },
      },
      strict: true,
    }));
    if (values.url === undefined || values.authid === undefined) throw new Error('--url and --authid are required');
  } catch (err) {
    process.stderr.write(`asexor worker: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const ticket = values.ticket ?? process.env['ASEXOR_TICKET'];
  const secret = values.secret ?? process.env['ASEXOR_SECRET'];
  if ((ticket === undefined) === (secret === undefined)) {
    process.stderr.write(`asexor worker: give exactly one of --ticket and --secret\n\n${usage}\n`);
    return 2;
  }
  const logger = createLogger({ name: 'asexor-worker', ...(values['log-level'] ? { level: values['log-level'] } : {}) });
  try {
    // The same deadline as `serve` (cli/shutdown.ts): --shutdown-timeout, else ASEXOR_SHUTDOWN_TIMEOUT_MS, else 30 s.
    const shutdownTimeoutMs = resolveShutdownTimeoutMs(values['shutdown-timeout']);
    const { section, baseDir } = await readSettingsSection(values.config);
    const settings = resolveWorkerSettings(section, { baseDir });
    const worker = await startWorker({
      settings,
      logger,
      connect: {
        url: values.url, authid: values.authid, ...(values.realm === undefined ? {} : { realm: values.realm }),
        ...(ticket === undefined ? {} : { ticket }), ...(secret === undefined ? {} : { secret }),
      },
    });
    const failed = new Promise<WorkerJoinError>((resolve) => { worker.events.once('failed', resolve); });
    const idleGc = startIdleGc({ logger });
    const stops = stopRequests();
    const outcome = await Promise.race([stops.next(), failed]);
    idleGc.stop();
    const end = await closeWithDeadline(() => worker.close(), stops, shutdownTimeoutMs, logger);
    stops.dispose();
    if (end !== 'closed') process.exit(1);
    if (outcome instanceof AppError) throw outcome;
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      logger.error({ code: err.code }, err.message);
      process.stderr.write(`asexor worker: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

export const workerCommand: Command = { usage, run };
