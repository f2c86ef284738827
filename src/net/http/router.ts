/**
 * A small request router for HttpServer: method + path pattern (`/api/status`, `/api/flash/:id`), 404 for an
 * unknown path, 405 with `Allow` for a known path and another method (RFC 9110 §15.5.6), HEAD answered by the
 * GET route (§9.3.2; the response drops the body). Plus `readJsonBody`, a bounded JSON body reader.
 *
 *   const router = new Router();
 *   router.get('/api/flash/:id', ({ params }, response) => response.json(200, jobs.get(params.id)));
 *   new HttpServer({ …, handler: router.handler });
 */
import { EncodingError } from '../encoding/errors.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { HttpError } from './errors.js';
import type { HttpRequestHead } from './request-parser.js';
import type { RequestHandler, ServerRequest } from './server.js';
import type { ServerResponse } from './server-response.js';

/** What a route handler receives besides the response. */
export interface RouteContext {
  /** The request: read or discard its body here. */
  readonly request: ServerRequest;
  readonly head: HttpRequestHead;
  /** Values of the pattern's `:name` segments, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** Decoded query parameters. */
  readonly query: ReadonlyMap<string, string>;
}

/** Handles a routed request. Throwing (or rejecting with) an HttpError answers it with that status. */
export type RouteHandler = (context: RouteContext, response: ServerResponse) => void | Promise<void>;

interface Route {
  readonly method: string;
  readonly pattern: string;
  /** Literal segments, or `:name` for a parameter. */
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

/** A handler that gets the router's state first: it can live at module level, bound to an instance when it runs. */
export type BoundHandler<S> = (
  state: S,
  context: RouteContext,
  response: ServerResponse,
) => void | Promise<void>;

export interface BoundRoute<S> {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: BoundHandler<S>;
}

/**
 * A frozen table of routes for a module to keep at module level. On the device mcconfig preloads module-level objects
 * into flash, so a table costs no RAM however many routers use it (docs/device.md "Heap budget"), where routes added
 * one by one to each router cost a record and a closure apiece in the heap.
 */
export function routeTable<S>(
  routes: ReadonlyArray<readonly [method: string, pattern: string, handler: BoundHandler<S>]>,
): readonly BoundRoute<S>[] {
  return Object.freeze(
    routes.map(([method, pattern, handler]) => {
      if (pattern[0] !== '/') throw new RangeError(`route pattern "${pattern}" must start with "/"`);
      return Object.freeze({ method, pattern, segments: Object.freeze(splitPath(pattern)), handler });
    }),
  );
}

export class Router<S = undefined> {
  private readonly routes: Route[] = [];

  /** `table` is tried first, its handlers called with `state`; then the routes added to this router. */
  constructor(
    private readonly table: readonly BoundRoute<S>[] = [],
    private readonly state?: S,
  ) {}

  /**
   * Add a route. `pattern` starts with `/`; a segment `:name` matches any one non-empty segment. The first
   * matching route wins.
   */
  add(method: string, pattern: string, handler: RouteHandler): this {
    if (pattern[0] !== '/') throw new RangeError(`route pattern "${pattern}" must start with "/"`);
    this.routes.push({ method, pattern, segments: splitPath(pattern), handler });
    return this;
  }

  get(pattern: string, handler: RouteHandler): this {
    return this.add('GET', pattern, handler);
  }

  post(pattern: string, handler: RouteHandler): this {
    return this.add('POST', pattern, handler);
  }

  put(pattern: string, handler: RouteHandler): this {
    return this.add('PUT', pattern, handler);
  }

  delete(pattern: string, handler: RouteHandler): this {
    return this.add('DELETE', pattern, handler);
  }

  /** The HttpServer handler that dispatches to the routes. */
  readonly handler: RequestHandler = (request, response) => {
    const head = request.head;
    const segments = splitPath(head.path);
    const allowed: string[] = [];
    const routes: ReadonlyArray<BoundRoute<S> | Route> = this.table;
    for (let i = 0; i < routes.length + this.routes.length; i++) {
      const inTable = i < routes.length;
      const route = inTable ? routes[i]! : this.routes[i - routes.length]!;
      const params = match(route.segments, segments);
      if (!params) continue;
      if (route.method === head.method || (head.method === 'HEAD' && route.method === 'GET')) {
        const context: RouteContext = { request, head, params, query: head.query };
        const call = inTable
          ? () => (route as BoundRoute<S>).handler(this.state as S, context, response)
          : () => (route as Route).handler(context, response);
        return this.dispatch(route.method, route.pattern, context, response, call);
      }
      if (allowed.indexOf(route.method) < 0) allowed.push(route.method);
      if (route.method === 'GET' && allowed.indexOf('HEAD') < 0) allowed.push('HEAD');
    }
    if (allowed.length > 0) {
      response.json(
        405,
        {
          error: 'METHOD_NOT_ALLOWED',
          message: `${head.method} is not allowed on ${head.path}`,
          allow: allowed,
        },
        [['Allow', allowed.join(', ')]],
      );
      return;
    }
    response.json(404, { error: 'NOT_FOUND', message: `nothing at ${head.path}` });
  };

  /**
   * Run the matched route: `call` runs its handler. A subclass may check the request first (http-auth.ts guards
   * every state-changing route this way, without a wrapper per route).
   */
  protected dispatch(
    _method: string,
    _pattern: string,
    _context: RouteContext,
    _response: ServerResponse,
    call: () => void | Promise<void>,
  ): void | Promise<void> {
    return call();
  }
}

/** Default most bytes `readJsonBody` accepts. */
export const JSON_BODY_LIMIT = 8192;

/**
 * Collect the request body (at most `maxBytes`) and parse it as JSON (RFC 8259, UTF-8). Rejects with HttpError
 * BODY_TOO_LARGE (413) past the limit — before reading when Content-Length says so — and BAD_REQUEST (400) for
 * an empty body, bytes that are not UTF-8, or text that is not JSON.
 */
export function readJsonBody(request: ServerRequest, maxBytes = JSON_BODY_LIMIT): Promise<unknown> {
  const length = request.head.contentLength;
  if (length !== undefined && length > maxBytes) {
    return Promise.reject(
      new HttpError('BODY_TOO_LARGE', `JSON body of ${length} bytes is over the limit of ${maxBytes}`),
    );
  }
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    let total = 0;
    let failed = false;
    request.read({
      onData(chunk) {
        if (failed) return;
        total += chunk.length;
        if (total > maxBytes) {
          failed = true;
          parts.length = 0;
          reject(new HttpError('BODY_TOO_LARGE', `JSON body over the limit of ${maxBytes} bytes`));
          return;
        }
        parts.push(chunk.slice());
      },
      onEnd() {
        if (failed) return;
        try {
          resolve(parseJson(parts, total));
        } catch (error) {
          reject(error);
        }
      },
      onAbort(error) {
        if (!failed) reject(error);
        failed = true;
      },
    });
  });
}

function parseJson(parts: Uint8Array[], total: number): unknown {
  if (total === 0) throw new HttpError('BAD_REQUEST', 'empty body: a JSON value was expected');
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch (error) {
    if (error instanceof EncodingError) throw new HttpError('BAD_REQUEST', 'body is not UTF-8 text');
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError('BAD_REQUEST', `body is not valid JSON: ${(error as Error).message}`);
  }
}

/** `/a/b/` → ['a', 'b']: empty segments are ignored, so a trailing slash matches the same route. */
function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function match(pattern: readonly string[], path: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    if (want[0] === ':') params[want.slice(1)] = path[i]!;
    else if (want !== path[i]) return undefined;
  }
  return params;
}
