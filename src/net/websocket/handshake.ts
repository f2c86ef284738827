/**
 * The server side of the WebSocket opening handshake (RFC 6455 §4.2): check the client's upgrade request and
 * build the 101 response, or refuse with an HttpError to send with `errorResponse`.
 *
 *   onHead(head) {
 *     if (head.path === '/ws' && isWebSocketUpgrade(head)) {
 *       const { response } = acceptWebSocket(head);   // throws HttpError 400/403/426
 *       socket.write(response); parser.pause();      // the bytes after this request are frames
 *     }
 *   }
 */
import { decodeBase64, encodeBase64 } from '../encoding/base64.js';
import { EncodingError } from '../encoding/errors.js';
import { sha1 } from '../encoding/sha1.js';
import { encodeUtf8 } from '../encoding/utf8.js';
import { HttpError } from '../http/errors.js';
import { listHas, trimOws } from '../http/field-syntax.js';
import type { HttpRequestHead } from '../http/request-parser.js';
import { encodeResponseHead, type HeaderFields, headerPairs } from '../http/response.js';

/** Appended to the client's key before hashing (RFC 6455 §1.3, §4.2.2 item 5.4). */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The only version this server speaks (RFC 6455 §4.1, §11.6). */
export const WEBSOCKET_VERSION = '13';

export interface WebSocketHandshakeOptions {
  /** Subprotocols the server speaks; the first one the client offers is chosen (RFC 6455 §4.2.2 item 5.4). */
  protocols?: readonly string[];
  /**
   * Whether to accept a request from this Origin (undefined when the client sent none, e.g. not a browser). A
   * device should refuse foreign web pages (RFC 6455 §10.2); refused → HttpError FORBIDDEN_ORIGIN (403).
   * Default: accept all.
   */
  allowOrigin?: (origin: string | undefined) => boolean;
  /** Extra fields for the 101 response. */
  headers?: HeaderFields;
}

export interface WebSocketHandshake {
  /** The complete `101 Switching Protocols` response to write before any frame. */
  readonly response: Uint8Array;
  /** The Sec-WebSocket-Accept value sent. */
  readonly accept: string;
  /** The subprotocol chosen, if any. */
  readonly protocol: string | undefined;
}

/** Whether the request asks to switch to WebSocket (Upgrade lists "websocket", RFC 6455 §4.2.1 item 3). */
export function isWebSocketUpgrade(head: HttpRequestHead): boolean {
  return listHas(head.headers.get('upgrade'), 'websocket');
}

/** Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2 item 5.4). */
export function webSocketAccept(key: string): string {
  return encodeBase64(sha1(encodeUtf8(key + WEBSOCKET_GUID)));
}

/**
 * Validate the opening handshake (RFC 6455 §4.2.1) and build the 101 response (§4.2.2). Throws HttpError:
 * UPGRADE_REQUIRED (426, with the Upgrade or Sec-WebSocket-Version field to send) when the client did not ask for
 * WebSocket or asked for another version; BAD_HANDSHAKE (400) for a malformed request; FORBIDDEN_ORIGIN (403).
 */
export function acceptWebSocket(
  head: HttpRequestHead,
  options: WebSocketHandshakeOptions = {},
): WebSocketHandshake {
  const headers = head.headers;
  if (!isWebSocketUpgrade(head)) {
    // RFC 9110 §15.5.22: a 426 must say which protocol to upgrade to.
    throw new HttpError('UPGRADE_REQUIRED', 'this resource needs a WebSocket connection', undefined, [
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
    ]);
  }
  if (head.method !== 'GET')
    throw bad(`the handshake must be a GET, not ${head.method} (RFC 6455 §4.2.1 item 1)`);
  if (head.version !== 'HTTP/1.1') throw bad('the handshake needs HTTP/1.1 (RFC 6455 §4.2.1 item 1)');
  if (!listHas(headers.get('connection'), 'upgrade')) {
    throw bad('Connection does not list "Upgrade" (RFC 6455 §4.2.1 item 4)');
  }
  const version = headers.get('sec-websocket-version');
  if (version === undefined) throw bad('no Sec-WebSocket-Version (RFC 6455 §4.2.1 item 6)');
  if (trimOws(version) !== WEBSOCKET_VERSION) {
    // RFC 6455 §4.2.2 item 4: say which version the server understands.
    throw new HttpError(
      'UPGRADE_REQUIRED',
      `WebSocket version "${version}" is not supported; use 13`,
      undefined,
      [['Sec-WebSocket-Version', WEBSOCKET_VERSION]],
    );
  }
  const key = headers.get('sec-websocket-key');
  if (key === undefined) throw bad('no Sec-WebSocket-Key (RFC 6455 §4.2.1 item 5)');
  let nonce: Uint8Array;
  try {
    nonce = decodeBase64(trimOws(key));
  } catch (error) {
    if (!(error instanceof EncodingError)) throw error;
    throw bad('Sec-WebSocket-Key is not base64 (RFC 6455 §4.2.1 item 5)');
  }
  if (nonce.length !== 16) throw bad(`Sec-WebSocket-Key decodes to ${nonce.length} bytes, not 16`);
  const origin = headers.get('origin');
  if (options.allowOrigin && !options.allowOrigin(origin)) {
    throw new HttpError('FORBIDDEN_ORIGIN', `origin ${origin ?? '(none)'} may not open a WebSocket here`);
  }
  const protocol = chooseProtocol(headers.get('sec-websocket-protocol'), options.protocols ?? []);
  const accept = webSocketAccept(trimOws(key));
  const fields: [string, string][] = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', accept],
  ];
  if (protocol !== undefined) fields.push(['Sec-WebSocket-Protocol', protocol]);
  fields.push(...headerPairs(options.headers ?? []));
  return { response: encodeResponseHead(101, fields), accept, protocol };
}

/** The first subprotocol the client offers that the server speaks; names compare exactly (RFC 6455 §4.1). */
function chooseProtocol(offered: string | undefined, supported: readonly string[]): string | undefined {
  if (offered === undefined) return undefined;
  for (const part of offered.split(',')) {
    const name = trimOws(part);
    if (name && supported.indexOf(name) >= 0) return name;
  }
  return undefined;
}

function bad(message: string): HttpError {
  return new HttpError('BAD_HANDSHAKE', message);
}
