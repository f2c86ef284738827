/**
 * Serving the web UI's built files (dist/web: index.html, app.js, style.css) from an AssetStore: the Node store
 * reads them from disk (platform/node/web-assets.ts), the device's store will read them from its resources.
 *
 * Encoding: a store keeps each file once, gzipped where that is smaller (`gzip: true`), and the device has no
 * gunzip. So a gzipped asset is always sent as `Content-Encoding: gzip`: to a request without Accept-Encoding
 * (any coding is then acceptable, RFC 9110 §12.5.3) and to one that accepts gzip. A request whose Accept-Encoding
 * rules gzip out gets 406 with a short explanation rather than bytes it cannot read; every browser sends
 * `Accept-Encoding: gzip`, so in practice only hand-made requests meet this.
 *
 * Caching: `Cache-Control: no-cache` (a browser revalidates each load, so a new build shows at once) with an
 * ETag from a hash of the stored bytes; a matching If-None-Match answers 304 without the body (RFC 9110 §13.1.2).
 *
 * Mount it in front of the API router:
 *
 *   handler: (request, response) => serveStatic(assets, request.head, response) || router.handler(request, response)
 */
import { listElements } from '../net/http/field-syntax.js';
import type { HttpRequestHead } from '../net/http/request-parser.js';
import type { RequestHandler } from '../net/http/server.js';
import type { ServerResponse } from '../net/http/server-response.js';

/** One stored file. */
export interface Asset {
  /** The bytes as stored: gzipped when `gzip` is true. */
  body: Uint8Array;
  /** The Content-Type, e.g. `text/html; charset=utf-8`. */
  type: string;
  /** Whether `body` is gzip-coded (sent with `Content-Encoding: gzip`). */
  gzip: boolean;
  /** A strong validator (a quoted string) when the store knows one; otherwise serveStatic hashes `body` once. */
  etag?: string;
}

/** Where the web UI's files come from. Paths are request paths: `/index.html`, `/app.js`, `/style.css`. */
export interface AssetStore {
  get(path: string): Asset | undefined;
}

/** The path `/` stands for. */
export const INDEX_PATH = '/index.html';

/** Content types by file extension, for stores that know only file names. */
export const ASSET_TYPES: Readonly<Record<string, string>> = Object.freeze({
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  json: 'application/json',
});

/** The Content-Type for a file name by its extension; `application/octet-stream` when unknown. */
export function assetType(name: string): string {
  const dot = name.lastIndexOf('.');
  return (
    (dot >= 0 ? ASSET_TYPES[name.slice(dot + 1).toLowerCase()] : undefined) ?? 'application/octet-stream'
  );
}

/** ETags already computed, per stored body: a store that reloads a file hands out a new body, so a new tag. */
const etags = new WeakMap<Uint8Array, string>();

/** `"<FNV-1a 32-bit of the bytes>-<length>"`: cheap to compute once on the device, changes with any rebuild. */
export function assetEtag(asset: Asset): string {
  if (asset.etag !== undefined) return asset.etag;
  let tag = etags.get(asset.body);
  if (tag === undefined) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < asset.body.length; i++) {
      hash ^= asset.body[i]!;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    tag = `"${hash.toString(16).padStart(8, '0')}-${asset.body.length.toString(16)}"`;
    etags.set(asset.body, tag);
  }
  return tag;
}

/**
 * Whether gzip is an acceptable content coding (RFC 9110 §12.5.3): yes without the field, yes when `gzip` (or
 * `x-gzip`, or `*`) is listed with a q-value above 0.
 */
export function acceptsGzip(head: HttpRequestHead): boolean {
  const field = head.headers.get('accept-encoding');
  if (field === undefined) return true;
  let wildcard: boolean | undefined;
  for (const element of listElements(field)) {
    const [coding = '', ...parameters] = element.split(';').map((part) => part.trim());
    const q = qValue(parameters);
    const name = coding.toLowerCase();
    if (name === 'gzip' || name === 'x-gzip') return q > 0;
    if (name === '*') wildcard = q > 0;
  }
  return wildcard ?? false;
}

function qValue(parameters: string[]): number {
  for (const parameter of parameters) {
    const match = /^q\s*=\s*([0-9.]+)$/i.exec(parameter);
    if (match) return Number(match[1]);
  }
  return 1;
}

/** If-None-Match against our tag, by weak comparison (RFC 9110 §13.1.2: `W/` prefixes are ignored). */
function matchesEtag(head: HttpRequestHead, etag: string): boolean {
  const field = head.headers.get('if-none-match');
  if (field === undefined) return false;
  if (field.trim() === '*') return true;
  // Not listElements: that lower-cases, and entity-tags compare case-sensitively.
  for (const element of field.split(',')) {
    if (element.trim().replace(/^W\//, '') === etag) return true;
  }
  return false;
}

/**
 * Answer a GET or HEAD of `/` or a stored asset path. Returns true when it answered; false (nothing written) for
 * any other method or path, so the caller's router handles it (and answers 404 there).
 */
export function serveStatic(store: AssetStore, head: HttpRequestHead, response: ServerResponse): boolean {
  if (head.method !== 'GET' && head.method !== 'HEAD') return false;
  const path = head.path === '/' ? INDEX_PATH : head.path;
  const asset = store.get(path);
  if (!asset) return false;
  const etag = assetEtag(asset);
  const headers: [string, string][] = [
    ['Cache-Control', 'no-cache'],
    ['ETag', etag],
  ];
  if (asset.gzip) headers.push(['Vary', 'Accept-Encoding']);
  if (asset.gzip && !acceptsGzip(head)) {
    response.send(406, `${path} is stored gzip-coded only; send Accept-Encoding: gzip\n`, [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Vary', 'Accept-Encoding'],
    ]);
    return true;
  }
  if (matchesEtag(head, etag)) {
    response.writeHead(304, headers);
    response.end();
    return true;
  }
  headers.push(['Content-Type', asset.type], ['X-Content-Type-Options', 'nosniff']);
  if (asset.gzip) headers.push(['Content-Encoding', 'gzip']);
  response.send(200, asset.body, headers);
  return true;
}

/** `handler` with the assets in front: what serveStatic does not answer goes on to `handler`. */
export function withStaticAssets(store: AssetStore, handler: RequestHandler): RequestHandler {
  return (request, response) => {
    if (serveStatic(store, request.head, response)) return;
    return handler(request, response);
  };
}
