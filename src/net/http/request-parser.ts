/**
 * An incremental HTTP/1.1 request parser (RFC 9112) for a server: bytes in, in any split, events out. It never
 * holds more than one line of head (bounded by the limits) and streams the body through as views of the input.
 *
 * Usage on one connection:
 *
 *   const parser = new HttpRequestParser({
 *     onHead(head) { route(head) },            // method, path, query, headers …
 *     onBody(chunk) { sink.write(chunk) },     // a view of the pushed chunk: copy it to keep it
 *     onEnd() { respond() },                   // the request is complete; the parser waits for the next one
 *     onError(error) { socket.write(errorResponse(error)); socket.close() },
 *   });
 *   socket.onReadable = () => parser.push(socket.read());
 *
 * Pipelining: bytes after one request's body belong to the next (RFC 9112 §9.3.2). To hand the connection to
 * another protocol (a WebSocket upgrade, RFC 9110 §7.8), call `pause()` from onHead or onEnd: `push` then stops
 * right after that event and returns how many bytes it consumed; the rest of the chunk is for the new protocol.
 */
import { HttpError } from './errors.js';
import { isTokenChar, latin1, listElements, listHas } from './field-syntax.js';
import { LineBuffer } from './line-buffer.js';
import { parseRequestTarget } from './target.js';

/** A request's start line and header section, as delivered by `onHead`. */
export interface HttpRequestHead {
  /** Case-sensitive method token, e.g. `GET` (RFC 9110 §9.1). */
  readonly method: string;
  /** The request-target as sent, e.g. `/api/flash?verify=1`. */
  readonly target: string;
  /** Percent-decoded path of the target, e.g. `/api/flash`. */
  readonly path: string;
  /** Decoded query parameters (`+` is a space; the first of a repeated name wins). */
  readonly query: ReadonlyMap<string, string>;
  /** `HTTP/1.0`, or `HTTP/1.1` for 1.1 and any later 1.x (RFC 9110 §2.5). */
  readonly version: 'HTTP/1.0' | 'HTTP/1.1';
  /** Field names lower-cased; repeated fields joined with ", " in order (RFC 9110 §5.3). */
  readonly headers: ReadonlyMap<string, string>;
  /** Body length in bytes from Content-Length; undefined for a chunked body. 0 when the request has no body. */
  readonly contentLength: number | undefined;
  /** Whether the body uses the chunked transfer coding (RFC 9112 §7.1). */
  readonly chunked: boolean;
  /** Whether the connection may carry another request after this one (RFC 9112 §9.3). */
  readonly keepAlive: boolean;
}

/** Limits on what one request may make the parser hold or pass on. Exceeding one is an HttpError. */
export interface HttpRequestLimits {
  /** Longest request line in bytes, without CRLF → 414 URI_TOO_LONG. */
  maxRequestLineBytes: number;
  /** Longest header (or trailer, or chunk-size) line in bytes, without CRLF → 431 HEADERS_TOO_LARGE. */
  maxHeaderLineBytes: number;
  /** Largest header section (all field lines and their line ends) in bytes → 431 HEADERS_TOO_LARGE. */
  maxHeaderBytes: number;
  /** Most header fields (lines) in one request → 431 HEADERS_TOO_LARGE. */
  maxHeaderCount: number;
  /** Largest body in bytes, after removing the chunked coding → 413 BODY_TOO_LARGE. */
  maxBodyBytes: number;
}

/** Defaults for a host. A device passes smaller ones (the line buffer is max(request, header line) + 1 bytes). */
export const HTTP_REQUEST_LIMITS: Readonly<HttpRequestLimits> = Object.freeze({
  maxRequestLineBytes: 2048,
  maxHeaderLineBytes: 4096,
  maxHeaderBytes: 8192,
  maxHeaderCount: 32,
  maxBodyBytes: 4 * 1024 * 1024,
});

export interface HttpRequestParserOptions extends Partial<HttpRequestLimits> {
  /** The head of a request is complete. An HttpError thrown here is reported through onError (e.g. a 413). */
  onHead(head: HttpRequestHead): void;
  /** Body bytes, as they arrive (never the whole body at once). A view into the pushed chunk: copy to keep. */
  onBody?(chunk: Uint8Array): void;
  /** The request (body included) is complete; the parser is ready for the next request on the connection. */
  onEnd?(): void;
  /** The request is malformed or over a limit: answer `error.status` and close. The parser takes no more input. */
  onError(error: HttpError): void;
}

