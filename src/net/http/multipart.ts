/**
 * A streaming multipart/form-data parser (RFC 7578 over the multipart syntax of RFC 2046 §5.1.1), for uploads such
 * as a firmware image from a browser form. Feed it the request body (HttpRequestParser's onBody) and call `end()`
 * at the request's onEnd. Part data streams through as it arrives; the parser holds one part-header line at most,
 * so memory stays bounded whatever the size of the files.
 *
 *   const form = new MultipartParser({
 *     contentType: head.headers.get('content-type') ?? '',
 *     onPartHead(part) { … part.name, part.filename, part.contentType },
 *     onPartData(chunk) { staging.write(chunk) },   // a view: copy to keep
 *     onPartEnd() { … },
 *     onEnd() { … },                                // the close delimiter was seen
 *     onError(error) { respond(errorResponse(error)) },
 *   });
 */
import { EncodingError } from '../encoding/errors.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { HttpError } from './errors.js';
import { isTokenChar, parseParameterized } from './field-syntax.js';
import { LineBuffer } from './line-buffer.js';

/** One part's header section, as delivered by `onPartHead`. */
export interface MultipartPartHead {
  /** The form field name (Content-Disposition `name`, RFC 7578 §4.2). */
  readonly name: string;
  /** The file name when the part is a file (`filename`, RFC 7578 §4.2); may be '' when no file was chosen. */
  readonly filename: string | undefined;
  /** The part's media type; `text/plain` when it has none (RFC 7578 §4.4). */
  readonly contentType: string;
  /** All fields of the part header, names lower-cased, values decoded as UTF-8 (RFC 7578 §5.1). */
  readonly headers: ReadonlyMap<string, string>;
}

export interface MultipartLimits {
  /** Largest header section of one part, line ends included, in bytes → MULTIPART_HEADER_TOO_LARGE. */
  maxPartHeaderBytes: number;
  /** Most parts in one body → MULTIPART_TOO_MANY_PARTS (413). */
  maxParts: number;
}

export const MULTIPART_LIMITS: Readonly<MultipartLimits> = Object.freeze({
  maxPartHeaderBytes: 1024,
  maxParts: 32,
});

export interface MultipartParserOptions extends Partial<MultipartLimits> {
  /** The request's Content-Type, `multipart/form-data; boundary=…`. The constructor throws HttpError when bad. */
  contentType: string;
  onPartHead(part: MultipartPartHead): void;
  /** Part content as it arrives, never the whole part at once. A view (or a small copy): copy to keep. */
  onPartData?(chunk: Uint8Array): void;
  onPartEnd?(): void;
  /** The close delimiter arrived: every part is complete. Anything after it (the epilogue) is ignored. */
  onEnd?(): void;
  /** The body is malformed or over a limit; the parser takes no more input. */
  onError(error: HttpError): void;
}

/** Longest boundary (RFC 2046 §5.1.1). */
const MAX_BOUNDARY = 70;
/** bchars besides digits and letters (RFC 2046 §5.1.1); a space may not be last. */
const BOUNDARY_SPECIALS = "'()+_,-./:=? ";

/**
 * The boundary parameter of a multipart/form-data Content-Type. Throws HttpError UNSUPPORTED_MEDIA_TYPE (415) for
 * another media type, MULTIPART_BAD_BOUNDARY (400) when the boundary is missing or not 1–70 bchars.
 */
export function multipartBoundary(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType !== 'multipart/form-data') {
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `expected multipart/form-data, got "${contentType}"`);
  }
  const boundary = parseParameterized(contentType)?.params.get('boundary');
  if (boundary === undefined)
    throw new HttpError('MULTIPART_BAD_BOUNDARY', 'no boundary parameter (RFC 7578 §4.1)');
  let ok = boundary.length >= 1 && boundary.length <= MAX_BOUNDARY && !boundary.endsWith(' ');
  for (let i = 0; ok && i < boundary.length; i++) {
    const c = boundary[i]!;
    ok = /[0-9A-Za-z]/.test(c) || BOUNDARY_SPECIALS.indexOf(c) >= 0;
  }
  if (!ok) throw new HttpError('MULTIPART_BAD_BOUNDARY', `invalid boundary "${boundary}" (RFC 2046 §5.1.1)`);
  return boundary;
}

type State =
  | 'preamble' // before the first delimiter: discarded
  | 'boundary-tail' // just after a delimiter: "--", transport padding, CRLF
  | 'boundary-close' // after the first "-" of "--"
  | 'boundary-cr' // after the CR of the CRLF that ends a delimiter line
  | 'part-header'
  | 'part-body'
  | 'epilogue' // after the close delimiter: discarded
  | 'failed';

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

