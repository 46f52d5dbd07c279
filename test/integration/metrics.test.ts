/**
 * `GET /metrics` of the serve stack (worker/metrics.ts, router/metrics/metrics.ts, docs/metrics.md): scraped
 * over node:http while real tasks run, end and fail; the counters, histograms and gauges move as
 * the tasks do, sessions are counted by transport, and the endpoint answers 401/404/405 as documented.
 */
import { request } from 'node:http';
import { expect } from 'chai';
import type { ClientSession } from '../../cli/client.ts';
import { startTestServer, type TestServer } from '../helpers/start-server.ts';
import { joinAs, subscribeStatus, terminalOf, wampError, type EventLog } from '../helpers/worker-clients.ts';

interface Scrape {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function scrape(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of the sample `name{labels}` of a text exposition (labels in any order); undefined if absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = new Map([...(match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (have.size === want.length && want.every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

/** Scrapes again until `check` passes (gauges follow the queue within a tick or two). */
async function eventually(url: string, check: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await scrape(url);
    if (check(body)) return body;
    if (Date.now() > deadline) throw new Error(`metrics never satisfied the check; last scrape:\n${body}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GET /metrics (Prometheus)', function () {
  this.timeout(20_000);

  describe('a server with the defaults (one task at a time)', () => {
    let server: TestServer;
    let alice: ClientSession;
    let log: EventLog;
    let url: string;

    before(async () => {
      server = await startTestServer({ asexor: { concurrency: 1 } });
      url = `${server.origin}/metrics`;
      alice = await joinAs(server.url, 'alice');
      log = await subscribeStatus(alice);
    });
    after(async () => {
      await alice.close();
      await server.close();
    });

    it('answers GET and HEAD in the text format 0.0.4, with the process metrics; 405 for other methods', async () => {
      const res = await scrape(url);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(res.body).to.include('# TYPE asexor_worker_tasks_total counter');
      expect(res.body).to.include('# TYPE asexor_worker_task_duration_seconds histogram');
      expect(sample(res.body, 'asexor_process_cpu_user_seconds_total')).to.be.a('number');
      expect(sample(res.body, 'asexor_nodejs_heap_size_used_bytes')).to.be.greaterThan(0);
      expect(sample(res.body, 'asexor_worker_concurrency')).to.equal(1);
      expect(sample(res.body, 'asexor_worker_max_queued')).to.equal(10_000);
      expect(sample(res.body, 'asexor_worker_accepting')).to.equal(1);
      expect(sample(res.body, 'asexor_worker_registered')).to.equal(1);
      expect(sample(res.body, 'asexor_worker_tasks_total', { task: 'date', status: 'timeout' }), 'series exist before any task').to.equal(0);

      const head = await scrape(url, { method: 'HEAD' });
      expect(head.status).to.equal(200);
      expect(head.body).to.equal('');
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const res405 = await scrape(url, { method });
        expect(res405.status, method).to.equal(405);
        expect(res405.headers['allow']).to.equal('GET, HEAD');
      }
      expect((await scrape(`${server.origin}/metrics/more`)).status).to.equal(404);
      expect((await scrape(`${server.origin}/metrics?x=1`)).status, 'query strings are ignored').to.equal(200);
    });

    it('counts tasks by final status, observes their durations and counts accepted and refused submissions', async () => {
      const before = (await scrape(url)).body;
      const count = (text: string, name: string, labels: Record<string, string>): number => sample(text, name, labels) ?? 0;

      const ok = await alice.call('asexor.task.date');
      const failed = await alice.call('asexor.task.exit_with', [3]);
      const timedOut = await alice.call('asexor.task.slow');
      const running = await alice.call('asexor.task.nap', [10_000]);
      await log.waitFor((e) => e['task_id'] === running && e['status'] === 'started');
      const queued = await alice.call('asexor.task.nap', [10_000]);
      const refused = await wampError(alice.call('asexor.task.nap', ['not a number']));
      expect(refused.kwargs['code']).to.equal('ERR_INVALID_PARAMS');

      // One running, one waiting at the user role's default priority 4.
      const busy = await eventually(url, (t) => sample(t, 'asexor_worker_queued_tasks', { priority: '4' }) === 1);
      expect(sample(busy, 'asexor_worker_running_tasks')).to.equal(1);
      expect(sample(busy, 'asexor_worker_queued_tasks', { priority: '0' })).to.equal(0);

      await alice.call('asexor.control.cancel', [queued]);
      await alice.call('asexor.control.cancel', [running]);
      for (const id of [ok, failed, timedOut, running, queued]) await terminalOf(log, id);
      expect((await terminalOf(log, ok))['status']).to.equal('success');
      expect((await terminalOf(log, failed))['status']).to.equal('error');
      expect((await terminalOf(log, timedOut))['status']).to.equal('timeout');

      const after = await eventually(url, (t) => sample(t, 'asexor_worker_running_tasks') === 0);
      const delta = (name: string, labels: Record<string, string>): number => count(after, name, labels) - count(before, name, labels);
      expect(delta('asexor_worker_tasks_total', { task: 'date', status: 'success' })).to.equal(1);
      expect(delta('asexor_worker_tasks_total', { task: 'exit_with', status: 'error' })).to.equal(1);
      expect(delta('asexor_worker_tasks_total', { task: 'slow', status: 'timeout' })).to.equal(1);
      expect(delta('asexor_worker_tasks_total', { task: 'nap', status: 'cancelled' })).to.equal(2);
      expect(delta('asexor_worker_submissions_accepted_total', { task: 'nap' })).to.equal(2);
      expect(delta('asexor_worker_submissions_accepted_total', { task: 'date' })).to.equal(1);
      expect(delta('asexor_worker_submissions_refused_total', { reason: 'invalid_params' })).to.equal(1);
      expect(sample(after, 'asexor_worker_queued_tasks', { priority: '4' })).to.equal(0);

      // Durations: every finished run is observed; the task cancelled while queued has none.
      expect(delta('asexor_worker_task_duration_seconds_count', { task: 'date', status: 'success' })).to.equal(1);
      expect(delta('asexor_worker_task_duration_seconds_count', { task: 'nap', status: 'cancelled' })).to.equal(1);
      expect(delta('asexor_worker_task_duration_seconds_count', { task: 'slow', status: 'timeout' })).to.equal(1);
      expect(count(after, 'asexor_worker_task_duration_seconds_sum', { task: 'slow', status: 'timeout' })).to.be.at.least(0.3);
      expect(count(after, 'asexor_worker_task_duration_seconds_bucket', { task: 'slow', status: 'timeout', le: '0.25' })).to.equal(0);
      expect(count(after, 'asexor_worker_task_duration_seconds_bucket', { task: 'slow', status: 'timeout', le: '+Inf' })).to.equal(1);
    });

    it('counts sessions by transport and the messages received and sent by type', async () => {
      const before = (await scrape(url)).body;
      expect(sample(before, 'asexor_router_sessions', { transport: 'websocket' }), 'alice').to.equal(1);
      expect(sample(before, 'asexor_router_sessions', { transport: 'local' }), 'the embedded worker').to.equal(1);
      expect(sample(before, 'asexor_router_sessions', { transport: 'rawsocket' })).to.equal(0);

      const bob = await joinAs(server.url, 'bob');
      try {
        await bob.call('asexor.control.tasks');
        await bob.call('asexor.control.tasks');
        const during = (await scrape(url)).body;
        expect(sample(during, 'asexor_router_sessions', { transport: 'websocket' })).to.equal(2);
        const calls = (sample(during, 'asexor_router_messages_received_total', { type: 'CALL' }) ?? 0)
          - (sample(before, 'asexor_router_messages_received_total', { type: 'CALL' }) ?? 0);
        expect(calls, 'two calls, plus the dynamic authorizer\'s internal ones are not client messages').to.equal(2);
        const results = (sample(during, 'asexor_router_messages_sent_total', { type: 'RESULT' }) ?? 0)
          - (sample(before, 'asexor_router_messages_sent_total', { type: 'RESULT' }) ?? 0);
        expect(results).to.equal(2);
        // The worker's side of those calls: one INVOCATION sent and one YIELD received each.
        expect((sample(during, 'asexor_router_messages_sent_total', { type: 'INVOCATION' }) ?? 0)
          - (sample(before, 'asexor_router_messages_sent_total', { type: 'INVOCATION' }) ?? 0)).to.be.at.least(2);
        expect(sample(during, 'asexor_router_messages_received_total', { type: 'HELLO' })).to.be.at.least(3);
        expect(sample(during, 'asexor_router_messages_sent_total', { type: 'WELCOME' })).to.be.at.least(3);
      } finally {
        await bob.close();
      }
      await eventually(url, (t) => sample(t, 'asexor_router_sessions', { transport: 'websocket' }) === 1);
    });
  });

  describe('settings', () => {
    it('requires the bearer token when one is set, and serves on a listener of its own with `listen`', async () => {
      const server = await startTestServer({ asexor: { metrics: { token: 'prom-secret', path: '/prom', listen: { port: 0 } } } });
      try {
        const url = `${server.origin}/prom`;
        const denied = await scrape(url);
        expect(denied.status).to.equal(401);
        expect(denied.headers['www-authenticate']).to.match(/^Bearer /);
        expect((await scrape(url, { headers: { authorization: 'Bearer wrong' } })).status).to.equal(401);
        const granted = await scrape(url, { headers: { authorization: 'Bearer prom-secret' } });
        expect(granted.status).to.equal(200);
        expect(sample(granted.body, 'asexor_worker_registered')).to.equal(1);
        expect((await scrape(`${server.origin}/metrics`)).status, 'only the configured path').to.equal(404);

        const own = server.server.worker.metricsUrl;
        expect(own).to.match(/^http:\/\/127\.0\.0\.1:\d+\/prom$/);
        const alone = await scrape(own ?? '', { headers: { authorization: 'Bearer prom-secret' } });
        expect(alone.status).to.equal(200);
        expect(sample(alone.body, 'asexor_router_sessions', { transport: 'local' }), 'the same registry, router metrics included').to.equal(1);
        expect((await scrape(own ?? '')).status).to.equal(401);
        expect((await scrape((own ?? '').replace(/\/prom$/, '/other'))).status).to.equal(404);
      } finally {
        await server.close();
      }
    });

    it('serves nothing when disabled', async () => {
      const server = await startTestServer({ asexor: { metrics: { enabled: false } } });
      try {
        expect((await scrape(`${server.origin}/metrics`)).status).to.equal(404);
        expect(server.server.worker.metrics).to.equal(undefined);
      } finally {
        await server.close();
      }
    });
  });
});
