/**
 * The HTTP side of the admin password (contract: /work/notes/api.md, "Added 2026-11-23"):
 *
 * - CSRF, password or not: a state-changing request (any method but GET/HEAD/OPTIONS) or a WebSocket upgrade whose
 *   `Origin` header is present and names another host than `Host` is refused 403 CROSS_ORIGIN. Browsers send Origin
 *   on every cross-site POST/PUT/DELETE and on WebSocket handshakes (RFC 6454 §7, RFC 6455 §4.1), and a page cannot
 *   forge it; curl and the CLI send none. So another site's page can neither post a form to the device nor open
 *   the terminal, even when no password is set.
 * - With an admin password: state-changing requests need `Authorization: Bearer <token>` (POST /api/login) or
 *   `Authorization: Basic base64("admin:" + password)` (any user name is accepted; the password is what counts),
 *   else 401 AUTH_REQUIRED; the WebSocket terminal takes `?token=` (browsers cannot set headers on a WebSocket).
 *   No `WWW-Authenticate: Basic` is ever sent: a browser would then remember the credentials and attach them to
 *   requests other sites trigger.
 * - A wrong password counts toward the back-off (auth-guard.ts): 429 TOO_MANY_ATTEMPTS with `Retry-After`.
 *
 * `GuardedRouter` applies this to every route it holds, so a route added later is guarded too.
 */

import { decodeBase64 } from '../net/encoding/base64.js';
import { decodeUtf8 } from '../net/encoding/utf8.js';
import type { HttpRequestHead } from '../net/http/request-parser.js';
import { type BoundRoute, type RouteContext, Router } from '../net/http/router.js';
import type { ServerResponse } from '../net/http/server-response.js';
import type { AuthGuard, PasswordCheck } from './auth-guard.js';

/** Paths reachable without credentials even when they change state (they are how one gets credentials). */
const OPEN_PATHS = ['/api/login', '/api/logout'];

/** What a request carried: nothing, a token, or a password (Basic). */
export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'password'; readonly password: string }
  | { readonly kind: 'malformed' };