export class MultipartParser {
  private readonly limits: Readonly<MultipartLimits>;
  /** CRLF "--" boundary: what ends a part (RFC 2046 §5.1.1 "delimiter"). */
  private readonly delimiter: Uint8Array;
  private readonly line: LineBuffer;
  private state: State = 'preamble';
  /** Bytes of the delimiter matched so far, possibly across pushes. */
  private matched = 2; // the body may start with the boundary itself: pretend a CRLF came before it
  /** Of `matched`, how many arrived in earlier pushes (held back, not yet known to be data or delimiter). */
  private carried = 0;
  private paddingBytes = 0;
  private headerBytes = 0;
  private headers = new Map<string, string>();
  private parts = 0;
  private position = 0;
  private error: HttpError | undefined;

  constructor(private readonly options: MultipartParserOptions) {
    const limits: MultipartLimits = { ...MULTIPART_LIMITS };
    for (const key of Object.keys(MULTIPART_LIMITS) as (keyof MultipartLimits)[]) {
      const value = options[key];
      if (value !== undefined) {
        if (!(Number.isInteger(value) && value > 0))
          throw new RangeError(`${key} must be a positive integer`);
        limits[key] = value;
      }
    }
    this.limits = Object.freeze(limits);
    const boundary = multipartBoundary(options.contentType);
    this.delimiter = new Uint8Array(4 + boundary.length);
    this.delimiter.set([CR, LF, DASH, DASH]);
    for (let i = 0; i < boundary.length; i++) this.delimiter[4 + i] = boundary.charCodeAt(i);
    this.line = new LineBuffer(limits.maxPartHeaderBytes);
  }

  /** Bytes held between pushes (part of a part-header line); at most maxPartHeaderBytes + 1. */
  get bufferedBytes(): number {
    return this.line.length;
  }

  /** True once the close delimiter has been parsed. */
  get done(): boolean {
    return this.state === 'epilogue';
  }

  get failed(): HttpError | undefined {
    return this.error;
  }

  /** Feed body bytes, split anywhere. Ignored after an error. */
  push(chunk: Uint8Array): void {
    if (this.error) return;
    try {
      this.run(chunk);
      this.position += chunk.length;
    } catch (thrown) {
      this.fail(thrown);
    }
  }

  /** The body is complete: without the close delimiter so far, that is an error (MULTIPART_TRUNCATED). */
  end(): void {
    if (this.error || this.state === 'epilogue') return;
    this.fail(
      new HttpError('MULTIPART_TRUNCATED', 'the body ended before the closing boundary', this.position),
    );
  }

  private fail(thrown: unknown): void {
    this.state = 'failed';
    if (!(thrown instanceof HttpError)) {
      // A callback failed: stop, and let its error surface.
      this.error = new HttpError('HANDLER_FAILED', 'a part callback threw', this.position);
      throw thrown;
    }
    this.error = thrown;
    this.options.onError(thrown);
  }

