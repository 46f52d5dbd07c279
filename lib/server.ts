/**
 * `import { startServer } from 'asexor/server'`: what `asexor serve` starts (cli/server.ts), from a
 * program: the embedded router, the worker with the config's tasks module and the web app, until
 * `close()`. Without `config`, the defaults of `asexor serve` without --config (docs/configuration.md).
 */
import { createLogger, type Logger } from '../shared/logger.ts';
import { loadServeConfig, startServer as startStack } from '../cli/server.ts';

export interface StartServerOptions {
  /**
   * A config file (Crossbar.io node config with an optional top-level "asexor" section); relative
   * paths in it (tasksModule, filesDir, store) resolve against its folder. @default the built-in defaults
   */
  readonly config?: string;
  /** @default a pino logger named "asexor" at level info on stdout (ASEXOR_LOG_LEVEL, ASEXOR_LOG_FORMAT apply) */
  readonly logger?: Logger;
}

export interface AsexorServer {
  /** `http://host:port/` of each listener (WAMP WebSocket at `ws://host:port/ws` by default). */
  readonly urls: readonly string[];
  /** The WebSocket URL of `path` on the first listener, e.g. `wsUrl('/ws')`. */
  wsUrl(path: string): string;
  /** Shuts the worker down (per its `shutdown` setting), then the router and the listeners. */
  close(): Promise<void>;
}

/** Starts the server; rejects with an AppError (ConfigInvalidError, TaskDefinitionError, TransportBindError…) it cannot start. */
export async function startServer(options: StartServerOptions = {}): Promise<AsexorServer> {
  const logger = options.logger ?? createLogger({ name: 'asexor' });
  const server = await startStack({ ...await loadServeConfig(options.config), logger });
  const [first] = server.listeners;
  return {
    urls: server.listeners.map((listener) => listener.url('/')),
    wsUrl: (wsPath) => {
      if (first === undefined) throw new RangeError('the server has no HTTP listener');
      return first.url(wsPath, 'ws');
    },
    close: () => server.close(),
  };
}
