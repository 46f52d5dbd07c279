/**
 * The web app's entry point (bundled into web/app.js by scripts/build-web-app.ts; docs/web-app.md):
 * login, the task chooser and forms, the live task list with history and filters, files, the admin
 * view and the connection state. On every (re)connect it subscribes to the user's status topic first,
 * then catches up with `control.history` and `control.status`, so no event is lost in between.
 */
import { AdminView } from './admin-view.ts';
import { Api, CallError, callError, NO_SUCH_PROCEDURE, type FileEntry, type TaskInfo } from './api.ts';
import { Connector, type ConnState } from './connection.ts';
import { byId, fill, h } from './dom.ts';
import { formatBytes, formatTime, toBase64 } from './format.ts';
import { DEMO, endpoints, isLocalHost, parseSaved, type Credentials } from './login.ts';
import type { TransportKind } from './reconnect.ts';
import { eventsOfActive, isTerminal, matchesFilter, resultFiles, TaskStore, type StatusEvent, type TaskFilter, type TaskView } from './store.ts';
import { statusLabel, TaskCard } from './task-card.ts';
import { taskForm } from './task-form.ts';

const REALM = 'asexor';
const SAVED_KEY = 'asexor.login';
const HISTORY_LIMIT = 100;
/** A base64 upload must fit the router's 16 MiB message limit (docs/configuration.md, "Configuration"). */
const MAX_UPLOAD_BYTES = 11 * 1024 * 1024;
const TRANSPORT_NAMES: Readonly<Record<TransportKind, string>> = { websocket: 'WebSocket', longpoll: 'long poll' };

const els = {
  conn: byId('conn', HTMLElement),
  retry: byId('retry-now', HTMLButtonElement),
  who: byId('who', HTMLElement),
  logout: byId('logout', HTMLButtonElement),
  nav: byId('nav', HTMLElement),
  navAdmin: byId('nav-admin', HTMLElement),
  loginSection: byId('login', HTMLElement),
  loginForm: byId('login-form', HTMLFormElement),
  loginError: byId('login-error', HTMLElement),
  loginSubmit: byId('login-submit', HTMLButtonElement),
  authid: byId('authid', HTMLInputElement),
  secret: byId('secret', HTMLInputElement),
  secretLabel: byId('secret-label', HTMLElement),
  remember: byId('remember', HTMLInputElement),
  app: byId('app', HTMLElement),
  taskSelect: byId('task-select', HTMLSelectElement),
  taskDescription: byId('task-description', HTMLElement),
  taskForm: byId('task-form', HTMLElement),
  filterStatus: byId('filter-status', HTMLSelectElement),
  filterTask: byId('filter-task', HTMLSelectElement),
  filterText: byId('filter-text', HTMLInputElement),
  taskCount: byId('task-count', HTMLElement),
  taskList: byId('task-list', HTMLElement),
  filesSection: byId('files', HTMLElement),
  filesList: byId('files-list', HTMLElement),
  filesNote: byId('files-note', HTMLElement),
  filesUpload: byId('files-upload', HTMLInputElement),
  filesOverwrite: byId('files-overwrite', HTMLInputElement),
  filesRefresh: byId('files-refresh', HTMLButtonElement),
  filesDatalist: byId('files-datalist', HTMLElement),
  foldersDatalist: byId('folders-datalist', HTMLElement),
  adminSection: byId('admin', HTMLElement),
  announcer: byId('announcer', HTMLElement),
};

const store = new TaskStore();
const cards = new Map<string, TaskCard>();
/** Params of the tasks submitted from this page, shown on their cards. */
const submitted = new Map<string, Record<string, unknown>>();
let tasks: TaskInfo[] = [];
let connector: Connector | undefined;
let api: Api | undefined;
let user: { authid: string; role: string } | undefined;
let filesAvailable = true;
const admin = new AdminView(els.adminSection, announce);

function announce(text: string): void {
  // A new text node each time, so that screen readers read a repeated message again.
  els.announcer.replaceChildren(document.createTextNode(text));
}

// ---------------------------------------------------------------- connection state