/** Whether the method can change state (RFC 9110 §9.2.1: only GET, HEAD, OPTIONS and TRACE are safe). */
export function isStateChanging(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

/** Whether the request asks to become a WebSocket (RFC 6455 §4.2.1). */
export function isWebSocketUpgrade(head: HttpRequestHead): boolean {
  return (head.headers.get('upgrade') ?? '').toLowerCase() === 'websocket';
}

/**
 * Whether `Origin` is present and names another host than `Host` (RFC 6454 §7 serializes an origin as
 * scheme://host[:port], omitting the scheme's default port, as Host does — RFC 9110 §7.2). `Origin: null` (a
 * sandboxed or file: page) never matches.
 */
export function isCrossOrigin(head: HttpRequestHead): boolean {
  const origin = head.headers.get('origin');
  if (origin === undefined) return false;
  const match = /^(https?):\/\/([^/]+)$/i.exec(origin.trim());
  if (!match) return true;
  const scheme = match[1]!.toLowerCase();
  const defaultPort = scheme === 'https' ? ':443' : ':80';
  const host = (head.headers.get('host') ?? '').trim().toLowerCase();
  const strip = (authority: string) =>
    authority.endsWith(defaultPort) ? authority.slice(0, -defaultPort.length) : authority;
  return host === '' || strip(match[2]!.toLowerCase()) !== strip(host);
}

/** Credentials from `Authorization` (Bearer or Basic), else `?token=` for a WebSocket upgrade. */
export function requestCredentials(head: HttpRequestHead, query: ReadonlyMap<string, string>): Credentials {
  const header = head.headers.get('authorization');
  if (header !== undefined) {
    const match = /^([A-Za-z]+) +(\S+) *$/.exec(header);
    if (!match) return { kind: 'malformed' };
    const scheme = match[1]!.toLowerCase();
    if (scheme === 'bearer') return { kind: 'token', token: match[2]! };
    if (scheme !== 'basic') return { kind: 'malformed' };
    // RFC 7617 §2: base64(user-id ":" password), UTF-8 (§2.1).
    let text: string;
    try {
      text = decodeUtf8(decodeBase64(match[2]!));
    } catch {
      return { kind: 'malformed' };
    }
    const colon = text.indexOf(':');
    if (colon < 0) return { kind: 'malformed' };
    return { kind: 'password', password: text.slice(colon + 1) };
  }
  const token = query.get('token');
  if (token !== undefined && isWebSocketUpgrade(head)) return { kind: 'token', token };
  return { kind: 'none' };
}

/**
 * Check what the request carried: 'ok' (valid), 'none' (nothing or not valid), or a back-off answer. Basic
 * credentials go through the back-off; a token is only looked up.
 */
export async function checkCredentials(
  guard: AuthGuard,
  credentials: Credentials,
  remote: string,
): Promise<'ok' | 'bad' | PasswordCheck> {
  if (credentials.kind === 'token') return guard.checkToken(credentials.token) ? 'ok' : 'bad';
  if (credentials.kind === 'password') {
    const check = await guard.checkPassword(credentials.password, remote);
    return check.ok ? 'ok' : check;
  }
  return 'bad';
}

/** 429 with Retry-After in whole seconds (RFC 6585 §4, RFC 9110 §10.2.3). */
export function tooManyAttempts(
  response: ServerResponse,
  retryAfterMs: number,
  extra: [string, string][] = [],
): void {
  response.json(
    429,
    {
      error: 'TOO_MANY_ATTEMPTS',
      message: `too many wrong passwords; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
      retryAfterMs,
    },
    [['Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000)))], ...extra],
  );
}

/**
 * A Router whose every route — of its table and added later — first passes the CSRF check and, with a password set,
 * the credential check.
 */
export class GuardedRouter<S = undefined> extends Router<S> {
  constructor(
    private readonly guard: AuthGuard | undefined,
    table?: readonly BoundRoute<S>[],
    state?: S,
  ) {
    super(table, state);
  }

  protected override async dispatch(
    method: string,
    pattern: string,
    context: RouteContext,
    response: ServerResponse,
    handler: () => void | Promise<void>,
  ): Promise<void> {
    const head = context.head;
    const upgrade = isWebSocketUpgrade(head);
    if (!isStateChanging(head.method) && !upgrade) return handler();
    // A refused request may have a body (an image upload): close instead of reading it all.
    const closing: [string, string][] =
      head.chunked || (head.contentLength ?? 0) > 0 ? [['Connection', 'close']] : [];
    if (isCrossOrigin(head)) {
      response.json(
        403,
        {
          error: 'CROSS_ORIGIN',
          message: `refused: the request came from a page of ${head.headers.get('origin')}, not of this service`,
        },
        closing,
      );
      return;
    }
    const guard = this.guard;
    if (!guard?.required || (method !== 'GET' && OPEN_PATHS.indexOf(pattern) >= 0)) {
      return handler();
    }
    const result = await checkCredentials(
      guard,
      requestCredentials(head, context.query),
      context.request.remoteAddress,
    );
    if (result === 'ok') return handler();
    if (result !== 'bad' && !result.ok && result.reason === 'TOO_MANY_ATTEMPTS') {
      tooManyAttempts(response, result.retryAfterMs, closing);
      return;
    }
    const wrong = result !== 'bad';
    response.json(
      401,
      {
        error: 'AUTH_REQUIRED',
        message: wrong
          ? 'wrong password'
          : upgrade
            ? 'an admin password is set: log in (POST /api/login) and open /ws/serial?token=<token>'
            : 'an admin password is set: send Authorization: Bearer <token> (POST /api/login) or Basic (curl -u admin:PASSWORD)',
      },
      closing,
    );
  }
}
