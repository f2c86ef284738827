/**
 * The admin password as the page meets it (api.md "Auth"): a state-changing request answered 401 opens the login
 * dialog; the password is POSTed to /api/login and the token it buys kept in sessionStorage (gone with the tab;
 * never the password itself). A banner warns while no admin password is set, and "Log out" forgets the token.
 */
import {
  ApiError,
  authHeaders,
  authToken,
  parseAnswer,
  type Status,
  setAuthRequired,
  setAuthToken,
  setLoginHandler,
} from './api.js';
import { byId, showMessage } from './dom.js';
import { onStatus } from './status.js';

/** The login in progress: every request that met a 401 meanwhile waits for the same one. */
let pending: Promise<void> | undefined;

export function startAuth(): void {
  const dialog = byId<HTMLDialogElement>('login-dialog');
  const form = byId<HTMLFormElement>('login-form');
  const password = byId<HTMLInputElement>('login-password');
  const message = byId('login-message');
  const banner = byId('auth-banner');
  const logout = byId<HTMLButtonElement>('logout');
  let settle: { resolve(): void; reject(error: Error): void } | undefined;

  const close = (error?: Error) => {
    dialog.close();
    password.value = '';
    const waiting = settle;
    settle = undefined;
    pending = undefined;
    if (error) waiting?.reject(error);
    else waiting?.resolve();
  };

  setLoginHandler(() => {
    pending ??= new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
      showMessage(message, '', 'error');
      dialog.showModal();
      password.focus();
    });
    return pending;
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const response = await fetch('/api/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ password: password.value }),
      });
      const answer = parseAnswer<{ token: string }>(response.status, await response.text());
      setAuthToken(answer.token);
      logout.hidden = false;
      close();
    } catch (error) {
      showMessage(message, loginFailure(error), 'error');
      password.select();
    }
  });
  byId('login-cancel').addEventListener('click', () => close(new Error('not logged in')));
  // Escape closes a modal dialog by itself (HTML "cancel" event): the waiting request gives up as with Cancel.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close(new Error('not logged in'));
  });

  logout.addEventListener('click', async () => {
    const headers = authHeaders();
    setAuthToken(null);
    logout.hidden = true;
    // Best effort: the server forgets the token; the page already has.
    await fetch('/api/logout', { method: 'POST', headers }).catch(() => undefined);
  });

  onStatus((status: Status) => {
    // A service without the field has no passwords at all (api.md: missing = { required: false }).
    const auth = status.auth ?? { required: false, loggedIn: false };
    setAuthRequired(auth.required);
    // A token the server no longer takes (expired, or the service restarted): forget it, log in when needed.
    if (auth.required && !auth.loggedIn && authToken()) setAuthToken(null);
    banner.hidden = auth.required;
    logout.hidden = !(auth.required && authToken());
  });
}

/** What to tell the user about a failed login. */
function loginFailure(error: unknown): string {
  if (!(error instanceof ApiError)) return `could not reach the device: ${(error as Error).message}`;
  if (error.code === 'BAD_PASSWORD') return 'Wrong password.';
  if (error.code === 'TOO_MANY_ATTEMPTS') {
    const retry = Number(error.body['retryAfterMs']);
    const seconds = Number.isFinite(retry) ? Math.ceil(retry / 1000) : 60;
    return `Too many attempts: try again in ${seconds} s.`;
  }
  return error.message;
}
