import { RemoteError } from './errors.js';
import type { RemoteHost } from './host.js';
import { type ServerSentEvent, SseParser } from './sse.js';

/** How long a plain JSON request may take, in ms (an upload with wait=0 answers once the image is received). */
export const REQUEST_TIMEOUT_MS = 30_000;

/** A successful answer: status and parsed JSON body. */
export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export interface RequestOptions {
  /** JSON-encoded unless it is bytes. */
  body?: unknown;
  /** Statuses besides 2xx that are answers, not errors (e.g. 500 for a failed flash job with its JobRecord). */
  accept?: readonly number[];
  timeoutMs?: number;
}

/**
 * `Authorization: Basic base64("admin:" + password)` (RFC 7617) when the host carries the admin password; the
 * service remembers a password that passed, so sending it on every request costs one slow check, not one each.
 */
export function authHeaders(host: RemoteHost): Record<string, string> {
  if (host.password === undefined) return {};
  return { authorization: `Basic ${Buffer.from(`admin:${host.password}`, 'utf8').toString('base64')}` };
}

/** A client for the JSON endpoints and the event stream of one airboot service (Node's global fetch). */
export class ApiClient {
  constructor(readonly host: RemoteHost) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path).then((answer) => answer.body);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body }).then((answer) => answer.body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body }).then((answer) => answer.body);
  }

  /**
   * One request. Rejects with RemoteError: REMOTE_UNREACHABLE (no connection, or it broke), REMOTE_BUSY (409),
   * REMOTE_INVALID (400, 413, 431: the request was refused as wrong), REMOTE_HTTP (any other status),
   * REMOTE_PROTOCOL (the body is not JSON).
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
    const url = this.host.baseUrl + path;
    const init: RequestInit = {
      method,
      signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS),
      headers: { accept: 'application/json', ...authHeaders(this.host) },
    };
    if (options.body instanceof Uint8Array) {
      init.body = options.body;
      init.headers = { ...init.headers, 'content-type': 'application/octet-stream' };
    } else if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      init.headers = { ...init.headers, 'content-type': 'application/json' };
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, init);
      text = await response.text();
    } catch (error) {
      throw this.unreachable(error);
    }
    const body = parseJson(text);
    const ok = (response.status >= 200 && response.status < 300) || options.accept?.includes(response.status);
    if (ok) {
      if (body === undefined) {
        throw new RemoteError(
          'REMOTE_PROTOCOL',
          `${method} ${url} answered ${response.status} with a body that is not JSON: ${excerpt(text)}`,
          this.host.baseUrl,
          response.status,
        );
      }
      return { status: response.status, body: body as T };
    }
    throw this.refused(method, path, response.status, body, text);
  }

  /**
   * Follow the Server-Sent Events at `path` until `onEvent` returns true ("done"), the service closes the stream,
   * or `signal` aborts. Resolves once the stream is open (`opened`) and again when it ends (`ended`), so a caller
   * can start the operation it wants to watch only after it is listening and miss nothing.
   */
  async events(
    path: string,
    onEvent: (event: ServerSentEvent) => boolean,
    signal: AbortSignal,
  ): Promise<{ ended: Promise<void> }> {
    const url = this.host.baseUrl + path;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'text/event-stream', ...authHeaders(this.host) },
        signal,
      });
    } catch (error) {
      throw this.unreachable(error);
    }
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      throw this.refused('GET', path, response.status, parseJson(text), text);
    }
    const body = response.body;
    const ended = (async () => {
      const reader = body.getReader();
      const decoder = new TextDecoder();
      let done = false;
      const parser = new SseParser((event) => {
        if (!done && onEvent(event)) done = true;
      });
      try {
        while (!done) {
          const chunk = await reader.read();
          if (chunk.done) return;
          parser.push(decoder.decode(chunk.value, { stream: true }));
        }
      } catch (error) {
        if (signal.aborted) return;
        throw this.unreachable(error);
      } finally {
        await reader.cancel().catch(() => undefined);
      }
    })();
    return { ended };
  }

  /** The error for a request that never got an answer. */
  unreachable(error: unknown): RemoteError {
    const reason = networkReason(error);
    return new RemoteError(
      'REMOTE_UNREACHABLE',
      `cannot reach airboot at ${this.host.baseUrl}: ${reason} — is the service running? try \`airboot discover\``,
      this.host.baseUrl,
    );
  }

  private refused(method: string, path: string, status: number, body: unknown, text: string): RemoteError {
    const detail = errorBody(body);
    let what = detail ? `${detail.message}${detail.error ? ` (${detail.error})` : ''}` : excerpt(text);
    if (status === 401) {
      what +=
        this.host.password === undefined
          ? ' — give the admin password: --password or the AIRBOOT_PASSWORD environment variable'
          : ' — the password given (--password or AIRBOOT_PASSWORD) is wrong';
    }
    const code =
      status === 409 ? 'REMOTE_BUSY' : [400, 413, 431].includes(status) ? 'REMOTE_INVALID' : 'REMOTE_HTTP';
    return new RemoteError(
      code,
      `${method} ${path} on ${this.host.baseUrl} answered ${status}: ${what}`,
      this.host.baseUrl,
      status,
      body,
    );
  }
}

/** `{ error, message }` of an error answer, when the body has that shape. */
export function errorBody(body: unknown): { error: string | undefined; message: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, message } = body as { error?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  return { error: typeof error === 'string' ? error : undefined, message };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

/** Why fetch failed, in words: undici puts the socket's errno in `cause.code`. */
export function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'no answer in time';
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (error as { code?: unknown })?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'no such host (for name.local, mDNS must work on this machine)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 'the connection was cut';
    default: {
      // fetch refuses some ports outright (WHATWG Fetch §2.9 "bad port": 1, 6000, 6665–6669, …).
      if (cause?.message === 'bad port')
        return 'fetch refuses to connect to this port (a "bad port"); use another one';
      const message =
        typeof cause?.message === 'string' ? cause.message : String((error as Error)?.message ?? error);
      return typeof code === 'string' ? `${message} (${code})` : message;
    }
  }
}
