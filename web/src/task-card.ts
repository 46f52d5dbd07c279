/**
 * One task as a card, built once and updated in place on every event (so a focused Cancel button
 * keeps its focus while the progress moves): status, progress bar, latest message, the steps of a
 * multi-task, duration, result (pretty JSON, download buttons for files), error with code, exit code
 * and stderr tail.
 */
import { formatDuration, formatTime, prettyJson, secondsBetween } from './format.ts';
import { h, fill, setHidden } from './dom.ts';
import { isTerminal, resultFiles, type TaskView } from './store.ts';

export interface CardHooks {
  readonly cancel: (taskId: string) => Promise<void>;
  readonly download: (path: string) => Promise<void>;
  /** Owner shown on the card (admin lists), if known. */
  readonly owner?: string;
}

const STATUS_LABEL: Readonly<Record<string, string>> = {
  queued: 'queued', started: 'running', progress: 'running', success: 'succeeded', error: 'failed', cancelled: 'cancelled', timeout: 'timed out',
};

export function statusLabel(status: string): string {
  return STATUS_LABEL[status] ?? status;
}

export class TaskCard {
  readonly element: HTMLElement;
  readonly #hooks: CardHooks;
  readonly #title: HTMLElement;
  readonly #badge = h('span', { class: 'badge' });
  readonly #meta = h('p', { class: 'meta' });
  readonly #params = h('p', { class: 'meta params', hidden: true });
  readonly #bar = h('progress', { max: '1', value: '0' });
  readonly #barText = h('span', { class: 'bar-text' });
  readonly #barRow: HTMLElement;
  readonly #message = h('p', { class: 'message', hidden: true });
  readonly #steps = h('ol', { class: 'steps' });
  readonly #stepsBox: HTMLDetailsElement;
  readonly #stepsSummary = h('summary', {});
  readonly #error = h('div', { class: 'error-box', hidden: true });
  readonly #result = h('div', { class: 'result', hidden: true });
  readonly #cancel: HTMLButtonElement;
  readonly #cancelNote = h('span', { class: 'help', role: 'status' });
  #view: TaskView | undefined;
  #shownFiles = '';

