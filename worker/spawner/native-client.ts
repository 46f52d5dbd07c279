/**
 * The native spawner: starts native/build/asexor-spawn (one small C process, built at `npm ci`),
 * waits for its `ready`, writes request frames to its stdin and decodes reply frames from its stdout
 * (native-codec.ts; docs/spawner-protocol.md). Its stderr is logged. Knows nothing about runs.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { closedOrKilled, type SpawnerBackend, type SpawnerStartOptions } from './backend.ts';
import {
  encodeCancel, encodeRun, encodeShutdown, NATIVE_PROTOCOL_VERSION, NativeProtocolError, ReplyDecoder, type NativeReply,
} from './native-codec.ts';
import { checkRunRequest, type ParentMessage } from './protocol.ts';

const READY_TIMEOUT_MS = 10_000;

/** Where `npm ci` builds the helper; ASEXOR_SPAWN_HELPER names another binary. */
export function nativeHelperPath(): string {
  return process.env['ASEXOR_SPAWN_HELPER'] ?? fileURLToPath(new URL('../../native/build/asexor-spawn', import.meta.url));
}

/** Why the helper cannot be used (missing, not executable), or undefined when it can. */
export function nativeHelperMissing(path = nativeHelperPath()): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (error) {
    return `${path} is not there or not executable (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

type HelperProcess = ChildProcessByStdio<Writable, Readable, Readable>;

export class NativeSpawnerClient implements SpawnerBackend {
  readonly kind = 'native';
  readonly #child: HelperProcess;
  readonly #closed: Promise<void>;
  readonly #files: Map<number, string>;
  readonly #onMessage: SpawnerStartOptions['onMessage'];
  #alive = true;

  private constructor(child: HelperProcess, closed: Promise<void>, files: Map<number, string>, onMessage: SpawnerStartOptions['onMessage']) {
    this.#child = child;
    this.#closed = closed;
    this.#files = files;
    this.#onMessage = onMessage;
  }

  static start(options: SpawnerStartOptions): Promise<NativeSpawnerClient> {
    const path = nativeHelperPath();
    const child = spawn(path, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const log = options.logger.child({ spawnerPid: child.pid });
    // A write after the helper died fails with EPIPE; its 'close' handles the consequences.
    child.stdin.on('error', () => undefined);
    child.stderr.setEncoding('utf8').on('data', (text: string) => { log.warn({ stderr: text.trimEnd() }, 'spawner stderr'); });
    const files = new Map<number, string>();
    const decoder = new ReplyDecoder((id) => files.get(id) ?? 'the program');
    let client: NativeSpawnerClient | undefined;
    let closeReason = 'the spawner exited';
    let startError: Error | undefined;
    const closed = new Promise<void>((resolve) => {
      child.once('close', (code, signal) => {
        if (client) client.#alive = false;
        closeReason = `the spawner exited (${signal ?? `code ${String(code)}`})`;
        resolve();
      });
    });
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void => {
        startError ??= error;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => { fail(new Error(`the native spawner sent no 'ready' within ${READY_TIMEOUT_MS} ms`)); }, READY_TIMEOUT_MS);
      child.once('error', (error) => { fail(new Error(`cannot start the native spawner ${path}: ${error.message}`)); });
      void closed.then(() => {
        clearTimeout(timer);
        if (client) options.onClose(client, closeReason);
        else reject(startError ?? new Error(`${closeReason} before it was ready`));
      });
      const onReply = (reply: NativeReply): void => {
        if (client !== undefined) {
          if (reply.t === 'ready') throw new NativeProtocolError('a second ready');
          if (reply.t === 'done') files.delete(reply.id);
          options.onMessage(reply);
        } else if (reply.t !== 'ready') {
          throw new NativeProtocolError(`${reply.t} before ready`);
        } else if (reply.version !== NATIVE_PROTOCOL_VERSION) {
          fail(new Error(`the native spawner speaks protocol ${String(reply.version)}, this worker ${String(NATIVE_PROTOCOL_VERSION)}: rebuild it with \`npm run build:native\``));
        } else {
          clearTimeout(timer);
          client = new NativeSpawnerClient(child, closed, files, options.onMessage);
          log.debug('native spawner ready');
          resolve(client);
        }
      };
      child.stdout.on('data', (chunk: Buffer) => {
        try {
          for (const reply of decoder.push(chunk)) onReply(reply);
        } catch (error) {
          // Its state is unknown now: kill it; TaskRunner fails its runs and reaps their groups.
          log.error({ err: error }, 'malformed reply from the native spawner');
          child.stdout.removeAllListeners('data');
          fail(error as Error);
        }
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  get alive(): boolean {
    return this.#alive;
  }

  send(message: ParentMessage): void {
    if (!this.#alive) return;
    switch (message.t) {
      case 'run': {
        const reason = checkRunRequest(message.req);
        if (reason !== undefined) {
          // Answered as the Node spawner answers it: a spawn failure, never a dropped run.
          const outcome = { kind: 'spawn_failed', code: 'EINVAL', message: reason, durationMs: 0 } as const;
          queueMicrotask(() => { this.#onMessage({ t: 'done', id: message.id, outcome }); });
          return;
        }
        this.#files.set(message.id, message.req.file);
        this.#child.stdin.write(encodeRun(message.id, message.req));
        return;
      }
      case 'cancel':
        this.#child.stdin.write(encodeCancel(message.id));
        return;
      case 'shutdown':
        this.#child.stdin.write(encodeShutdown());
        return;
    }
  }

  /** Ask the helper to cancel everything and exit; SIGKILL it if it has not closed by `deadlineMs`. */
  async shutdown(deadlineMs: number): Promise<void> {
    this.send({ t: 'shutdown' });
    await closedOrKilled(this.#closed, () => this.#child.kill('SIGKILL'), deadlineMs);
  }
}