type State =
  | 'request-line'
  | 'header'
  | 'body' // Content-Length body, `remaining` bytes to go
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-data-end' // the CRLF after chunk-data
  | 'trailer'
  | 'failed';

/** Empty lines tolerated before a request line (RFC 9112 §2.2 asks for "at least one"). */
const MAX_LEADING_EMPTY_LINES = 8;

/** Content-Length digits beyond which the value cannot be exact in a double; surely over any limit. */
const MAX_LENGTH_DIGITS = 15;

const LF = 0x0a;

export class HttpRequestParser {
  private readonly limits: Readonly<HttpRequestLimits>;
  private readonly line: LineBuffer;
  private state: State = 'request-line';
  private paused = false;
  /** Bytes consumed on this connection before the current push (for error offsets). */
  private position = 0;
  private error: HttpError | undefined;
  /** Offset within the current push of the byte being looked at, for error positions. */
  private cursor = 0;

  // The request being parsed.
  private leadingEmptyLines = 0;
  private method = '';
  private target = '';
  private version: HttpRequestHead['version'] = 'HTTP/1.1';
  private headers = new Map<string, string>();
  private hostCount = 0;
  private headerBytes = 0;
  private headerCount = 0;
  /** Body (or current chunk) bytes still to come. */
  private remaining = 0;
  /** Body bytes delivered so far (chunked: the sum of the chunk sizes announced). */
  private bodyBytes = 0;

  constructor(private readonly options: HttpRequestParserOptions) {
    const limits: HttpRequestLimits = { ...HTTP_REQUEST_LIMITS };
    for (const key of Object.keys(HTTP_REQUEST_LIMITS) as (keyof HttpRequestLimits)[]) {
      const value = options[key];
      if (value !== undefined) {
        if (!(Number.isInteger(value) && value >= 0))
          throw new RangeError(`${key} must be a whole number of bytes`);
        limits[key] = value;
      }
    }
    this.limits = Object.freeze(limits);
    this.line = new LineBuffer(Math.max(limits.maxRequestLineBytes, limits.maxHeaderLineBytes));
  }

  /** Bytes the parser holds between pushes (a partial line); never more than the longest line limit + 1. */
  get bufferedBytes(): number {
    return this.line.length;
  }

  /** The error that stopped the parser, if one did. */
  get failed(): HttpError | undefined {
    return this.error;
  }

  /** True between requests: nothing of a next request has arrived yet (a close here loses nothing). */
  get idle(): boolean {
    return this.state === 'request-line' && this.line.length === 0;
  }

  /**
   * Stop after the current event; `push` returns what it consumed so far and consumes nothing more until
   * `resume()`. Call from a callback.
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /**
   * Feed bytes received on the connection. Returns how many were consumed: all of them, unless the parser was
   * paused or failed (then the rest is not HTTP for this parser). Events are delivered before it returns.
   */
  push(chunk: Uint8Array): number {
    if (this.error || this.paused) return 0;
    let i = 0;
    try {
      i = this.run(chunk);
    } catch (thrown) {
      if (!(thrown instanceof HttpError)) {
        // A callback failed: the request's state is unknown, so take no more input.
        this.error = new HttpError('HANDLER_FAILED', 'a request callback threw', this.position);
        this.state = 'failed';
        throw thrown;
      }
      this.error = thrown;
      this.state = 'failed';
      this.options.onError(thrown);
      return 0;
    } finally {
      this.position += i;
    }
    return i;
  }

  /** The state machine; returns bytes consumed. Throws HttpError (with `this.at`) on a bad request. */
  private run(chunk: Uint8Array): number {
    let i = 0;
    this.cursor = 0;
    while (!this.paused) {
      this.cursor = i;
      switch (this.state) {
        case 'body':
        case 'chunk-data': {
          if (this.remaining === 0) {
            if (this.state === 'body') this.endMessage();
            else this.state = 'chunk-data-end';
            continue;
          }
          if (i >= chunk.length) return i;
          const n = Math.min(this.remaining, chunk.length - i);
          this.remaining -= n;
          i += n;
          this.options.onBody?.(chunk.subarray(i - n, i));
          continue;
        }
        case 'failed':
          return i;
        default: {
          if (i >= chunk.length) return i;
          const lf = chunk.indexOf(LF, i);
          const end = lf < 0 ? chunk.length : lf;
          this.gather(chunk, i, end, lf >= 0);
          if (lf < 0) return chunk.length;
          i = end + 1;
          this.cursor = i;
          this.lineComplete();
        }
      }
    }
    return i;
  }

