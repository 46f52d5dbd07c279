/**
 * The web app (web/index.html, web/app.js, web/vendor/autobahn.min.js) in headless Chromium, driven
 * by playwright-core, against the real serve stack (cli/server.ts with the test users and tasks of
 * test/helpers/start-server.ts), the static web/ folder at `/` and a long-poll service at `/lp`:
 * login and its errors, date/sleep/progress/multi tasks live, cancel, validation errors next to the
 * fields (client and server), an error with exit code and stderr, convert on an uploaded file and its
 * download, history after a reload and with filters, catching up after the session was killed,
 * the admin view, long-poll fallback when WebSocket is blocked, and user isolation. Takes the
 * screenshots of the README, docs/web-app.png (and docs/web-app-phone.png at 375 px): written there with
 * ASEXOR_UPDATE_SCREENSHOTS=1.
 * Fails (does not skip) when /usr/bin/chromium (Debian package `chromium`) is missing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type Server } from '../../cli/server.ts';
import type { HttpTransportConfig, RouterConfig, WebServiceConfig } from '../../shared/config/types.ts';
import { silentLogger } from '../../shared/logger.ts';
import { REALM, TASKS_MODULE, testRouterConfig } from '../helpers/start-server.ts';
import { expectNothingWithin } from '../helpers/wait-for.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB_DIR = path.join(ROOT, 'web');
/**
 * The screenshots are always taken; they replace the README's images in docs/ only with
 * ASEXOR_UPDATE_SCREENSHOTS=1 (so a test run leaves the checkout clean), else they go to the temp dir.
 */
const SHOT_DIR = process.env['ASEXOR_UPDATE_SCREENSHOTS'] === '1' ? path.join(ROOT, 'docs') : tmpdir();
const SCREENSHOT = path.join(SHOT_DIR, 'web-app.png');
const SCREENSHOT_PHONE = path.join(SHOT_DIR, 'web-app-phone.png');

/** testRouterConfig plus the web app at `/` and a long-poll service at `/lp` with the same users. */
function webRouterConfig(): RouterConfig {
  const base = testRouterConfig();
  const http = base.transports[0] as HttpTransportConfig;
  const ws = http.services.find((s) => s.type === 'websocket');
  if (ws?.type !== 'websocket' || ws.auth === undefined) throw new Error('testRouterConfig has no WebSocket service with auth');
  const services: WebServiceConfig[] = [
    { type: 'static', path: '/', directory: WEB_DIR },
    ...http.services,
    {
      type: 'longpoll', path: '/lp', serializers: ['json', 'msgpack'], auth: ws.auth,
      options: { requestTimeout: 10_000, sessionTimeout: 30_000, maxMessageSize: 16 * 1024 * 1024, queueLimitBytes: 4 * 1024 * 1024, allowedOrigins: [] },
    },
  ];
  return { ...base, transports: [{ ...http, services }] };
}

