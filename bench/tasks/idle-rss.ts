/**
 * Idle memory of `asexor serve` as the OS sees it (/proc VmRSS, no forced GC), Linux only:
 *   node bench/tasks/idle-rss.ts [--source] [--node-flag=--max-semi-space-size=2 …] [--burst 1000] [--idle-ms 5000] [--modules]
 * Starts bin/asexor.mjs serve (dist/, or --source: bin/asexor.ts) on a copy of crossbar-config/config.json
 * listening on port 0, waits --idle-ms after `listening`, prints the RSS of the server and of its
 * children (the spawn helper); then runs --burst `date` tasks (50 in flight, progressive calls over
 * a raw WAMP JSON WebSocket), prints the server's CPU per task and its RSS right after and after
 * another --idle-ms. --modules: what each module the server loads adds to a bare node's RSS, in load
 * order (cumulative, so each figure is the cost on top of the ones above it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    source: { type: 'boolean', default: false },
    'node-flag': { type: 'string', multiple: true, default: [] },
    burst: { type: 'string', default: '1000' },
    'idle-ms': { type: 'string', default: '5000' },
    modules: { type: 'boolean', default: false },
  },
});
const idleMs = Number(opts['idle-ms']);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function status(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const match = /^(VmRSS|RssAnon|RssFile):\s+(\d+) kB/.exec(line);
    if (match?.[1] !== undefined) out[match[1]] = Number(match[2]) / 1024;
  }
  return out;
}
const mb = (value: number | undefined): string => (value ?? NaN).toFixed(1);
const rssLine = (pid: number): string => { const s = status(pid); return `${mb(s['VmRSS'])} MB (anon ${mb(s['RssAnon'])}, file ${mb(s['RssFile'])})`; };
function children(pid: number): number[] {
  const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return tasks === '' ? [] : tasks.split(' ').map(Number);
}
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, USER_HZ = 100
}
function report(label: string, pid: number): void {
  const helpers = children(pid).map((child) => `${path.basename(readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0')[0] ?? '?')} ${rssLine(child)}`);
  console.log(`${label.padEnd(22)} server ${rssLine(pid)}${helpers.length > 0 ? `; ${helpers.join('; ')}` : ''}`);
}

/** Runs `count` date tasks as the demo user, `window` at a time, each a progressive CALL ending with its success. */
async function burst(url: string, count: number, window = 50): Promise<void> {
  const ws = new WebSocket(url, ['wamp.2.json']);
  await once(ws, 'open');
  const pending = new Map<number, () => void>();
  let welcome: (() => void) | undefined;
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString('utf8')) as unknown[];
    if (msg[0] === 4) ws.send(JSON.stringify([5, 'demo-ticket', {}]));
    else if (msg[0] === 2) welcome?.();
    else if (msg[0] === 50 && (msg[2] as { progress?: boolean }).progress !== true) pending.get(msg[1] as number)?.();
    else if (msg[0] === 8 || msg[0] === 3) throw new Error(`WAMP: ${JSON.stringify(msg)}`);
  });
  await new Promise<void>((resolve) => {
    welcome = resolve;
    ws.send(JSON.stringify([1, 'asexor', { roles: { caller: { features: { progressive_call_results: true } } }, authmethods: ['ticket'], authid: 'demo' }]));
  });
  let next = 1;
  const one = async (): Promise<void> => {
    while (next <= count) {
      const id = next++;
      await new Promise<void>((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify([48, id, { receive_progress: true }, 'asexor.task.date', [], {}]));
      });
      pending.delete(id);
    }
  };
  await Promise.all(Array.from({ length: window }, one));
  ws.close();
}

/** Module specifiers `serve` loads, in order, for --modules. */
const MODULES = ['node:http', 'node:crypto', 'pino', 'zod', 'ws', 'msgpackr', 'cborg', 'autobahn', 'p-queue',
  './dist/shared/config/load.js', './dist/router/index.js', './dist/router/transports/index.js', './dist/worker/index.js',
  './dist/tasks/index.js', './dist/cli/serve-command.js'];

function moduleCosts(): void {
  const script = `const s=()=>Number(/VmRSS:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status','utf8'))[1])/1024;
    (async()=>{let p=s();console.log('bare node '+p.toFixed(1)+' MB');for(const m of ${JSON.stringify(MODULES)}){
    await import(m.startsWith('.')?require('url').pathToFileURL(${JSON.stringify(ROOT)}+m).href:m);await new Promise(r=>setTimeout(r,300));
    const n=s();console.log(('+ '+m).padEnd(40)+'+'+(n-p).toFixed(1).padStart(5)+' MB  = '+n.toFixed(1));p=n;}})()`;
  const result = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  process.stdout.write(result.stdout + result.stderr);
}

const dir = mkdtempSync(path.join(tmpdir(), 'asexor-idle-'));
const config = path.join(dir, 'config.json');
writeFileSync(config, readFileSync(path.join(ROOT, 'crossbar-config/config.json'), 'utf8')
  .replace('"port": 8484', '"port": 0').replace('"directory": "../web"', `"directory": ${JSON.stringify(path.join(ROOT, 'web'))}`));
const entry = opts.source ? 'bin/asexor.ts' : 'bin/asexor.mjs';
const server = spawn(process.execPath, [...opts['node-flag'], entry, 'serve', '--config', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const pid = server.pid ?? 0;
  const url = await new Promise<string>((resolve, reject) => {
    server.once('exit', (code) => { reject(new Error(`server exited with ${String(code)}`)); });
    createInterface({ input: server.stdout }).on('line', (line) => {
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"listening"/.exec(line);
      if (match?.[1] !== undefined) resolve(match[1].replace(/^http/, 'ws').replace(/\/?$/, '/ws'));
    });
  });
  console.log(`${entry} serve ${opts['node-flag'].join(' ')} (${process.version})`);
  await sleep(idleMs);
  report(`idle after ${idleMs} ms`, pid);
  const count = Number(opts.burst);
  if (count > 0) {
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    await burst(url, count);
    const wall = performance.now() - t0;
    console.log(`burst of ${count} date tasks: ${(wall / 1000).toFixed(1)} s, server CPU ${((cpuMs(pid) - cpu0) / count).toFixed(2)} ms/task`);
    report('right after the burst', pid);
    await sleep(idleMs);
    report(`${idleMs} ms later`, pid);
  }
} finally {
  server.kill('SIGINT');
  await once(server, 'exit');
  rmSync(dir, { recursive: true, force: true });
}
if (opts.modules) moduleCosts();
