/**
 * The request-target (RFC 9112 §3.2) split into a decoded path and query. Percent-decoding (RFC 3986 §2.1) turns
 * the bytes into UTF-8 text; a malformed escape or invalid UTF-8 is the client's error (400).
 */
import { EncodingError } from '../encoding/errors.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { HttpError } from './errors.js';

export interface RequestTarget {
  /** Percent-decoded path, e.g. `/api/files/a b`; `*` for `OPTIONS *`. */
  readonly path: string;
  /** Decoded query parameters; `+` reads as a space (HTML form encoding); for a repeated name the first wins. */
  readonly query: ReadonlyMap<string, string>;
  /** The raw query without `?` ('' when none). */
  readonly queryString: string;
}

/**
 * Parse the target of a request with `method`. Accepts origin-form (`/path?query`), absolute-form
 * (`http://host/path`, which servers must accept, RFC 9112 §3.2.2) and asterisk-form for OPTIONS (§3.2.4).
 * Throws HttpError BAD_REQUEST, or NOT_IMPLEMENTED for CONNECT's authority-form (§3.2.3).
 */
export function parseRequestTarget(method: string, target: string, offset?: number): RequestTarget {
  for (let i = 0; i < target.length; i++) {
    const code = target.charCodeAt(i);
    // Only visible ASCII may appear (RFC 3986 §2); a fragment is never sent in a request (RFC 9110 §7.1).
    if (code <= 0x20 || code >= 0x7f || code === 0x23) {
      throw new HttpError(
        'BAD_REQUEST',
        `character 0x${code.toString(16)} not allowed in the request target`,
        offset,
      );
    }
  }
  if (method === 'CONNECT') {
    throw new HttpError('NOT_IMPLEMENTED', 'CONNECT (authority-form target) is not supported', offset);
  }
  if (target === '*') {
    if (method !== 'OPTIONS')
      throw new HttpError('BAD_REQUEST', 'asterisk-form target is only for OPTIONS', offset);
    return { path: '*', query: new Map(), queryString: '' };
  }
  let pathAndQuery = target;
  if (target[0] !== '/') {
    const scheme = /^https?:\/\//i.exec(target);
    if (!scheme)
      throw new HttpError('BAD_REQUEST', 'request target must start with "/" or "http://"', offset);
    const rest = target.slice(scheme[0].length);
    let cut = rest.length;
    for (const stop of ['/', '?']) {
      const at = rest.indexOf(stop);
      if (at >= 0 && at < cut) cut = at;
    }
    if (cut === 0) throw new HttpError('BAD_REQUEST', 'absolute-form target without a host', offset);
    pathAndQuery = rest.slice(cut);
    if (pathAndQuery === '' || pathAndQuery[0] === '?') pathAndQuery = `/${pathAndQuery}`;
  }
  const question = pathAndQuery.indexOf('?');
  const rawPath = question < 0 ? pathAndQuery : pathAndQuery.slice(0, question);
  const queryString = question < 0 ? '' : pathAndQuery.slice(question + 1);
  const path = percentDecode(rawPath, false, offset);
  if (path.indexOf('\u0000') >= 0) throw new HttpError('BAD_REQUEST', 'NUL byte in the request path', offset);
  return { path, query: parseQuery(queryString, offset), queryString };
}

/** `a=1&b=two+words&c` → {a: '1', b: 'two words', c: ''}; first occurrence of a name wins. */
export function parseQuery(queryString: string, offset?: number): Map<string, string> {
  const query = new Map<string, string>();
  if (!queryString) return query;
  for (const pair of queryString.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = percentDecode(eq < 0 ? pair : pair.slice(0, eq), true, offset);
    const value = eq < 0 ? '' : percentDecode(pair.slice(eq + 1), true, offset);
    if (!query.has(name)) query.set(name, value);
  }
  return query;
}

/** Decode %XX escapes (and `+` as space when `plusIsSpace`) into UTF-8 text; throws HttpError BAD_REQUEST. */
export function percentDecode(text: string, plusIsSpace: boolean, offset?: number): string {
  if (text.indexOf('%') < 0 && !(plusIsSpace && text.indexOf('+') >= 0)) return text;
  const bytes = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25) {
      const high = hexValue(text.charCodeAt(i + 1));
      const low = hexValue(text.charCodeAt(i + 2));
      if (high < 0 || low < 0) {
        throw new HttpError('BAD_REQUEST', `malformed percent-escape "${text.slice(i, i + 3)}"`, offset);
      }
      bytes[n++] = (high << 4) | low;
      i += 2;
    } else {
      bytes[n++] = plusIsSpace && code === 0x2b ? 0x20 : code;
    }
  }
  try {
    return decodeUtf8(bytes, 0, n);
  } catch (error) {
    if (error instanceof EncodingError) {
      throw new HttpError('BAD_REQUEST', 'percent-escapes do not decode to UTF-8', offset);
    }
    throw error;
  }
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1; // also NaN past the end of the text
}
