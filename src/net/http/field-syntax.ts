/**
 * Small pieces of HTTP field syntax (RFC 9110 §5.5, §5.6) shared by the request parser, the multipart parser and
 * the WebSocket handshake.
 */

/** tchar (RFC 9110 §5.6.2): "!#$%&'*+-.^_`|~", digits and letters. */
export function isTokenChar(code: number): boolean {
  if (code >= 0x30 && code <= 0x39) return true; // DIGIT
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return true; // ALPHA
  return "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(code)) >= 0 && code < 0x7f;
}

/** token = 1*tchar (RFC 9110 §5.6.2). */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isTokenChar(text.charCodeAt(i))) return false;
  return true;
}

/** Bytes as ISO-8859-1 text: one character per byte, so nothing is lost (RFC 9110 §5.5 on obs-text). */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

/** Text as ISO-8859-1 bytes; characters above U+00FF are refused (undefined). */
export function latin1Bytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) return undefined;
    out[i] = code;
  }
  return out;
}

/** OWS = *( SP / HTAB ) (RFC 9110 §5.6.3). */
export function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Elements of a comma-separated list of tokens (RFC 9110 §5.6.1), trimmed and lower-cased; empty elements are
 * dropped, as recipients must accept them. Only for lists whose elements cannot contain quoted commas
 * (Connection, Upgrade, Transfer-Encoding, Content-Length).
 */
export function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const element = trimOws(part).toLowerCase();
    if (element) out.push(element);
  }
  return out;
}

/** Whether a list field such as Connection contains `token` (case-insensitive). */
export function listHas(value: string | undefined, token: string): boolean {
  return value !== undefined && listElements(value).indexOf(token.toLowerCase()) >= 0;
}

/** A field value with parameters: `type/subtype; name=value; name="quoted"` (RFC 9110 §5.6.6). */
export interface ParameterizedValue {
  /** The part before the first `;`, trimmed and lower-cased (a media type, a disposition type). */
  readonly value: string;
  /** Parameter names lower-cased; values as sent (quoted-string unquoted, RFC 9110 §5.6.4). First one wins. */
  readonly params: ReadonlyMap<string, string>;
}

/** Parse `value *( OWS ";" OWS [ parameter ] )`; undefined when malformed (unterminated quote, name not a token). */
export function parseParameterized(text: string): ParameterizedValue | undefined {
  const params = new Map<string, string>();
  let i = text.indexOf(';');
  const value = trimOws(i < 0 ? text : text.slice(0, i)).toLowerCase();
  if (i < 0) return { value, params };
  while (i < text.length) {
    i++; // past ';'
    while (i < text.length && isOws(text.charCodeAt(i))) i++;
    if (i >= text.length) break;
    if (text[i] === ';') continue; // empty parameter, allowed by the ABNF's [ parameter ]
    const eq = text.indexOf('=', i);
    if (eq < 0) return undefined;
    const name = trimOws(text.slice(i, eq)).toLowerCase();
    if (!isToken(name)) return undefined;
    i = eq + 1;
    while (i < text.length && isOws(text.charCodeAt(i))) i++;
    let paramValue = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return undefined; // no closing quote
        const c = text[i]!;
        if (c === '"') break;
        if (c === '\\') {
          if (i + 1 >= text.length) return undefined;
          i++; // quoted-pair: the next character stands for itself
        }
        paramValue += text[i]!;
        i++;
      }
      i++; // past the closing quote
      while (i < text.length && isOws(text.charCodeAt(i))) i++;
      if (i < text.length && text[i] !== ';') return undefined;
    } else {
      const end = text.indexOf(';', i);
      paramValue = trimOws(end < 0 ? text.slice(i) : text.slice(i, end));
      if (!isToken(paramValue)) return undefined;
      i = end < 0 ? text.length : end;
    }
    if (!params.has(name)) params.set(name, paramValue);
  }
  return { value, params };
}
