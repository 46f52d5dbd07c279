/** A tiny element builder: `h('button', {type: 'button', onclick}, 'Cancel')`. No framework (docs/web-app.md says why). */

export type Child = Node | string | number | null | undefined | false;
type Handler = (event: Event) => void;
export type Props = Readonly<Record<string, string | number | boolean | Handler | null | undefined>>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: readonly Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, ''), value);
    else if (key === 'class') el.className = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces the children of `parent`. */
export function fill(parent: Element, ...children: readonly Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** The element `#id` of index.html, checked to be a `type` (e.g. HTMLInputElement). */
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is missing from index.html or is not a ${type.name}`);
  return el;
}

/** Sets `hidden`; when that hides the focused element, focus moves to `fallback` (never lost to <body>). */
export function setHidden(el: HTMLElement, hidden: boolean, fallback?: HTMLElement): void {
  if (el.hidden === hidden) return;
  const hadFocus = hidden && el.contains(document.activeElement);
  el.hidden = hidden;
  if (hadFocus && fallback !== undefined) fallback.focus();
}
