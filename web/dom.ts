/** Small DOM helpers for the page: find an element that must exist, build elements, format numbers for people. */

/** The element with `id`; a missing one is a bug in index.html, so it throws rather than limping on. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no element #${id}`);
  return element as T;
}

/** A new element with a class and text. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = '',
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** Set a status line's text and its look: '' (neutral), 'ok' or 'error'. */
export function showMessage(target: HTMLElement, text: string, kind: '' | 'ok' | 'error' = ''): void {
  target.textContent = text;
  target.className = kind ? `message ${kind}` : 'message';
}

/** 850 → "850 ms", 2186.6 → "2.19 s". */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