function renderState(state: ConnState): void {
  let text: string;
  let kind: string;
  switch (state.kind) {
    case 'connecting':
      text = `Connecting (${TRANSPORT_NAMES[state.transport]})…`;
      kind = 'busy';
      break;
    case 'open':
      text = `Connected · ${TRANSPORT_NAMES[state.transport]}${state.protocol === '' ? '' : ` · ${state.protocol.replace(/^wamp\.2\./, '')}`}`;
      kind = 'open';
      break;
    case 'waiting':
      text = `${state.message} Reconnecting in ${Math.max(1, Math.round((state.until - Date.now()) / 1000))} s (attempt ${state.round})…`;
      kind = 'down';
      break;
    case 'failed':
      text = 'Not connected';
      kind = 'down';
      break;
    case 'closed':
      text = 'Not connected';
      kind = 'closed';
      break;
  }
  els.conn.textContent = text;
  els.conn.className = `conn conn-${kind}`;
  els.conn.dataset['state'] = state.kind;
  els.conn.dataset['transport'] = state.kind === 'open' || state.kind === 'connecting' ? state.transport : '';
  els.retry.hidden = state.kind !== 'waiting';
}

setInterval(() => {
  const state = connector?.state;
  if (state?.kind === 'waiting') renderState(state);
  const now = new Date();
  for (const card of cards.values()) card.tick(now);
}, 1000);

function transportsFromPage(): TransportKind[] {
  // ?transport=longpoll (or websocket) restricts the transports, e.g. to test a proxy.
  const only = new URLSearchParams(location.search).get('transport');
  return only === 'longpoll' || only === 'websocket' ? [only] : ['websocket', 'longpoll'];
}

// ---------------------------------------------------------------- login / logout

function selectedMethod(): Credentials['method'] {
  const checked = els.loginForm.querySelector<HTMLInputElement>('input[name="method"]:checked');
  return checked?.value === 'wampcra' ? 'wampcra' : 'ticket';
}

function syncMethodLabel(): void {
  els.secretLabel.textContent = selectedMethod() === 'wampcra' ? 'Secret (WAMP-CRA)' : 'Ticket';
}

function showLoginError(message: string): void {
  els.loginError.textContent = message;
  els.loginError.hidden = message === '';
}

function setLoggedIn(loggedIn: boolean): void {
  els.loginSection.hidden = loggedIn;
  els.app.hidden = !loggedIn;
  els.nav.hidden = !loggedIn;
  els.who.hidden = !loggedIn;
  els.logout.hidden = !loggedIn;
}

function login(credentials: Credentials): void {
  connector?.stop();
  showLoginError('');
  els.loginSubmit.disabled = true;
  let joined = false;
  const { wsUrl, lpUrl } = endpoints(location.href);
  const current = new Connector({
    wsUrl, lpUrl, realm: REALM, credentials, transports: transportsFromPage(), attemptTimeoutMs: 10_000,
    onState: (state) => {
      if (connector !== current) return;
      renderState(state);
      if (state.kind === 'failed') {
        sessionStorage.removeItem(SAVED_KEY);
        onDisconnected();
        setLoggedIn(false);
        els.loginSubmit.disabled = false;
        showLoginError(state.message);
        (state.message.startsWith('Wrong') ? els.secret : els.authid).focus();
      }
    },
    onOpen: (session, details) => {
      if (connector !== current) return;
      if (!joined) {
        joined = true;
        if (els.remember.checked) sessionStorage.setItem(SAVED_KEY, JSON.stringify(credentials));
        els.secret.value = '';
      }
      void onConnected(new Api(session), details);
    },
    onLost: () => {
      if (connector === current) onDisconnected();
    },
  });
  connector = current;
  current.start();
}

