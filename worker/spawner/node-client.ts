/**
 * The Node spawner (the fallback when the native helper is not built): forks worker/spawner/main.ts
 * with a small heap, waits for its 'ready', sends requests over IPC and hands parsed messages to the
 * owner. Knows nothing about runs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closedOrKilled, type SpawnerBackend, type SpawnerStartOptions } from './backend.ts';
import { parseSpawnerMessage, type ParentMessage } from './protocol.ts';

const MAIN = fileURLToPath(new URL('main.ts', import.meta.url));
const READY_TIMEOUT_MS = 10_000;

export class NodeSpawnerClient implements SpawnerBackend {
  readonly kind = 'node';
  readonly #child: ChildProcess;
  readonly #closed: Promise<void>;
  #alive = true;

  private constructor(child: ChildProcess, closed: Promise<void>) {
    this.#child = child;
    this.#closed = closed;
  }

  static start(options: SpawnerStartOptions): Promise<NodeSpawnerClient> {
    const child = fork(MAIN, [], {
      execPath: process.execPath,
      // Not the parent's execArgv (inspector, big heaps): a small heap limit, and gc() for main.ts's pacer.
      // A 1 MB young generation: every spawn's garbage is short-lived, and with V8's default (up to
      // 16 MB semi-spaces) the heap kept growing, RSS from ~85 to ~160 MB over 1,500 spawns
      // (bench:tasks); with it, RSS stays near 100 MB (RssAnon ~50 MB), CPU per spawn unchanged.
      execArgv: [`--max-old-space-size=${options.maxOldSpaceMb}`, '--max-semi-space-size=1', '--expose-gc'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const log = options.logger.child({ spawnerPid: child.pid });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => { log.warn({ stderr: text.trimEnd() }, 'spawner stderr'); });
    let client: NodeSpawnerClient | undefined;
    let closeReason = 'the spawner exited';
    const closed = new Promise<void>((resolve) => {
      child.once('close', (code, signal) => {
        if (client) client.#alive = false;
        closeReason = `the spawner exited (${signal ?? `code ${String(code)}`})`;
        resolve();
      });
    });
    child.on('error', (error) => { log.error({ err: error }, 'spawner process error'); });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the spawner sent no 'ready' within ${READY_TIMEOUT_MS} ms`));
      }, READY_TIMEOUT_MS);
      void closed.then(() => {
        clearTimeout(timer);
        if (client) options.onClose(client, closeReason);
        else reject(new Error(`${closeReason} before it was ready`));
      });
      child.on('message', (raw) => {
        const message = parseSpawnerMessage(raw);
        if (message === undefined) {
          log.error({ message: raw }, 'malformed message from the spawner');
        } else if (client === undefined) {
          if (message.t !== 'ready') return;
          clearTimeout(timer);
          client = new NodeSpawnerClient(child, closed);
          log.debug('spawner ready');
          resolve(client);
        } else if (message.t !== 'ready') {
          options.onMessage(message);
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
    if (this.#alive && this.#child.connected) this.#child.send(message);
  }

  /** Ask the spawner to cancel everything and exit; SIGKILL it if it has not closed by `deadlineMs`. */
  async shutdown(deadlineMs: number): Promise<void> {
    this.send({ t: 'shutdown' });
    await closedOrKilled(this.#closed, () => this.#child.kill('SIGKILL'), deadlineMs);
  }
}
