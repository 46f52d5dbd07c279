import { pino, type Logger, type LoggerOptions } from 'pino';

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
}

/** The one way to make a root logger; components take a logger and derive children from it. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    name: options.name ?? 'asexor',
    level: options.level ?? process.env['ASEXOR_LOG_LEVEL'] ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** A logger that drops everything (tests that do not assert on logs, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
