/** One Server-Sent Event: its `event:` name ('message' when none was given) and its `data:` lines joined by \n. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/** Largest event (all of its lines) the reader accepts, in characters; a JobRecord is well under 4 KiB. */
export const MAX_EVENT_CHARS = 256 * 1024;

/**
 * Incremental parser for a `text/event-stream` body (WHATWG HTML "Server-sent events", §9.2.6 "Interpreting an
 * event stream"): lines end in CRLF, LF or CR; `event:` and `data:` fields; a blank line dispatches; lines starting
 * with `:` are comments (keep-alives). `id:` and `retry:` are not needed by the CLI and are ignored.
 */
export class SseParser {
  private pending = '';
  private eventName = '';
  private data: string[] = [];
  private dataChars = 0;
  /** The previous chunk ended in CR: a LF at the start of the next one belongs to that line end. */
  private skipLf = false;

  constructor(private readonly onEvent: (event: ServerSentEvent) => void) {}

  /** Feed decoded text, in chunks of any size. Throws when an event grows beyond MAX_EVENT_CHARS. */
  push(text: string): void {
    let start = 0;
    if (this.skipLf && text.startsWith('\n')) start = 1;
    this.skipLf = false;
    for (let i = start; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch !== 0x0a && ch !== 0x0d) continue;
      this.line(this.pending + text.slice(start, i));
      this.pending = '';
      if (ch === 0x0d) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          this.skipLf = true;
        }
      }
      start = i + 1;
    }
    this.pending += text.slice(start);
    if (this.pending.length + this.dataChars > MAX_EVENT_CHARS) {
      throw new Error(`an event of the stream is longer than ${MAX_EVENT_CHARS} characters`);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0)
        this.onEvent({ event: this.eventName || 'message', data: this.data.join('\n') });
      this.eventName = '';
      this.data = [];
      this.dataChars = 0;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventName = value;
    else if (field === 'data') {
      this.data.push(value);
      this.dataChars += value.length + 1;
      if (this.dataChars > MAX_EVENT_CHARS) {
        throw new Error(`an event of the stream is longer than ${MAX_EVENT_CHARS} characters`);
      }
    }
  }
}
