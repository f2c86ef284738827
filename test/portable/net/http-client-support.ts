/** Reading what an HTTP server sent, as a client would (RFC 9112 §6.3 message framing), for the server tests. */
import { text } from './http-test-support.js';

export interface ParsedResponse {
  status: number;
  /** Lower-cased names; repeated fields joined with ", ". */
  headers: Map<string, string>;
  body: Uint8Array;
  /** The body, one character per byte. */
  bodyText: string;
}

/**
 * Split `data` into complete responses. `bodiless[i]` says the i-th response answers a HEAD (no body whatever
 * the fields say). A body without a length runs to the end of the data. Throws on anything malformed.
 */
export function parseResponses(data: Uint8Array, bodiless: boolean[] = []): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = indexOf(data, '\r\n\r\n', at);
    if (headEnd < 0) throw new Error(`incomplete response head: ${JSON.stringify(text(data.subarray(at)))}`);
    const lines = text(data.subarray(at, headEnd)).split('\r\n');
    const match = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(lines[0]!);
    if (!match) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
    const status = Number(match[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(line)}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const previous = headers.get(name);
      headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
    }
    at = headEnd + 4;
    let body = new Uint8Array(0);
    const noBody = status < 200 || status === 204 || status === 304 || (bodiless[responses.length] ?? false);
    if (status >= 100 && status < 200) {
      responses.push({ status, headers, body, bodyText: '' });
      continue;
    }
    if (!noBody) {
      const length = headers.get('content-length');
      if (headers.get('transfer-encoding') === 'chunked') {
        const parts: number[] = [];
        for (;;) {
          const lineEnd = indexOf(data, '\r\n', at);
          if (lineEnd < 0) throw new Error('incomplete chunk-size line');
          const size = Number.parseInt(text(data.subarray(at, lineEnd)), 16);
          if (!Number.isFinite(size)) throw new Error('bad chunk-size');
          at = lineEnd + 2;
          if (size === 0) {
            if (text(data.subarray(at, at + 2)) !== '\r\n') throw new Error('no CRLF after last-chunk');
            at += 2;
            break;
          }
          if (at + size + 2 > data.length) throw new Error('incomplete chunk');
          for (let i = 0; i < size; i++) parts.push(data[at + i]!);
          if (text(data.subarray(at + size, at + size + 2)) !== '\r\n')
            throw new Error('no CRLF after chunk');
          at += size + 2;
        }
        body = Uint8Array.from(parts);
      } else if (length !== undefined) {
        const n = Number(length);
        if (at + n > data.length) throw new Error(`incomplete body: ${data.length - at} of ${n} bytes`);
        body = data.slice(at, at + n);
        at += n;
      } else {
        body = data.slice(at);
        at = data.length;
      }
    }
    responses.push({ status, headers, body, bodyText: text(body) });
  }
  return responses;
}

function indexOf(data: Uint8Array, pattern: string, from: number): number {
  outer: for (let i = from; i + pattern.length <= data.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (data[i + j] !== pattern.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}