  constructor(view: TaskView, hooks: CardHooks) {
    this.#hooks = hooks;
    this.#title = h('h3', { tabindex: '-1' }, view.task);
    this.#barRow = h('div', { class: 'bar-row' }, this.#bar, this.#barText);
    this.#stepsBox = h('details', { class: 'steps-box', hidden: true }, this.#stepsSummary, this.#steps);
    this.#cancel = h('button', { type: 'button', class: 'danger', onclick: () => { this.#onCancel(); } }, 'Cancel');
    this.element = h('article', { class: 'task-card', 'data-task-id': view.id, 'data-task': view.task, 'aria-labelledby': `t-${view.id}` },
      h('header', {}, this.#title, this.#badge),
      this.#meta, this.#params, this.#barRow, this.#message, this.#stepsBox, this.#error, this.#result,
      h('div', { class: 'actions' }, this.#cancel, this.#cancelNote));
    this.#title.id = `t-${view.id}`;
    this.update(view);
  }

  setParams(params: Readonly<Record<string, unknown>>): void {
    const text = Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    this.#params.textContent = text === '' ? '' : `params: ${text}`;
    this.#params.hidden = text === '';
  }

  update(view: TaskView, now: Date = new Date()): void {
    this.#view = view;
    const el = this.element;
    el.dataset['status'] = view.status;
    this.#badge.textContent = statusLabel(view.status);
    this.#badge.className = `badge badge-${view.status === 'progress' ? 'started' : view.status}`;
    const started = view.startedAt ?? view.queuedAt;
    const elapsed = view.duration ?? (!isTerminal(view.status) && view.startedAt !== undefined ? secondsBetween(view.startedAt, now) : undefined);
    fill(this.#meta,
      h('code', { title: view.id }, view.id.slice(0, 8)),
      this.#hooks.owner === undefined ? null : ` · ${this.#hooks.owner}`,
      started === undefined ? null : ` · ${view.startedAt === undefined ? 'queued' : 'started'} ${formatTime(started)}`,
      isTerminal(view.status) ? ` · ended ${formatTime(view.at)}` : null,
      elapsed === undefined ? null : h('span', { class: 'duration' }, ` · ${isTerminal(view.status) ? 'took' : 'running for'} ${formatDuration(elapsed)}`));

    const running = view.status === 'started' || view.status === 'progress';
    const showBar = running || view.status === 'queued'; // a finished task's badge says enough
    this.#barRow.hidden = !showBar;
    if (view.progress !== undefined || isTerminal(view.status)) {
      const value = view.status === 'success' ? 1 : (view.progress ?? 0);
      this.#bar.value = value;
      this.#barText.textContent = `${Math.round(value * 100)} %`;
    } else {
      this.#bar.removeAttribute('value'); // indeterminate while queued or running without progress reports
      this.#barText.textContent = view.status === 'queued' ? 'waiting' : '';
    }
    this.#bar.setAttribute('aria-label', `progress of ${view.task}`);

    this.#message.textContent = view.message ?? '';
    this.#message.hidden = view.message === undefined || view.steps.length > 1;
    if (view.steps.length > 1 || (view.steps.length === 1 && isTerminal(view.status))) {
      this.#stepsBox.hidden = false;
      this.#stepsSummary.textContent = `Steps (${view.steps.length})${view.message === undefined ? '' : `: ${view.message}`}`;
      for (let i = this.#steps.children.length; i < view.steps.length; i++) {
        const step = view.steps[i];
        if (step !== undefined) this.#steps.append(h('li', {}, h('span', { class: 'meta' }, `${formatTime(step.at)} · ${Math.round(step.progress * 100)} % · `), step.message));
      }
    }
    this.#renderError(view);
    this.#renderResult(view);
    setHidden(this.#cancel, isTerminal(view.status), this.#title);
    if (isTerminal(view.status)) this.#cancelNote.textContent = '';
  }

  /** Refreshes the elapsed time of a running task. */
  tick(now: Date): void {
    if (this.#view !== undefined && !isTerminal(this.#view.status)) this.update(this.#view, now);
  }

  #renderError(view: TaskView): void {
    const failed = view.status === 'error' || view.status === 'timeout' || view.status === 'cancelled';
    if (!failed) {
      this.#error.hidden = true;
      return;
    }
    const err = view.error;
    const text = err?.message ?? (view.status === 'timeout' ? 'The task ran longer than its time limit and was stopped.' : 'The task was cancelled.');
    fill(this.#error,
      h('p', {}, err === undefined ? null : h('strong', { class: 'code' }, err.code), err === undefined ? null : ' ', text),
      err?.exit_code === undefined ? null : h('p', {}, `exit code ${err.exit_code}`),
      err?.stderr_tail === undefined || err.stderr_tail === '' ? null
        : h('details', { open: true }, h('summary', {}, 'stderr (last lines)'), h('pre', { class: 'stderr', tabindex: '0' }, err.stderr_tail)));
    this.#error.hidden = false;
    this.#error.className = `error-box ${view.status === 'cancelled' ? 'quiet' : ''}`;
  }

  #renderResult(view: TaskView): void {
    if (view.status !== 'success' || !view.hasResult) {
      this.#result.hidden = true;
      return;
    }
    const files = resultFiles(view.result);
    const key = `${files.join('\n')}|${prettyJson(view.result)}`;
    if (key === this.#shownFiles) return;
    this.#shownFiles = key;
    const json = prettyJson(view.result);
    fill(this.#result,
      files.length === 0 ? null : h('ul', { class: 'downloads' }, ...files.map((path) => h('li', {},
        h('button', { type: 'button', class: 'link', onclick: (event) => { this.#onDownload(path, event); } }, `Download ${path}`)))),
      view.result === null ? h('p', { class: 'help' }, 'Succeeded (no result).')
        : h('details', { open: files.length === 0 }, h('summary', {}, 'Result'), h('pre', { class: 'json', tabindex: '0' }, json)));
    this.#result.hidden = false;
  }

  #onCancel(): void {
    const view = this.#view;
    if (view === undefined) return;
    this.#cancel.disabled = true;
    this.#cancelNote.textContent = 'Cancelling…';
    this.#hooks.cancel(view.id).then(() => {
      this.#cancelNote.textContent = '';
    }, (error: unknown) => {
      this.#cancelNote.textContent = `Cancel failed: ${(error as { message?: string }).message ?? String(error)}`;
    }).finally(() => {
      this.#cancel.disabled = false;
    });
  }

  #onDownload(path: string, event: Event): void {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    this.#hooks.download(path).catch((error: unknown) => {
      this.#cancelNote.textContent = `Download failed: ${(error as { message?: string }).message ?? String(error)}`;
    }).finally(() => {
      button.disabled = false;
    });
  }
}