function logout(): void {
  sessionStorage.removeItem(SAVED_KEY);
  const old = connector;
  connector = undefined;
  old?.stop();
  onDisconnected();
  renderState({ kind: 'closed' });
  store.clear();
  submitted.clear();
  for (const card of cards.values()) card.element.remove();
  cards.clear();
  tasks = [];
  user = undefined;
  // Nothing of this user stays on the page for the next one.
  els.taskSelect.replaceChildren();
  els.taskForm.replaceChildren();
  els.taskDescription.replaceChildren();
  els.filesList.replaceChildren();
  els.filesDatalist.replaceChildren();
  els.foldersDatalist.replaceChildren();
  els.filesNote.textContent = '';
  filesAvailable = true;
  els.filterTask.replaceChildren(h('option', { value: '' }, 'any'));
  els.filterStatus.value = '';
  els.filterText.value = '';
  els.adminSection.hidden = true;
  els.navAdmin.hidden = true;
  admin.clear();
  renderCount();
  setLoggedIn(false);
  els.loginSubmit.disabled = false;
  showLoginError('');
  if (els.loginForm.dataset['demo'] === 'true') els.secret.value = DEMO.secret;
  announce('Logged out.');
  els.authid.focus();
}

// ---------------------------------------------------------------- session life cycle

async function onConnected(session: Api, details: autobahn.SessionDetails): Promise<void> {
  const firstJoin = user === undefined;
  if (user !== undefined && user.authid !== details.authid) {
    logout(); // cannot happen with the same credentials; never mix two users' tasks
    return;
  }
  user = { authid: details.authid, role: details.authrole };
  api = session;
  fill(els.who, h('span', { class: 'visually-hidden' }, 'Logged in as '), details.authid, h('span', { class: 'role' }, ` (${details.authrole})`));
  setLoggedIn(true);
  els.loginSubmit.disabled = false;
  try {
    // Subscribe first: events published from now on arrive, the calls below cover what came before.
    await session.subscribeStatus(details.authid, onEvent);
    const listed = await session.list();
    renderTaskChooser(listed);
    await catchUp(session);
    renderCount();
  } catch (error) {
    announce(`Could not load your tasks: ${callError(error).message}`);
  }
  void refreshFiles();
  const isAdmin = details.authrole === 'admin';
  els.navAdmin.hidden = !isAdmin;
  els.adminSection.hidden = !isAdmin;
  if (isAdmin) admin.start(session);
  if (firstJoin) {
    announce(`Logged in as ${details.authid}.`);
    els.taskSelect.focus();
  } else {
    announce('Reconnected.');
  }
}

function onDisconnected(): void {
  api = undefined;
  admin.stop();
}

/** History, then the status of every task still unfinished here (it may have ended while we were away). */
async function catchUp(session: Api): Promise<void> {
  const history = await session.history(HISTORY_LIMIT);
  // Oldest first, so cards are created in order; history holds each task's latest event.
  for (const event of [...history].reverse()) onEvent(event);
  const fromHistory = new Set(history.map((e) => e.task_id));
  try {
    for (const task of await session.tasks(false)) for (const event of eventsOfActive(task)) onEvent(event);
  } catch (error) {
    if (callError(error).uri !== NO_SUCH_PROCEDURE) throw error;
  }
  await Promise.all(store.pending().filter((id) => !fromHistory.has(id)).map(async (id) => {
    try {
      const event = await session.status(id);
      if (event !== undefined) onEvent(event);
    } catch {
      // evicted or unknown: the card keeps its last known state
    }
  }));
}

// ---------------------------------------------------------------- tasks

function onEvent(event: StatusEvent): void {
  const before = store.get(event.task_id)?.status;
  const view = store.apply(event);
  if (view === undefined) return;
  renderTask(view);
  if (before !== view.status && (view.status === 'started' || isTerminal(view.status)) && (before !== 'progress' || isTerminal(view.status))) {
    announce(`${view.task} ${view.id.slice(0, 8)}: ${statusLabel(view.status)}${view.error === undefined ? '' : ` (${view.error.code})`}.`);
  }
  if (view.status === 'success' && resultFiles(view.result).length > 0) void refreshFiles();
}

function currentFilter(): TaskFilter {
  return { status: els.filterStatus.value as TaskFilter['status'], task: els.filterTask.value, text: els.filterText.value };
}

