/**
 * The form of one task, generated from its params schema (web/src/schema.ts): one labelled widget
 * per field, help text from the description, errors next to the field (aria-invalid,
 * aria-describedby), and for paths of the files folder a list of existing files and an upload button.
 */
import { h, type Child } from './dom.ts';
import { constraintText, fieldsOf, initialRaw, issuesByField, validateForm, type FieldSpec, type RawValue } from './schema.ts';
import { callError, type TaskInfo } from './api.ts';

export interface FormHooks {
  /** Datalist id with the files of the files folder (for file fields). */
  readonly filesListId: string;
  readonly foldersListId: string;
  /** Uploads a file chosen for a field; resolves with its path in the files folder. */
  readonly upload: (file: File) => Promise<string>;
  readonly submit: (task: string, params: Record<string, unknown>) => Promise<void>;
}

interface Widget {
  readonly spec: FieldSpec;
  readonly read: () => RawValue;
  readonly focusTarget: HTMLElement;
  readonly setInvalid: (invalid: boolean) => void;
  readonly error: HTMLElement;
}

function fieldId(name: string): string {
  return `param-${name}`;
}

function labelText(spec: FieldSpec): Child[] {
  return [spec.name.replace(/_/g, ' '), spec.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : ' (optional)'];
}

function textWidget(spec: FieldSpec, hooks: FormHooks, describedBy: string, status: (text: string) => void): { control: HTMLElement; input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement; extra?: HTMLElement } {
  const id = fieldId(spec.name);
  const initial = initialRaw(spec);
  const common = { id, name: spec.name, 'aria-describedby': describedBy, 'aria-required': spec.required ? 'true' : undefined };
  if (spec.kind === 'enum') {
    const select = h('select', common,
      spec.required && spec.default === undefined ? h('option', { value: '' }, '— choose —') : spec.required ? null : h('option', { value: '' }, '(default)'),
      ...(spec.options ?? []).map((option) => h('option', { value: option, selected: option === initial }, option)));
    return { control: select, input: select };
  }
  if (spec.kind === 'json' || spec.kind === 'string-list') {
    const area = h('textarea', { ...common, rows: spec.kind === 'json' ? 4 : 3, spellcheck: 'false' });
    area.value = typeof initial === 'string' ? initial : '';
    return { control: area, input: area };
  }
  const numeric = spec.kind === 'number' || spec.kind === 'integer';
  const input = h('input', {
    ...common, type: 'text', autocomplete: 'off', spellcheck: 'false',
    inputmode: spec.kind === 'integer' ? 'numeric' : numeric ? 'decimal' : undefined,
    maxlength: spec.maxLength, list: spec.file === 'folder' ? hooks.foldersListId : spec.file !== undefined ? hooks.filesListId : undefined,
  });
  input.value = typeof initial === 'string' ? initial : '';
  if (spec.file !== 'input') return { control: input, input };
  // An existing file, or one uploaded now (it lands in the root of the files folder).
  const picker = h('input', { type: 'file', class: 'visually-hidden', id: `${id}-upload`, accept: spec.accept?.join(','), tabindex: '-1', 'aria-label': `Upload a file for ${spec.name}` });
  const button = h('button', { type: 'button', class: 'secondary', 'aria-controls': id, 'aria-label': `Upload a file for ${spec.name}`, onclick: () => { picker.click(); } }, 'Upload…');
  picker.addEventListener('change', () => {
    const file = picker.files?.[0];
    if (file === undefined) return;
    button.disabled = true;
    status(`Uploading ${file.name}…`);
    hooks.upload(file).then((path) => {
      input.value = path;
      status(`Uploaded ${path}.`);
      input.focus();
    }, (error: unknown) => {
      status(`Upload failed: ${error instanceof Error ? error.message : String(error)}`);
    }).finally(() => {
      button.disabled = false;
      picker.value = '';
    });
  });
  const extra = h('span', { class: 'upload' }, button, picker);
  return { control: h('div', { class: 'file-row' }, input, extra), input, extra };
}