  private get at(): number {
    return this.position + this.cursor;
  }

  /** Add bytes of a line to the line buffer, enforcing the limit of the current state. */
  private gather(chunk: Uint8Array, start: number, end: number, terminated: boolean): void {
    const max = this.lineLimit();
    if (this.state === 'header' || this.state === 'trailer') {
      this.headerBytes += end - start + (terminated ? 1 : 0);
      if (this.headerBytes > this.limits.maxHeaderBytes) {
        throw new HttpError(
          'HEADERS_TOO_LARGE',
          `${this.state} section larger than ${this.limits.maxHeaderBytes} bytes`,
          this.position + end,
        );
      }
    }
    if (!this.line.append(chunk, start, end, max)) this.lineTooLong(this.position + end);
  }

  private lineLimit(): number {
    switch (this.state) {
      case 'request-line':
        return this.limits.maxRequestLineBytes;
      case 'chunk-data-end':
        return 0; // nothing but the CRLF
      default:
        return this.limits.maxHeaderLineBytes;
    }
  }

  private lineTooLong(at: number): never {
    switch (this.state) {
      case 'request-line':
        throw new HttpError(
          'URI_TOO_LONG',
          `request line longer than ${this.limits.maxRequestLineBytes} bytes`,
          at,
        );
      case 'chunk-size':
        throw new HttpError(
          'BAD_CHUNK',
          `chunk-size line longer than ${this.limits.maxHeaderLineBytes} bytes`,
          at,
        );
      case 'chunk-data-end':
        throw new HttpError('BAD_CHUNK', 'chunk data longer than its chunk-size', at);
      default:
        throw new HttpError(
          'HEADERS_TOO_LARGE',
          `${this.state} line longer than ${this.limits.maxHeaderLineBytes} bytes`,
          at,
        );
    }
  }

  private lineComplete(): void {
    const line = this.line.take(this.lineLimit());
    if (!line) this.lineTooLong(this.at);
    // A CR anywhere but before the LF is a bare CR (RFC 9112 §2.2): refuse rather than guess.
    if (line.indexOf(0x0d) >= 0) throw new HttpError('BAD_REQUEST', 'bare CR in a line', this.at);
    switch (this.state) {
      case 'request-line':
        this.requestLine(line);
        break;
      case 'header':
        if (line.length === 0) this.endHead();
        else this.headerLine(line);
        break;
      case 'chunk-size':
        this.chunkSizeLine(line);
        break;
      case 'chunk-data-end':
        if (line.length !== 0)
          throw new HttpError('BAD_CHUNK', 'chunk data longer than its chunk-size', this.at);
        this.state = 'chunk-size';
        break;
      case 'trailer':
        if (line.length === 0) this.endMessage();
        else this.trailerLine(line);
        break;
    }
  }

  /** request-line = method SP request-target SP HTTP-version (RFC 9112 §3). */
  private requestLine(line: Uint8Array): void {
    if (line.length === 0) {
      if (++this.leadingEmptyLines > MAX_LEADING_EMPTY_LINES) {
        throw new HttpError('BAD_REQUEST', 'too many empty lines before the request line', this.at);
      }
      return;
    }
    const text = latin1(line);
    const parts = text.split(' ');
    if (parts.length !== 3) {
      throw new HttpError('BAD_REQUEST', 'request line is not "method SP target SP version"', this.at);
    }
    const [method, target, version] = parts as [string, string, string];
    const match = /^HTTP\/(\d)\.(\d)$/.exec(version);
    if (!match) throw new HttpError('BAD_REQUEST', `malformed HTTP version "${version}"`, this.at);
    if (match[1] !== '1') {
      throw new HttpError('UNSUPPORTED_VERSION', `HTTP version ${version} is not supported`, this.at);
    }
    if (method.length === 0 || !everyByte(method, isTokenChar)) {
      throw new HttpError('BAD_REQUEST', 'method is not a token', this.at);
    }
    if (target.length === 0) throw new HttpError('BAD_REQUEST', 'empty request target', this.at);
    this.method = method;
    this.target = target;
    this.version = match[2] === '0' ? 'HTTP/1.0' : 'HTTP/1.1';
    this.state = 'header';
  }

