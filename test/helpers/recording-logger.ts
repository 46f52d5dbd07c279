/** A real pino logger (shared/logger.ts) whose lines the test reads back, parsed (pino test/helper.js `sink()` style). */
import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '../../shared/logger.ts';

export function recordingLogger(level = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ level, destination: stream }), lines };
}