  private run(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'preamble':
        case 'part-body':
          i = this.scan(chunk, i);
          break;
        case 'boundary-tail':
          i = this.boundaryTail(chunk[i]!, i);
          break;
        case 'boundary-close':
          if (chunk[i] !== DASH) this.badDelimiter(i);
          this.state = 'epilogue';
          this.options.onEnd?.();
          i++;
          break;
        case 'boundary-cr':
          if (chunk[i] !== LF) this.badDelimiter(i);
          this.startPart(i);
          i++;
          break;
        case 'part-header':
          i = this.headerBytesIn(chunk, i);
          break;
        case 'epilogue':
        case 'failed':
          return;
      }
    }
  }

  /**
   * Look for the delimiter in `chunk` from `i`, passing part content on (in 'part-body') or dropping it (in
   * 'preamble'). Returns where to go on: just after the delimiter, or the end of the chunk.
   */
  private scan(chunk: Uint8Array, i: number): number {
    const delimiter = this.delimiter;
    const emitting = this.state === 'part-body';
    const runStart = i;
    while (i < chunk.length) {
      if (chunk[i] === delimiter[this.matched]) {
        this.matched++;
        i++;
        if (this.matched === delimiter.length) {
          const dataEnd = i - (delimiter.length - this.carried);
          if (emitting && dataEnd > runStart) this.options.onPartData?.(chunk.subarray(runStart, dataEnd));
          this.matched = 0;
          this.carried = 0;
          this.paddingBytes = 0;
          this.state = 'boundary-tail';
          if (emitting) this.options.onPartEnd?.();
          return i;
        }
      } else if (this.matched > 0) {
        // Not the delimiter after all: what was held back is content. The delimiter has a CR only at its start,
        // so the only place a new match can begin is this very byte, which is looked at again.
        if (this.carried > 0 && emitting) this.options.onPartData?.(delimiter.slice(0, this.carried));
        this.carried = 0;
        this.matched = 0;
      } else {
        i++;
      }
    }
    // Hold back the bytes that may start a delimiter; the rest is content.
    const dataEnd = chunk.length - (this.matched - this.carried);
    if (emitting && dataEnd > runStart) this.options.onPartData?.(chunk.subarray(runStart, dataEnd));
    this.carried = this.matched;
    return i;
  }

  /** After the boundary: "--" closes the body; otherwise transport padding (LWSP) then CRLF (RFC 2046 §5.1.1). */
  private boundaryTail(byte: number, i: number): number {
    if (byte === DASH && this.paddingBytes === 0) {
      this.state = 'boundary-close';
    } else if (byte === 0x20 || byte === 0x09) {
      if (++this.paddingBytes > this.limits.maxPartHeaderBytes) {
        throw new HttpError('MULTIPART_HEADER_TOO_LARGE', 'transport padding too long', this.position + i);
      }
    } else if (byte === CR) {
      this.state = 'boundary-cr';
    } else {
      this.badDelimiter(i);
    }
    return i + 1;
  }

  private badDelimiter(i: number): never {
    throw new HttpError(
      'MULTIPART_BAD_DELIMITER',
      'boundary followed by something other than "--" or CRLF (the boundary occurs inside a part?)',
      this.position + i,
    );
  }

  private startPart(i: number): void {
    if (++this.parts > this.limits.maxParts) {
      throw new HttpError(
        'MULTIPART_TOO_MANY_PARTS',
        `more than ${this.limits.maxParts} parts`,
        this.position + i,
      );
    }
    this.headers = new Map();
    this.headerBytes = 0;
    this.state = 'part-header';
  }

  /** Gather part-header lines; returns where to go on. */
  private headerBytesIn(chunk: Uint8Array, i: number): number {
    const lf = chunk.indexOf(LF, i);
    const end = lf < 0 ? chunk.length : lf;
    this.headerBytes += end - i + (lf < 0 ? 0 : 1);
    const max = this.limits.maxPartHeaderBytes;
    if (this.headerBytes > max || !this.line.append(chunk, i, end, max)) {
      throw new HttpError(
        'MULTIPART_HEADER_TOO_LARGE',
        `part header larger than ${max} bytes`,
        this.position + end,
      );
    }
    if (lf < 0) return chunk.length;
    const line = this.line.take(max)!;
    if (line.length === 0) this.endPartHeader(lf);
    else this.headerLine(line, lf);
    return lf + 1;
  }

  private headerLine(line: Uint8Array, at: number): void {
    const colon = line.indexOf(0x3a);
    let ok = colon > 0;
    for (let i = 0; ok && i < colon; i++) ok = isTokenChar(line[i]!);
    if (!ok) this.badHeader('part header line is not "name: value"', at);
    let start = colon + 1;
    let end = line.length;
    while (start < end && (line[start] === 0x20 || line[start] === 0x09)) start++;
    while (end > start && (line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
    for (let i = start; i < end; i++) {
      const b = line[i]!;
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) this.badHeader('control character in a part header', at);
    }
    let name = '';
    for (let i = 0; i < colon; i++) name += String.fromCharCode(line[i]!);
    let value: string;
    try {
      value = decodeUtf8(line, start, end);
    } catch (error) {
      if (error instanceof EncodingError) this.badHeader('part header is not UTF-8', at);
      throw error;
    }
    name = name.toLowerCase();
    if (!this.headers.has(name)) this.headers.set(name, value);
  }

  private endPartHeader(at: number): void {
    const disposition = parseParameterized(this.headers.get('content-disposition') ?? '');
    const name = disposition?.params.get('name');
    if (disposition?.value !== 'form-data' || name === undefined) {
      this.badHeader('part without Content-Disposition: form-data; name=… (RFC 7578 §4.2)', at);
    }
    this.state = 'part-body';
    this.matched = 0;
    this.carried = 0;
    this.options.onPartHead({
      name,
      filename: disposition?.params.get('filename'),
      contentType: this.headers.get('content-type') ?? 'text/plain',
      headers: this.headers,
    });
  }

  private badHeader(message: string, at: number): never {
    throw new HttpError('MULTIPART_BAD_HEADER', message, this.position + at);
  }
}