  /** field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). */
  private headerLine(line: Uint8Array): void {
    if (++this.headerCount > this.limits.maxHeaderCount) {
      throw new HttpError(
        'HEADERS_TOO_LARGE',
        `more than ${this.limits.maxHeaderCount} header fields`,
        this.at,
      );
    }
    const [name, value] = this.fieldLine(line, 'BAD_REQUEST');
    if (name === 'host') this.hostCount++;
    const previous = this.headers.get(name);
    this.headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }

  private trailerLine(line: Uint8Array): void {
    if (++this.headerCount > this.limits.maxHeaderCount) {
      throw new HttpError(
        'HEADERS_TOO_LARGE',
        `more than ${this.limits.maxHeaderCount} trailer fields`,
        this.at,
      );
    }
    // Trailer fields are checked for syntax and dropped: nothing here needs them (RFC 9112 §7.1.2 allows that).
    this.fieldLine(line, 'BAD_CHUNK');
  }

  /** Split and check one field line; returns [lower-cased name, value without surrounding OWS]. */
  private fieldLine(line: Uint8Array, code: 'BAD_REQUEST' | 'BAD_CHUNK'): [string, string] {
    const first = line[0]!;
    if (first === 0x20 || first === 0x09) {
      // obs-fold, or whitespace before the first field (RFC 9112 §5.2, §2.2): a server may reject either.
      throw new HttpError(code, 'folded or indented header line', this.at);
    }
    const colon = line.indexOf(0x3a);
    if (colon <= 0) throw new HttpError(code, 'header line without "name:"', this.at);
    for (let i = 0; i < colon; i++) {
      // Includes whitespace before the colon, which RFC 9112 §5.1 says must be answered with 400.
      if (!isTokenChar(line[i]!)) throw new HttpError(code, 'header name is not a token', this.at);
    }
    let start = colon + 1;
    let end = line.length;
    while (start < end && (line[start] === 0x20 || line[start] === 0x09)) start++;
    while (end > start && (line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
    for (let i = start; i < end; i++) {
      const b = line[i]!;
      // field-vchar = VCHAR / obs-text, with SP and HTAB inside (RFC 9110 §5.5); CTLs such as NUL are refused.
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) {
        throw new HttpError(code, `control character 0x${b.toString(16)} in a header value`, this.at);
      }
    }
    return [latin1(line, 0, colon).toLowerCase(), latin1(line, start, end)];
  }

  /** The empty line after the fields: decide the body length (RFC 9112 §6.3) and deliver the head. */
  private endHead(): void {
    const headers = this.headers;
    // RFC 9112 §3.2: never more than one Host field, and HTTP/1.1 requires one.
    if (this.hostCount > 1) throw new HttpError('BAD_REQUEST', 'more than one Host field', this.at);
    if (this.hostCount === 0 && this.version === 'HTTP/1.1') {
      throw new HttpError('BAD_REQUEST', 'no Host field in an HTTP/1.1 request', this.at);
    }
    const transferEncoding = headers.get('transfer-encoding');
    const contentLengthField = headers.get('content-length');
    let chunked = false;
    let contentLength: number | undefined = 0;
    if (transferEncoding !== undefined) {
      if (this.version === 'HTTP/1.0') {
        throw new HttpError(
          'BAD_REQUEST',
          'Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)',
          this.at,
        );
      }
      if (contentLengthField !== undefined) {
        throw new HttpError(
          'BAD_REQUEST',
          'both Transfer-Encoding and Content-Length (RFC 9112 §6.3)',
          this.at,
        );
      }
      const codings = listElements(transferEncoding);
      if (codings[codings.length - 1] !== 'chunked') {
        throw new HttpError(
          'BAD_REQUEST',
          'Transfer-Encoding does not end with chunked (RFC 9112 §6.3)',
          this.at,
        );
      }
      if (codings.filter((c) => c === 'chunked').length > 1) {
        throw new HttpError('BAD_REQUEST', 'chunked applied more than once (RFC 9112 §6.1)', this.at);
      }
      if (codings.length > 1) {
        throw new HttpError('NOT_IMPLEMENTED', `transfer coding "${codings[0]}" is not supported`, this.at);
      }
      chunked = true;
      contentLength = undefined;
    } else if (contentLengthField !== undefined) {
      contentLength = this.contentLength(contentLengthField);
    }
    const connection = headers.get('connection');
    const keepAlive = listHas(connection, 'close')
      ? false
      : this.version === 'HTTP/1.1' || listHas(connection, 'keep-alive');
    const target = parseRequestTarget(this.method, this.target, this.at);
    const head: HttpRequestHead = {
      method: this.method,
      target: this.target,
      path: target.path,
      query: target.query,
      version: this.version,
      headers,
      contentLength,
      chunked,
      keepAlive,
    };
    this.bodyBytes = 0;
    this.remaining = contentLength ?? 0;
    this.state = chunked ? 'chunk-size' : 'body';
    this.options.onHead(head);
  }

  /**
   * Content-Length = 1*DIGIT; a list of equal values (a repeated field) is accepted as one, anything else is a
   * framing error (RFC 9112 §6.3 item 5).
   */
  private contentLength(field: string): number {
    const values = field.split(',').map((v) => v.trim());
    const first = values[0]!;
    if (!/^\d+$/.test(first) || values.some((v) => v !== first)) {
      throw new HttpError('BAD_REQUEST', `invalid Content-Length "${field}"`, this.at);
    }
    const digits = first.replace(/^0+(?=\d)/, '');
    const length = digits.length > MAX_LENGTH_DIGITS ? Number.POSITIVE_INFINITY : Number(digits);
    if (length > this.limits.maxBodyBytes) {
      throw new HttpError(
        'BODY_TOO_LARGE',
        `body of ${digits} bytes is over the limit of ${this.limits.maxBodyBytes}`,
        this.at,
      );
    }
    return length;
  }

  /** chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF (RFC 9112 §7.1); extensions are ignored (§7.1.1). */
  private chunkSizeLine(line: Uint8Array): void {
    let size = 0;
    let i = 0;
    for (; i < line.length; i++) {
      const digit = hexDigit(line[i]!);
      if (digit < 0) break;
      // Leading zeros are allowed; stop growing past the limit so the number stays exact.
      if (size <= this.limits.maxBodyBytes) size = size * 16 + digit;
    }
    if (i === 0) throw new HttpError('BAD_CHUNK', 'chunk-size is not a hexadecimal number', this.at);
    while (i < line.length && (line[i] === 0x20 || line[i] === 0x09)) i++; // BWS before ";"
    if (i < line.length && line[i] !== 0x3b)
      throw new HttpError('BAD_CHUNK', 'junk after chunk-size', this.at);
    for (; i < line.length; i++) {
      const b = line[i]!;
      if ((b < 0x20 && b !== 0x09) || b === 0x7f)
        throw new HttpError('BAD_CHUNK', 'control character in chunk-ext', this.at);
    }
    if (size === 0) {
      // last-chunk: a trailer section follows, bounded like the header section.
      this.headerBytes = 0;
      this.headerCount = 0;
      this.state = 'trailer';
      return;
    }
    if (this.bodyBytes + size > this.limits.maxBodyBytes) {
      throw new HttpError(
        'BODY_TOO_LARGE',
        `chunked body over the limit of ${this.limits.maxBodyBytes} bytes`,
        this.at,
      );
    }
    this.bodyBytes += size;
    this.remaining = size;
    this.state = 'chunk-data';
  }

  /** The request is complete: report it and get ready for the next one on the connection. */
  private endMessage(): void {
    this.state = 'request-line';
    this.leadingEmptyLines = 0;
    this.method = '';
    this.target = '';
    this.headers = new Map();
    this.hostCount = 0;
    this.headerBytes = 0;
    this.headerCount = 0;
    this.remaining = 0;
    this.bodyBytes = 0;
    this.options.onEnd?.();
  }
}

function everyByte(text: string, test: (code: number) => boolean): boolean {
  for (let i = 0; i < text.length; i++) if (!test(text.charCodeAt(i))) return false;
  return true;
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}
