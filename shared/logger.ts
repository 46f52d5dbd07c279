import { pino, type Logger, type LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

/** Paths never written to logs (docs/conventions.md). */
export const REDACT_PATHS = [
  '*.ticket', '*.secret', '*.signature', '*.password', 'authextra.challenge', '*.authextra.challenge',
] as const;

export interface CreateLoggerOptions {
  /** @default 'asexor' */
  readonly name?: string;
  /** @default process.env.ASEXOR_LOG_LEVEL ?? 'info' */
  readonly level?: string;
  /** Where lines go; @default process.stdout */
  readonly destination?: NodeJS.WritableStream;
  /**
   * `json`: one JSON object per line (pino's format: for log shippers and the tests); `pretty`: one
   * readable, coloured line per entry (pino-pretty). @default process.env.ASEXOR_LOG_FORMAT, else
   * `pretty` when the lines go to stdout and stdout is a terminal, else `json`
   */
  readonly format?: LogFormat;
}

export type LogFormat = 'json' | 'pretty';

/** The format `createLogger` uses without an explicit one. */
export function defaultLogFormat(toStdout: boolean, env: NodeJS.ProcessEnv = process.env, isTTY = process.stdout.isTTY): LogFormat {
  const forced = env['ASEXOR_LOG_FORMAT'];
  if (forced === 'json' || forced === 'pretty') return forced;
  if (forced !== undefined && forced !== '') throw new RangeError(`Expected ASEXOR_LOG_FORMAT to be \`json\` or \`pretty\`, got \`${forced}\``);
  return toStdout && isTTY ? 'pretty' : 'json';
}

/** The one way to make a root logger; components take a logger and derive children from it. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    name: options.name ?? 'asexor',
    level: options.level ?? process.env['ASEXOR_LOG_LEVEL'] ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  const format = options.format ?? defaultLogFormat(options.destination === undefined);
  if (format === 'pretty') {
    // Synchronous, like pino's own stdout destination: nothing is lost when the process exits.
    const destination = options.destination ?? process.stdout;
    return pino(config, PinoPretty({ destination, sync: true, colorize: destination === process.stdout && process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** A logger that drops everything (tests that do not assert on logs, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
