/**
 * The admin view (docs/worker.md, "The worker: serve, CLI, WAMP API": admin roles see and cancel every
 * task): queue stats by priority from `control.stats` and every user's queued and running tasks
 * from `control.tasks {all: true}`, polled while connected. Rows are keyed by task id and updated
 * in place, so a focused Cancel button survives a refresh.
 */
import { callError, NO_SUCH_PROCEDURE, type Api, type Stats } from './api.ts';
import { h, fill } from './dom.ts';
import { formatTime } from './format.ts';
import type { ActiveTask } from './store.ts';

export class AdminView {
  readonly #stats: HTMLElement;
  readonly #body: HTMLTableSectionElement;
  readonly #note: HTMLElement;
  readonly #rows = new Map<string, { row: HTMLTableRowElement; cells: HTMLTableCellElement[] }>();
  readonly #announce: (text: string) => void;
  #api: Api | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;

  constructor(root: HTMLElement, announce: (text: string) => void) {
    this.#announce = announce;
    this.#stats = h('div', { class: 'stats', id: 'admin-stats' });
    this.#note = h('p', { class: 'help', role: 'status', id: 'admin-note', tabindex: '-1' });
    this.#body = h('tbody', {});
    const table = h('table', { id: 'admin-tasks' },
      h('caption', { class: 'visually-hidden' }, 'Queued and running tasks of every user'),
      h('thead', {}, h('tr', {}, ...['Owner', 'Task', 'Status', 'Priority', 'Queued', 'Progress', ''].map((t) => h('th', { scope: 'col' }, t)))),
      this.#body);
    const refresh = h('button', { type: 'button', class: 'secondary', onclick: () => void this.refresh() }, 'Refresh');
    fill(root,
      h('h2', { id: 'admin-title' }, 'Admin: all users'),
      h('h3', {}, 'Queue'), this.#stats,
      h('div', { class: 'row-between' }, h('h3', {}, 'Queued and running tasks'), refresh),
      h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'All tasks' }, table), this.#note);
  }

  start(api: Api): void {
    this.#api = api;
    clearInterval(this.#timer);
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), 2000);
  }

  stop(): void {
    this.#api = undefined;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops polling and forgets what was shown (logout). */
  clear(): void {
    this.stop();
    this.#rows.clear();
    this.#body.replaceChildren();
    this.#stats.replaceChildren();
    this.#note.textContent = '';
  }

  async refresh(): Promise<void> {
    const api = this.#api;
    if (api === undefined || this.#busy) return;
    this.#busy = true;
    try {
      const [stats, tasks] = await Promise.allSettled([api.stats(), api.tasks(true)]);
      if (stats.status === 'fulfilled') this.#renderStats(stats.value);
      if (tasks.status === 'fulfilled') {
        this.#renderTasks(tasks.value);
        this.#note.textContent = tasks.value.length === 0 ? 'No task is queued or running.' : '';
      } else {
        const error = callError(tasks.reason);
        this.#note.textContent = error.uri === NO_SUCH_PROCEDURE ? 'This server cannot list every user\'s tasks (no asexor.control.tasks).' : `Could not list the tasks: ${error.message}`;
      }
    } finally {
      this.#busy = false;
    }
  }

  #renderStats(stats: Stats): void {
    const items: [string, string][] = [
      ['Queued', String(stats.queued)], ['Running', String(stats.running)],
      ...(stats.concurrency === undefined ? [] : [['Concurrency', String(stats.concurrency)] as [string, string]]),
      ...(stats.users === undefined ? [] : [['Users with tasks', String(stats.users)] as [string, string]]),
      ...(stats.maxQueued === undefined ? [] : [['Max queued', String(stats.maxQueued)] as [string, string]]),
      ...(stats.accepting === undefined ? [] : [['Accepting', stats.accepting ? 'yes' : 'no (shutting down)'] as [string, string]]),
    ];
    const priorities = Object.entries(stats.byPriority ?? {}).sort(([a], [b]) => Number(a) - Number(b));
    fill(this.#stats,
      h('dl', { class: 'numbers' }, ...items.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', { 'data-stat': k }, v)))),
      priorities.length === 0 ? null : h('table', { class: 'priorities', id: 'admin-priorities' },
        h('caption', {}, 'Queued by priority (0 runs first)'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'row' }, 'Priority'), ...priorities.map(([p]) => h('th', { scope: 'col' }, p)))),
        h('tbody', {}, h('tr', {}, h('th', { scope: 'row' }, 'Queued'), ...priorities.map(([, n]) => h('td', {}, String(n)))))));
  }

  #renderTasks(tasks: readonly ActiveTask[]): void {
    const seen = new Set<string>();
    let index = 0;
    for (const task of tasks) {
      seen.add(task.task_id);
      let entry = this.#rows.get(task.task_id);
      if (entry === undefined) {
        const cells = Array.from({ length: 6 }, () => h('td', {}));
        const cancel = h('button', { type: 'button', class: 'danger small', 'aria-label': `Cancel ${task.task} of ${task.owner}`, onclick: () => void this.#cancel(task) }, 'Cancel');
        const row = h('tr', { 'data-task-id': task.task_id, 'data-owner': task.owner }, ...cells, h('td', {}, cancel));
        entry = { row, cells };
        this.#rows.set(task.task_id, entry);
      }
      const values = [
        task.owner, task.task, task.status, String(task.priority), formatTime(task.queued_at),
        task.progress === undefined ? '' : `${Math.round(task.progress * 100)} %${task.message === undefined ? '' : ` ${task.message}`}`,
      ];
      values.forEach((value, i) => {
        const cell = entry.cells[i];
        if (cell !== undefined && cell.textContent !== value) cell.textContent = value;
      });
      // The server's order; a row is moved only when it is out of place (moving a node drops its focus).
      const at = this.#body.children[index] ?? null;
      if (at !== entry.row) this.#body.insertBefore(entry.row, at);
      index += 1;
    }
    for (const [id, entry] of this.#rows) {
      if (seen.has(id)) continue;
      if (entry.row.contains(document.activeElement)) this.#note.focus();
      entry.row.remove();
      this.#rows.delete(id);
    }
  }

  async #cancel(task: ActiveTask): Promise<void> {
    const api = this.#api;
    if (api === undefined) return;
    try {
      await api.cancel(task.task_id);
      this.#announce(`Cancelled ${task.task} of ${task.owner}.`);
    } catch (error) {
      this.#announce(`Could not cancel ${task.task} of ${task.owner}: ${callError(error).message}`);
    }
    await this.refresh();
  }
}
