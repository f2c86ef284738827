/**
 * Pages: one section shown at a time, chosen by the address's fragment (#status, #flash, #terminal, #settings), so
 * the browser's back button and a bookmark work, and the tab links are ordinary links for the keyboard.
 */

const PAGES = ['status', 'flash', 'terminal', 'settings'];

function show(): void {
  const wanted = location.hash.slice(1);
  const page = PAGES.includes(wanted) ? wanted : 'status';
  for (const section of document.querySelectorAll<HTMLElement>('[data-page]')) {
    section.hidden = section.dataset['page'] !== page;
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>('#tabs a')) {
    if (link.hash === `#${page}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

export function startNav(): void {
  window.addEventListener('hashchange', show);
  show();
}