function renderTask(view: TaskView): void {
  let card = cards.get(view.id);
  if (card === undefined) {
    card = new TaskCard(view, { cancel: cancelTask, download });
    const params = submitted.get(view.id);
    if (params !== undefined) card.setParams(params);
    cards.set(view.id, card);
    // Newest first: before the card of the next newer-or-equal... i.e. find the first older task's card.
    const ordered = store.all();
    const index = ordered.findIndex((v) => v.id === view.id);
    const next = ordered.slice(index + 1).map((v) => cards.get(v.id)).find((c) => c !== undefined);
    els.taskList.insertBefore(card.element, next?.element ?? null);
    ensureTaskFilterOption(view.task);
  } else {
    card.update(view);
  }
  card.element.hidden = !matchesFilter(view, currentFilter());
  renderCount();
}

function applyFilter(): void {
  const filter = currentFilter();
  for (const view of store.all()) {
    const card = cards.get(view.id);
    if (card !== undefined) card.element.hidden = !matchesFilter(view, filter);
  }
  renderCount();
}

function renderCount(): void {
  const all = store.all();
  const shown = all.filter((v) => cards.get(v.id)?.element.hidden === false).length;
  const running = all.filter((v) => !isTerminal(v.status)).length;
  els.taskCount.textContent = all.length === 0 ? 'No tasks yet: run one above.'
    : `${shown === all.length ? `${all.length}` : `${shown} of ${all.length}`} task${all.length === 1 ? '' : 's'}, ${running} unfinished`;
}

function ensureTaskFilterOption(name: string): void {
  if ([...els.filterTask.options].some((o) => o.value === name)) return;
  els.filterTask.append(h('option', { value: name }, name));
}

async function cancelTask(taskId: string): Promise<void> {
  if (api === undefined) throw new Error('not connected');
  try {
    await api.cancel(taskId);
  } catch (error) {
    throw new Error(callError(error).message);
  }
}

async function submitTask(task: string, params: Record<string, unknown>): Promise<void> {
  if (api === undefined) throw new CallError('', 'Not connected: wait for the connection to come back.');
  try {
    const id = await api.submit(task, params);
    submitted.set(id, params);
    cards.get(id)?.setParams(params);
    announce(`${task} submitted.`);
  } catch (error) {
    throw callError(error);
  }
}

function renderTaskChooser(list: TaskInfo[]): void {
  tasks = list;
  const previous = els.taskSelect.value;
  fill(els.taskSelect, ...list.map((t) => h('option', { value: t.name }, t.name)));
  for (const t of list) ensureTaskFilterOption(t.name);
  if (list.some((t) => t.name === previous)) els.taskSelect.value = previous;
  if (previous === '' || previous !== els.taskSelect.value || els.taskForm.childElementCount === 0) renderForm();
  if (list.length === 0) fill(els.taskDescription, 'Your role may not run any task.');
}

function renderForm(): void {
  const task = tasks.find((t) => t.name === els.taskSelect.value);
  if (task === undefined) {
    els.taskForm.replaceChildren();
    return;
  }
  fill(els.taskDescription, task.description, ' ', h('span', { class: 'kind' }, task.kind === 'multi' ? '(runs subtasks)' : ''));
  fill(els.taskForm, taskForm(task, {
    filesListId: els.filesDatalist.id, foldersListId: els.foldersDatalist.id, upload: (file) => uploadFile(file, false), submit: submitTask,
  }));
}

// ---------------------------------------------------------------- files

