/**
 * Writing HTTP/1.1 responses (RFC 9112 §4 status line, §5 fields, §6 framing, §7.1 chunked coding) as bytes a
 * server writes to its socket. No clock: a Date field is the caller's, e.g. `formatHttpDate(timer.now())` where a
 * real clock exists (RFC 9110 §6.6.1 lets a server without a reliable clock omit it).
 *
 *   socket.write(jsonResponse(200, { chip: 'STM32F103' }));
 *   socket.write(encodeResponseHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' }));
 *   socket.write(encodeChunk(bytes)); …; socket.write(lastChunk());
 */
import { encodeUtf8 } from '../encoding/utf8.js';
import { HttpError } from './errors.js';
import { isToken, latin1Bytes } from './field-syntax.js';

/** Response fields: a list of pairs (order kept, names may repeat) or a record. Names are sent as given. */
export type HeaderFields =
  | ReadonlyArray<readonly [string, string | number]>
  | Readonly<Record<string, string | number>>;

/** Reason phrases of the statuses airboot uses (RFC 9110 §15, RFC 6585 §5 for 431). */
export const REASON_PHRASES: Readonly<Record<number, string>> = Object.freeze({
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  411: 'Length Required',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  422: 'Unprocessable Content',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
});

/** The reason phrase for `status`, or '' (the reason-phrase may be empty, RFC 9112 §4). */
export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? '';
}

/**
 * `HTTP/1.1 <status> <reason>` CRLF, one line per field, and the empty line. Throws HttpError
 * INVALID_RESPONSE_HEADER for a field name that is not a token or a value with CR, LF or another control
 * character, so user-supplied text cannot split the response (RFC 9110 §5.5).
 */
export function encodeResponseHead(
  status: number,
  headers: HeaderFields = [],
  reason = reasonPhrase(status),
): Uint8Array {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new HttpError('INVALID_RESPONSE_HEADER', `status ${status} is not three digits (RFC 9112 §4)`);
  }
  checkFieldText(reason, 'reason phrase');
  let text = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (const [name, value] of headerPairs(headers)) {
    if (!isToken(name)) throw new HttpError('INVALID_RESPONSE_HEADER', `field name "${name}" is not a token`);
    checkFieldText(value, `value of ${name}`);
    text += `${name}: ${value}\r\n`;
  }
  text += '\r\n';
  // checkFieldText refused everything above U+00FF, so this cannot fail.
  return latin1Bytes(text)!;
}

/**
 * A complete response with a body and its Content-Length (RFC 9110 §8.6); a Content-Length in `headers` is
 * replaced. A string body is sent as UTF-8.
 */
export function encodeResponse(status: number, headers: HeaderFields, body: Uint8Array | string): Uint8Array {
  const bytes = typeof body === 'string' ? encodeUtf8(body) : body;
  const fields = headerPairs(headers).filter(([name]) => name.toLowerCase() !== 'content-length');
  fields.push(['Content-Length', String(bytes.length)]);
  return concat(encodeResponseHead(status, fields), bytes);
}

/** `value` as a JSON response (RFC 8259; media type application/json has no charset parameter, §11). */
export function jsonResponse(status: number, value: unknown, headers: HeaderFields = []): Uint8Array {
  const fields = headerPairs(headers);
  if (!fields.some(([name]) => name.toLowerCase() === 'content-type')) {
    fields.push(['Content-Type', 'application/json']);
  }
  return encodeResponse(status, fields, JSON.stringify(value));
}

/**
 * The answer to a refused request: `error.status`, the fields the error requires, `Connection: close` (after a
 * framing error the rest of the connection cannot be trusted, RFC 9112 §9.6) and a JSON body
 * `{ "error": code, "message": … }`.
 */
export function errorResponse(error: HttpError): Uint8Array {
  const fields: [string, string][] = [];
  let connection = 'close';
  for (const [name, value] of error.headers) {
    if (name.toLowerCase() === 'connection') connection = `${value}, close`;
    else fields.push([name, value]);
  }
  fields.push(['Connection', connection]);
  return jsonResponse(error.status, { error: error.code, message: error.message }, fields);
}

/** One chunk of a chunked body (RFC 9112 §7.1): size in hex, CRLF, data, CRLF. Empty data gives no bytes. */
export function encodeChunk(data: Uint8Array): Uint8Array {
  // A zero-size chunk would be the last-chunk and end the body early.
  if (data.length === 0) return new Uint8Array(0);
  const header = chunkHeader(data.length);
  const out = new Uint8Array(header.length + data.length + 2);
  out.set(header, 0);
  out.set(data, header.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

/**
 * Just the `size CRLF` before a chunk's data, for writing large data without copying it: write this, the data,
 * then CRLF (`CHUNK_END`).
 */
export function chunkHeader(size: number): Uint8Array {
  if (!Number.isInteger(size) || size <= 0)
    throw new RangeError(`chunk size ${size} must be a positive integer`);
  return latin1Bytes(`${size.toString(16)}\r\n`)!;
}

/** The CRLF after a chunk's data. */
export const CHUNK_END: Uint8Array = Uint8Array.of(0x0d, 0x0a);

/** last-chunk with no trailer fields, and the final CRLF: the end of a chunked body. */
export function lastChunk(): Uint8Array {
  return Uint8Array.of(0x30, 0x0d, 0x0a, 0x0d, 0x0a);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** IMF-fixdate (RFC 9110 §5.6.7) of a time in milliseconds since 1970-01-01 UTC: `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function formatHttpDate(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => (n < 10 ? `0${n}` : String(n));
  return (
    `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`
  );
}

/** HeaderFields as a fresh list of [name, value] pairs, values as strings. */
export function headerPairs(headers: HeaderFields): [string, string][] {
  const pairs: ReadonlyArray<readonly [string, string | number]> = isPairList(headers)
    ? headers
    : Object.keys(headers).map((name) => [name, headers[name]!] as const);
  return pairs.map(([name, value]) => [name, String(value)]);
}

function isPairList(headers: HeaderFields): headers is ReadonlyArray<readonly [string, string | number]> {
  return Array.isArray(headers);
}

/** field-value characters only: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.5). */
function checkFieldText(text: string, what: string): void {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f || code > 0xff) {
      throw new HttpError('INVALID_RESPONSE_HEADER', `${what} contains character U+${code.toString(16)}`);
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