describe('web app in headless Chromium (test/interop/web-app.test.ts)', function () {
  this.timeout(60_000);
  let server: Server;
  let filesDir: string;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let alice: Page;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (the web app tests need it)`);
    filesDir = await mkdtemp(path.join(tmpdir(), 'asexor-web-files-'));
    server = await startServer({
      router: webRouterConfig(),
      asexor: { tasksModule: TASKS_MODULE, filesDir, concurrency: 2 },
      baseDir: ROOT,
      logger: silentLogger(),
    });
    base = `http://127.0.0.1:${server.listeners[0]?.address.port ?? 0}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
    if (filesDir !== undefined) await rm(filesDir, { recursive: true, force: true });
  });

  async function newPage(options: { width?: number; height?: number } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => {
      throw new Error(`page error: ${error.message}`);
    });
    return page;
  }

  async function login(page: Page, authid: string, secret: string, method: 'ticket' | 'wampcra' = 'ticket'): Promise<void> {
    await page.goto(base);
    await page.check(`#method-${method}`);
    await page.fill('#authid', authid);
    await page.fill('#secret', secret);
    await page.click('#login-submit');
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForSelector('#conn[data-state="open"]');
  }

  /** Selects `task` and returns once its form is shown. */
  async function chooseTask(page: Page, task: string): Promise<void> {
    await page.selectOption('#task-select', task);
    await page.waitForSelector(`form[aria-label="Parameters of ${task}"]`);
  }

  /** Submits the current form and returns the id of the new task (the newest card). */
  async function run(page: Page, task: string): Promise<string> {
    const before = await page.$$eval('.task-card', (cards) => cards.map((c) => c.getAttribute('data-task-id')));
    await page.click(`form[aria-label="Parameters of ${task}"] button[type="submit"]`);
    const handle = await page.waitForFunction(({ known, name }) => {
      const card = Array.from(document.querySelectorAll<HTMLElement>('.task-card')).find((c) => c.dataset['task'] === name && !known.includes(c.dataset['taskId'] ?? null));
      return card?.dataset['taskId'];
    }, { known: before, name: task });
    return String(await handle.jsonValue());
  }

  function card(id: string): string {
    return `.task-card[data-task-id="${id}"]`;
  }

  async function waitStatus(page: Page, id: string, status: string): Promise<void> {
    await page.waitForSelector(`${card(id)}[data-status="${status}"]`);
  }

  it('pre-fills the demo user on 127.0.0.1 and explains a refused login', async () => {
    const page = await newPage();
    await page.goto(base);
    expect(await page.inputValue('#authid')).to.equal('demo');
    expect(await page.inputValue('#secret')).to.equal('demo-ticket');
    await page.click('#login-submit'); // the test server has no demo user
    await page.waitForSelector('#login-error:not([hidden])');
    expect(await page.textContent('#login-error')).to.equal('Wrong user name or ticket/secret.');
    expect(await page.isHidden('#app')).to.equal(true);
    await page.fill('#authid', 'alice');
    await page.fill('#secret', 'wrong');
    await page.click('#login-submit');
    await page.waitForFunction(() => document.querySelector('#login-error')?.textContent === 'Wrong user name or ticket/secret.' && !(document.querySelector('#login-submit') as HTMLButtonElement).disabled);
  });

  it('logs in with a ticket over WebSocket and runs date (result shown)', async () => {
    alice = await newPage();
    await login(alice, 'alice', 'alice-ticket');
    expect(await alice.getAttribute('#conn', 'data-transport')).to.equal('websocket');
    expect(await alice.textContent('#who')).to.contain('alice');
    expect(await alice.isHidden('#admin')).to.equal(true);
    await chooseTask(alice, 'date');
    expect(await alice.inputValue('#param-format')).to.equal('%Y-%m-%d %H:%M:%S %Z'); // the schema's default
    await alice.fill('#param-format', '%Y');
    await alice.check('#param-utc');
    const id = await run(alice, 'date');
    await waitStatus(alice, id, 'success');
    expect(await alice.textContent(`${card(id)} pre.json`)).to.equal(JSON.stringify(String(new Date().getUTCFullYear())));
    expect(await alice.textContent(`${card(id)} .params`)).to.contain('utc=true');
  });

  it('runs sleep (running, then succeeded with its duration) and progress (bar and steps)', async () => {
    await chooseTask(alice, 'sleep');
    await alice.fill('#param-seconds', '1');
    const sleepId = await run(alice, 'sleep');
    await alice.waitForSelector(`${card(sleepId)}[data-status="started"] .badge-started`);
    await waitStatus(alice, sleepId, 'success');
    expect(await alice.textContent(`${card(sleepId)} .duration`)).to.match(/took (1\.\d|\d{3,4} ms) s?/);

    await chooseTask(alice, 'progress');
    await alice.fill('#param-steps', '5');
    await alice.fill('#param-delay', '150');
    const id = await run(alice, 'progress');
    // The bar moves while it runs: a value strictly between 0 and 1 is seen.
    await alice.waitForFunction((sel) => {
      const bar = document.querySelector<HTMLProgressElement>(`${sel} progress`);
      return bar !== null && bar.hasAttribute('value') && bar.value > 0 && bar.value < 1;
    }, card(id));
    await waitStatus(alice, id, 'success');
    expect(await alice.getAttribute(`${card(id)} progress`, 'value')).to.equal('1');
    expect(await alice.$$eval(`${card(id)} .steps li`, (items) => items.length)).to.be.greaterThan(1);
  });

  it('shows the sub-steps of a multi-task', async () => {
    await chooseTask(alice, 'multi');
    await alice.fill('#param-subtasks', JSON.stringify([{ task: 'date' }, { task: 'sleep', params: { seconds: 0.2 } }, { task: 'date', params: { utc: true } }]));
    const id = await run(alice, 'multi');
    await waitStatus(alice, id, 'success');
    const steps = await alice.$$eval(`${card(id)} .steps li`, (items) => items.map((li) => li.textContent ?? ''));
    expect(steps.map((s) => s.replace(/^.*· /, ''))).to.deep.equal(['1/3 subtasks done', '2/3 subtasks done', '3/3 subtasks done']);
    expect(await alice.textContent(`${card(id)} pre.json`)).to.contain('"succeeded": 3');
  });

  it('cancels a running task from its card', async () => {
    await chooseTask(alice, 'sleep');
    await alice.fill('#param-seconds', '30');
    const id = await run(alice, 'sleep');
    await waitStatus(alice, id, 'started');
    await alice.click(`${card(id)} button.danger`);
    await waitStatus(alice, id, 'cancelled');
    expect(await alice.isHidden(`${card(id)} button.danger`)).to.equal(true);
    expect(await alice.textContent(`${card(id)} .badge`)).to.equal('cancelled');
  });

  it('shows validation errors next to the field: client-side, then the server\'s invalid_params issues', async () => {
    await chooseTask(alice, 'sleep');
    await alice.fill('#param-seconds', '5000');
    const cards = await alice.$$eval('.task-card', (c) => c.length);
    await alice.click('form[aria-label="Parameters of sleep"] button[type="submit"]');
    await alice.waitForSelector('#param-seconds-error:not([hidden])');
    expect(await alice.textContent('#param-seconds-error')).to.equal('expected a number between 0 and 3600');
    expect(await alice.getAttribute('#param-seconds', 'aria-invalid')).to.equal('true');
    expect(await alice.evaluate(() => document.activeElement?.id)).to.equal('param-seconds');
    expect(await alice.$$eval('.task-card', (c) => c.length)).to.equal(cards); // nothing was sent

    // convert: the output's extension must match `to`, a rule only the server checks (tasks/convert.ts).
    await chooseTask(alice, 'convert');
    await alice.fill('#param-input', 'notes.md');
    await alice.selectOption('#param-to', 'epub');
    await alice.fill('#param-output', 'notes.html');
    await alice.click('form[aria-label="Parameters of convert"] button[type="submit"]');
    await alice.waitForSelector('#param-output-error:not([hidden])');
    expect(await alice.textContent('#param-output-error')).to.match(/^expected a file name ending in \.epub \(to is epub\)/);
    expect(await alice.isHidden('#param-input-error')).to.equal(true);
  });

  it('shows a failed task\'s error code, exit code and stderr tail', async () => {
    await chooseTask(alice, 'exit_with');
    await alice.fill('#param-code', '3');
    await alice.fill('#param-message', 'something broke');
    const id = await run(alice, 'exit_with');
    await waitStatus(alice, id, 'error');
    const text = await alice.textContent(`${card(id)} .error-box`);
    expect(text).to.contain('ERR_TASK_FAILED').and.contain('exit code 3');
    expect(await alice.textContent(`${card(id)} .stderr`)).to.contain('something broke');
  });

  it('converts an uploaded Markdown file with pandoc and downloads the result', async () => {
    await chooseTask(alice, 'convert');
    const dir = await mkdtemp(path.join(tmpdir(), 'asexor-web-upload-'));
    try {
      const source = path.join(dir, 'report.md');
      await writeFile(source, '# Quarterly report\n\nAll *good*.\n');
      await alice.setInputFiles('#param-input-upload', source);
      await alice.waitForFunction(() => (document.querySelector<HTMLInputElement>('#param-input')?.value ?? '') === 'report.md');
      expect(await readFile(path.join(filesDir, 'alice', 'report.md'), 'utf8')).to.contain('Quarterly report');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await alice.selectOption('#param-to', 'html');
    await alice.fill('#param-output', '');
    const id = await run(alice, 'convert');
    await waitStatus(alice, id, 'success');
    const [download] = await Promise.all([
      alice.waitForEvent('download'),
      alice.click(`${card(id)} .downloads button`),
    ]);
    expect(download.suggestedFilename()).to.equal('report.html');
    const saved = await download.path();
    expect(await readFile(saved, 'utf8')).to.match(/<h1[^>]*>Quarterly report<\/h1>/);
    await alice.waitForSelector('#files-list li:has-text("report.html")');
  });

  it('catches up after the session was killed: the task that ended meanwhile shows its end', async () => {
    await chooseTask(alice, 'sleep');
    await alice.fill('#param-seconds', '1.5');
    const id = await run(alice, 'sleep');
    await waitStatus(alice, id, 'started');
    await server.router.call(REALM, 'wamp.session.kill_by_authid', ['alice'], {});
    await alice.waitForSelector('#conn[data-state="waiting"]');
    expect(await alice.textContent('#conn')).to.contain('Reconnecting');
    await alice.waitForSelector('#conn[data-state="open"]', { timeout: 10_000 });
    await waitStatus(alice, id, 'success');
  });

  it('keeps the history after a reload, with filters by status, task and text', async () => {
    const ids = await alice.$$eval('.task-card', (cards) => cards.map((c) => c.getAttribute('data-task-id')));
    await alice.reload();
    await alice.waitForSelector('#conn[data-state="open"]');
    await alice.waitForFunction((n) => document.querySelectorAll('.task-card').length === n, ids.length);
    expect(await alice.$$eval('.task-card', (cards) => cards.map((c) => c.getAttribute('data-task-id')))).to.deep.equal(ids);

    await alice.selectOption('#filter-status', 'cancelled');
    const shown = (): Promise<string[]> => alice.$$eval('.task-card:not([hidden])', (cards) => cards.map((c) => c.getAttribute('data-status') ?? ''));
    expect(await shown()).to.deep.equal(['cancelled']);
    await alice.selectOption('#filter-status', '');
    await alice.selectOption('#filter-task', 'date');
    expect((await alice.$$eval('.task-card:not([hidden])', (cards) => cards.map((c) => c.getAttribute('data-task'))))).to.have.members(['date']);
    await alice.selectOption('#filter-task', '');
    await alice.fill('#filter-text', 'something broke');
    expect((await alice.$$eval('.task-card:not([hidden])', (cards) => cards.map((c) => c.getAttribute('data-task'))))).to.deep.equal(['exit_with']);
    await alice.fill('#filter-text', '');
    expect(await alice.textContent('#task-count')).to.contain(`${ids.length} tasks`);
  });

  it('falls back to long poll when WebSocket is blocked', async () => {
    const page = await newPage();
    await page.context().routeWebSocket(/\/ws$/, (ws) => {
      void ws.close({ code: 1008, reason: 'blocked by the test' });
    });
    await login(page, 'carol', 'carol-secret', 'wampcra');
    expect(await page.getAttribute('#conn', 'data-transport')).to.equal('longpoll');
    expect(await page.textContent('#conn')).to.contain('long poll');
    await chooseTask(page, 'progress');
    const id = await run(page, 'progress');
    await waitStatus(page, id, 'success');
    expect(await page.$$eval(`${card(id)} .steps li`, (items) => items.length)).to.be.greaterThan(1);
  });

  it('says so when neither WebSocket nor long poll reaches the server', async () => {
    const page = await newPage();
    await page.context().routeWebSocket(/\/ws$/, (ws) => {
      void ws.close({ code: 1008, reason: 'blocked by the test' });
    });
    await page.context().route(/\/lp\//, (route) => route.abort('connectionrefused'));
    await page.goto(base);
    await page.fill('#authid', 'alice');
    await page.fill('#secret', 'alice-ticket');
    await page.click('#login-submit');
    await page.waitForSelector('#login-error:not([hidden])');
    expect(await page.textContent('#login-error')).to.match(/^Cannot reach the server at /);
    expect(await page.getAttribute('#conn', 'data-state')).to.equal('failed');
  });

  it('gives every control an accessible name and announces status changes', async () => {
    await chooseTask(alice, 'convert_folder'); // text, enum, file and checkbox-list widgets
    const unnamed = await alice.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('input, select, textarea, button'))
      .filter((el) => el.offsetParent !== null || el.getClientRects().length > 0)
      .filter((el) => {
        const labelled = el instanceof HTMLButtonElement ? (el.textContent ?? '').trim() !== '' : ('labels' in el && (el as HTMLInputElement).labels !== null && (el as HTMLInputElement).labels!.length > 0);
        return !labelled && el.getAttribute('aria-label') === null && el.getAttribute('aria-labelledby') === null;
      })
      .map((el) => el.outerHTML.slice(0, 80)));
    expect(unnamed).to.deep.equal([]);
    expect(await alice.getAttribute('#announcer', 'aria-live')).to.equal('polite');
    await chooseTask(alice, 'date');
    const id = await run(alice, 'date');
    await waitStatus(alice, id, 'success');
    await alice.waitForFunction((short) => (document.querySelector('#announcer')?.textContent ?? '').includes(`date ${short}: succeeded`), id.slice(0, 8));
  });

  it('takes the screenshot docs/web-app.png: a running task with its steps above finished ones', async () => {
    await chooseTask(alice, 'progress');
    await alice.fill('#param-steps', '20');
    await alice.fill('#param-delay', '500');
    const id = await run(alice, 'progress');
    await alice.waitForFunction((sel) => document.querySelectorAll(`${sel} .steps li`).length >= 6, card(id));
    await chooseTask(alice, 'convert');
    await alice.fill('#param-input', 'report.md');
    await alice.selectOption('#param-to', 'epub');
    await alice.evaluate(() => {
      window.scrollTo(0, 0);
      (document.activeElement as HTMLElement | null)?.blur();
    });
    await alice.screenshot({ path: SCREENSHOT, fullPage: false });
    expect((await readFile(SCREENSHOT)).length, 'a PNG was written').to.be.greaterThan(10_000);
    await alice.click(`${card(id)} button.danger`);
    await waitStatus(alice, id, 'cancelled');
  });

  it('never shows one user\'s tasks to another', async () => {
    const bob = await newPage();
    await login(bob, 'bob', 'bob-ticket');
    await bob.waitForSelector('#task-count:has-text("No tasks yet")');
    const aliceIds = await alice.$$eval('.task-card', (cards) => cards.map((c) => c.getAttribute('data-task-id')));
    await chooseTask(bob, 'date');
    const bobId = await run(bob, 'date');
    await waitStatus(bob, bobId, 'success');
    expect(await bob.$$eval('.task-card', (cards) => cards.map((c) => c.getAttribute('data-task-id')))).to.deep.equal([bobId]);
    await expectNothingWithin(300); // bob's task is done: its events, wrongly sent to alice, would show by now
    expect(await alice.$$eval('.task-card', (cards) => cards.map((c) => c.getAttribute('data-task-id')))).to.deep.equal(aliceIds);
    expect(await alice.$(card(bobId))).to.equal(null);
    await bob.click('#logout');
    await bob.waitForSelector('#login:not([hidden])');
    expect(await bob.$$eval('.task-card', (cards) => cards.length)).to.equal(0);
  });

  it('shows the admin view: every user\'s queued and running tasks, stats by priority, cancel anything', async () => {
    await chooseTask(alice, 'sleep');
    await alice.fill('#param-seconds', '30');
    const first = await run(alice, 'sleep');
    const second = await run(alice, 'sleep');
    const third = await run(alice, 'sleep'); // concurrency 2: this one waits
    await waitStatus(alice, third, 'queued');

    const root = await newPage();
    await login(root, 'root', 'root-ticket');
    await root.waitForSelector('#admin:not([hidden])');
    expect(await root.isVisible('#nav-admin')).to.equal(true);
    for (const id of [first, second, third]) await root.waitForSelector(`#admin-tasks tr[data-task-id="${id}"][data-owner="alice"]`);
    await root.waitForSelector('#admin-stats dd[data-stat="Queued"]:has-text("1")');
    expect(await root.textContent('#admin-stats dd[data-stat="Running"]')).to.equal('2');
    expect(await root.textContent('#admin-priorities')).to.contain('Queued');

    for (const id of [third, second, first]) {
      await root.click(`#admin-tasks tr[data-task-id="${id}"] button`);
      await root.waitForSelector(`#admin-tasks tr[data-task-id="${id}"]`, { state: 'detached' });
      await waitStatus(alice, id, 'cancelled');
    }
  });

  it('is usable at 375 px: no horizontal scrolling, forms and cards fit (docs/web-app-phone.png)', async () => {
    const phone = await newPage({ width: 375, height: 812 });
    await login(phone, 'alice', 'alice-ticket');
    await phone.waitForSelector('.task-card');
    await chooseTask(phone, 'sleep');
    await phone.fill('#param-seconds', '20');
    const id = await run(phone, 'sleep');
    await waitStatus(phone, id, 'started');
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).to.be.at.most(0);
    await phone.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      document.querySelector('#tasks')?.scrollIntoView();
    });
    await phone.screenshot({ path: SCREENSHOT_PHONE, fullPage: false });
    expect((await readFile(SCREENSHOT_PHONE)).length, 'a PNG was written').to.be.greaterThan(10_000);
    await phone.click(`${card(id)} button.danger`);
    await waitStatus(phone, id, 'cancelled');
  });
});
