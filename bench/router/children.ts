/**
 * Orchestrator side of the child processes: fork a bench script with an IPC channel, send it
 * commands, await its reports with a timeout, and make sure every child is gone at the end.
 */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, Report, ReportOf } from './protocol.ts';

const live = new Set<Child>();
/** Processes started without IPC (runProgram, trackProgram), killed by killAll too. */
const programs = new Set<ChildProcess>();

/** Have killAll SIGKILL `proc` (a process started without `Child`) unless it has exited by then. */
export function trackProgram(proc: ChildProcess): void {
  programs.add(proc);
  proc.once('exit', () => { programs.delete(proc); });
}

export interface ChildOptions {
  readonly execArgv?: readonly string[];
  /** The child's environment. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export class Child {
  readonly name: string;
  readonly #proc: ChildProcess;
  readonly #inbox: Report[] = [];
  #waiter: { resolve: (r: Report) => void; reject: (e: Error) => void } | undefined;
  #exitCode: number | string | null | undefined;
  readonly #exited: Promise<void>;

  constructor(script: string, args: readonly string[], options: ChildOptions = {}) {
    this.name = `${script} ${args.join(' ')}`;
    this.#proc = fork(fileURLToPath(new URL(script, import.meta.url)), [...args], {
      execArgv: [...(options.execArgv ?? [])],
      env: options.env ?? process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(this);
    this.#proc.on('message', (message: Report) => {
      this.#inbox.push(message);
      this.#deliver();
    });
    this.#exited = new Promise((resolve) => {
      this.#proc.once('exit', (code, signal) => {
        this.#exitCode = code ?? signal;
        live.delete(this);
        this.#deliver();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.#proc.pid ?? 0;
  }

  #deliver(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    const next = this.#inbox.shift();
    if (next) {
      this.#waiter = undefined;
      if (next.evt === 'error') waiter.reject(new Error(`${this.name}: ${next.message}`));
      else waiter.resolve(next);
    } else if (this.#exitCode !== undefined) {
      this.#waiter = undefined;
      waiter.reject(new Error(`${this.name}: exited (${String(this.#exitCode)}) before reporting`));
    }
  }

  /** The next report, which must be `evt`; rejects on an error report, exit or timeout. */
  async next<E extends Report['evt']>(evt: E, timeoutMs: number): Promise<ReportOf<E>> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const report = await new Promise<Report>((resolve, reject) => {
        this.#waiter = { resolve, reject };
        timer = setTimeout(() => {
          this.#waiter = undefined;
          reject(new Error(`${this.name}: no '${evt}' report within ${timeoutMs} ms`));
        }, timeoutMs);
        this.#deliver();
      });
      if (report.evt !== evt) throw new Error(`${this.name}: expected '${evt}', got '${report.evt}'`);
      return report as ReportOf<E>;
    } finally {
      clearTimeout(timer);
    }
  }

  request<E extends Report['evt']>(command: Command, evt: E, timeoutMs: number): Promise<ReportOf<E>> {
    this.#proc.send(command);
    return this.next(evt, timeoutMs);
  }

  /** Ask the child to close its sessions and exit; SIGKILL it if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.#exitCode !== undefined) return;
    if (this.#proc.connected) this.#proc.send({ cmd: 'stop' } satisfies Command);
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    if (this.#exitCode !== undefined) return;
    this.#proc.kill('SIGKILL');
    await this.#exited;
  }
}

/** Fork `script` (relative to this folder) and wait for its first report, `evt`. */
export async function startChild<E extends Report['evt']>(
  script: string, args: readonly string[], evt: E, options: ChildOptions & { readonly timeoutMs?: number } = {},
): Promise<{ child: Child; report: ReportOf<E> }> {
  const child = new Child(script, args, options);
  return { child, report: await child.next(evt, options.timeoutMs ?? 30_000) };
}

/** Kill every child still running (used on the way out, success or failure). */
export async function killAll(): Promise<void> {
  const exited = [...programs].map((p) => new Promise<void>((resolve) => {
    p.once('exit', () => { resolve(); });
    p.kill('SIGKILL');
  }));
  await Promise.all(exited);
  await Promise.all([...live].map((c) => c.kill()));
}

/**
 * Runs a program (no IPC), stdin /dev/null, stderr inherited; resolves with its stdout once it exits 0.
 * Rejects on another exit, a start failure or `timeoutMs` (then it is SIGKILLed). killAll kills it too.
 */
export function runProgram(file: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    trackProgram(proc);
    let stdout = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    const timer = setTimeout(() => { proc.kill('SIGKILL'); }, timeoutMs);
    let settled = false;
    const done = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) resolve(stdout);
      else reject(error);
    };
    proc.once('error', done);
    proc.once('close', (code, signal) => {
      done(code === 0 ? undefined : new Error(`${file} ${args.join(' ')}: exited with ${String(code ?? signal)}`));
    });
  });
}

/** Stop children gracefully, in parallel. */
export async function stopAll(children: readonly Child[]): Promise<void> {
  await Promise.all(children.map((c) => c.stop()));
}