function buildWidget(spec: FieldSpec, hooks: FormHooks): { element: HTMLElement; widget: Widget } {
  const id = fieldId(spec.name);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const hint = constraintText(spec);
  const help = spec.description !== undefined || hint !== undefined
    ? h('p', { class: 'help', id: helpId }, [spec.description, hint].filter((t) => t !== undefined).join(' — '))
    : null;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const uploadStatus = h('p', { class: 'help', role: 'status', id: `${id}-upload-status` });
  const describedBy = [help === null ? undefined : helpId, errorId].filter((t) => t !== undefined).join(' ');

  if (spec.kind === 'boolean') {
    const box = h('input', { type: 'checkbox', id, name: spec.name, 'aria-describedby': describedBy, checked: initialRaw(spec) === true });
    const element = h('div', { class: 'field field-check' }, h('div', { class: 'check-row' }, box, h('label', { for: id }, spec.name.replace(/_/g, ' '))), help, error);
    return { element, widget: { spec, read: () => box.checked, focusTarget: box, setInvalid: (bad) => box.toggleAttribute('aria-invalid', bad), error } };
  }
  if (spec.kind === 'enum-list') {
    const initial = initialRaw(spec);
    const boxes = (spec.options ?? []).map((option) => h('input', { type: 'checkbox', id: `${id}-${option}`, value: option, checked: Array.isArray(initial) && (initial as readonly string[]).includes(option) }));
    const group = h('fieldset', { class: 'field', id, 'aria-describedby': describedBy },
      h('legend', {}, ...labelText(spec)), help,
      h('div', { class: 'options' }, ...boxes.map((box) => h('span', { class: 'check-row' }, box, h('label', { for: box.id }, box.value)))),
      error);
    const first = boxes[0] ?? group;
    return {
      element: group,
      widget: { spec, read: () => boxes.filter((b) => b.checked).map((b) => b.value), focusTarget: first, setInvalid: (bad) => group.toggleAttribute('aria-invalid', bad), error },
    };
  }
  const { control, input } = textWidget(spec, hooks, describedBy, (text) => {
    uploadStatus.textContent = text;
  });
  const element = h('div', { class: 'field' }, h('label', { for: id }, ...labelText(spec)), control, help, spec.file === 'input' ? uploadStatus : null, error);
  return {
    element,
    widget: {
      spec, read: () => input.value, focusTarget: input, error,
      setInvalid: (bad) => {
        if (bad) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
      },
    },
  };
}

/** Builds the form of `task`; the caller inserts it. */
export function taskForm(task: TaskInfo, hooks: FormHooks): HTMLFormElement {
  const specs = fieldsOf(task.params);
  const built = specs.map((spec) => buildWidget(spec, hooks));
  const widgets = built.map((b) => b.widget);
  const formError = h('div', { class: 'form-error', role: 'alert', id: `form-error-${task.name}`, hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, `Run ${task.name}`);
  const sent = h('p', { class: 'help', role: 'status', id: 'form-sent' });

  const showIssues = (byField: ReadonlyMap<string, readonly string[]>): void => {
    let first: HTMLElement | undefined;
    for (const widget of widgets) {
      const messages = byField.get(widget.spec.name);
      widget.error.textContent = messages === undefined ? '' : messages.join('; ');
      widget.error.hidden = messages === undefined;
      widget.setInvalid(messages !== undefined);
      if (messages !== undefined) first ??= widget.focusTarget;
    }
    const general = byField.get('');
    formError.textContent = general === undefined ? (first === undefined ? '' : 'Please correct the marked fields.') : general.join('; ');
    formError.hidden = formError.textContent === '';
    first?.focus();
  };

  const form = h('form', { class: 'task-form', novalidate: true, 'aria-label': `Parameters of ${task.name}` },
    ...built.map((b) => b.element),
    specs.length === 0 ? h('p', { class: 'help' }, 'This task has no parameters.') : null,
    formError,
    h('div', { class: 'actions' }, submit),
    sent);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const raws: Record<string, RawValue> = {};
    for (const widget of widgets) raws[widget.spec.name] = widget.read();
    const { params, issues } = validateForm(specs, raws);
    sent.textContent = '';
    if (issues.length > 0) {
      showIssues(new Map(issues.map((issue) => [issue.field, [issue.message]])));
      return;
    }
    showIssues(new Map());
    submit.disabled = true;
    hooks.submit(task.name, params).then(() => {
      sent.textContent = `${task.name} submitted.`;
    }, (error: unknown) => {
      const err = callError(error);
      if (err.uri.endsWith('.error.invalid_params')) {
        const byField = issuesByField(err.kwargs, specs.map((s) => s.name));
        if (byField.size === 0) byField.set('', [err.message]);
        showIssues(byField);
      } else {
        showIssues(new Map([['', [err.message]]]));
      }
    }).finally(() => {
      submit.disabled = false;
    });
  });
  return form;
}