async function refreshFiles(): Promise<void> {
  if (api === undefined || !filesAvailable) return;
  let files: FileEntry[];
  try {
    files = await api.files();
  } catch (error) {
    const err = callError(error);
    if (err.uri === NO_SUCH_PROCEDURE) {
      filesAvailable = false;
      els.filesNote.textContent = 'This server has no files API.';
    } else {
      els.filesNote.textContent = `Could not list the files: ${err.message}`;
    }
    return;
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  els.filesNote.textContent = files.length === 0 ? 'The files folder is empty: upload a document.' : `${files.length} file${files.length === 1 ? '' : 's'}`;
  fill(els.filesList, ...files.map((f) => h('li', {},
    h('span', { class: 'path' }, f.path), ' ',
    h('span', { class: 'meta' }, `${formatBytes(f.size)} · ${formatTime(typeof f.mtime === 'number' ? new Date(f.mtime).toISOString() : f.mtime)}`), ' ',
    h('button', { type: 'button', class: 'link', 'aria-label': `Download ${f.path}`, onclick: () => void download(f.path).catch((e: unknown) => { announce(`Download failed: ${callError(e).message}`); }) }, 'Download'))));
  fill(els.filesDatalist, ...files.map((f) => h('option', { value: f.path })));
  const folders = new Set(['.']);
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  fill(els.foldersDatalist, ...[...folders].sort().map((f) => h('option', { value: f })));
}

async function uploadFile(file: File, overwrite: boolean): Promise<string> {
  if (api === undefined) throw new Error('not connected');
  if (file.size > MAX_UPLOAD_BYTES) throw new Error(`${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(MAX_UPLOAD_BYTES)}`);
  const content = toBase64(new Uint8Array(await file.arrayBuffer()));
  try {
    const stored = await api.upload(file.name, content, overwrite);
    await refreshFiles();
    return stored.path;
  } catch (error) {
    throw new Error(callError(error).message);
  }
}

/** Asks for a link with the user's authorization, then lets the browser download it. */
async function download(path: string): Promise<void> {
  if (api === undefined) throw new Error('not connected');
  let url: string;
  try {
    ({ url } = await api.link(path));
  } catch (error) {
    throw new Error(callError(error).message);
  }
  const anchor = h('a', { href: new URL(url, location.href).href, download: path.split('/').at(-1) ?? 'download', hidden: true });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}

// ---------------------------------------------------------------- wiring

function init(): void {
  if (typeof autobahn === 'undefined') {
    showLoginError('The WAMP client (vendor/autobahn.min.js) did not load; reload the page.');
    els.loginSubmit.disabled = true;
    return;
  }
  for (const radio of els.loginForm.querySelectorAll<HTMLInputElement>('input[name="method"]')) radio.addEventListener('change', syncMethodLabel);
  els.loginForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const authid = els.authid.value.trim();
    if (authid === '') {
      showLoginError('Enter a user name.');
      els.authid.focus();
      return;
    }
    if (els.secret.value === '') {
      showLoginError(`Enter the ${selectedMethod() === 'wampcra' ? 'secret' : 'ticket'}.`);
      els.secret.focus();
      return;
    }
    login({ method: selectedMethod(), authid, secret: els.secret.value });
  });
  els.logout.addEventListener('click', logout);
  els.retry.addEventListener('click', () => connector?.retryNow());
  els.taskSelect.addEventListener('change', renderForm);
  els.filterStatus.addEventListener('change', applyFilter);
  els.filterTask.addEventListener('change', applyFilter);
  els.filterText.addEventListener('input', applyFilter);
  els.filesRefresh.addEventListener('click', () => void refreshFiles());
  els.filesUpload.addEventListener('change', () => {
    const file = els.filesUpload.files?.[0];
    if (file === undefined) return;
    els.filesNote.textContent = `Uploading ${file.name}…`;
    uploadFile(file, els.filesOverwrite.checked).then((path) => {
      announce(`Uploaded ${path}.`);
    }, (error: unknown) => {
      els.filesNote.textContent = `Upload failed: ${error instanceof Error ? error.message : String(error)}`;
    }).finally(() => {
      els.filesUpload.value = '';
    });
  });

  const saved = parseSaved(sessionStorage.getItem(SAVED_KEY));
  if (saved !== undefined) {
    els.authid.value = saved.authid;
    els.loginForm.querySelector<HTMLInputElement>(`input[name="method"][value="${saved.method}"]`)?.click();
    login(saved);
  } else if (isLocalHost(location.hostname)) {
    els.authid.value = DEMO.authid;
    els.secret.value = DEMO.secret;
    els.loginForm.dataset['demo'] = 'true';
  }
  syncMethodLabel();
  renderState({ kind: 'closed' });
}

init();
