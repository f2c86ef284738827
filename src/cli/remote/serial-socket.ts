import WebSocket from 'ws';
import { authHeaders, networkReason } from './api-client.js';
import { RemoteError } from './errors.js';
import type { RemoteHost } from './host.js';

/** How long the WebSocket handshake may take, in ms. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** `ws://host:port/ws/serial` for a service. */
export function serialSocketUrl(host: RemoteHost): string {
  return `${host.baseUrl.replace(/^http:/, 'ws:')}/ws/serial`;
}

/**
 * Open the service's WebSocket terminal (GET /ws/serial, RFC 6455): frames sent go to the UART; UART output comes
 * as binary frames, notices (flash started/ended) as text frames. Rejects with RemoteError REMOTE_UNREACHABLE when
 * nothing answers, REMOTE_BUSY/REMOTE_HTTP when the service refuses the upgrade (e.g. too many clients).
 * `onMessage` is attached before the handshake completes: a frame that arrives in the same packet as the upgrade
 * answer is emitted right after 'open', before an awaiting caller could attach its own listener.
 */
export function openSerialSocket(
  host: RemoteHost,
  onMessage: (data: WebSocket.RawData, isBinary: boolean) => void,
): Promise<WebSocket> {
  const url = serialSocketUrl(host);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      perMessageDeflate: false,
      headers: authHeaders(host),
    });
    socket.on('message', onMessage);
    const fail = (error: RemoteError) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      reject(error);
    };
    socket.once('open', () => {
      socket.removeAllListeners('error');
      socket.removeAllListeners('unexpected-response');
      resolve(socket);
    });
    socket.once('unexpected-response', (_request, response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < 1024) text += chunk;
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        let message = text.trim();
        try {
          const body = JSON.parse(text) as { message?: unknown };
          if (typeof body.message === 'string') message = body.message;
        } catch {
          // not JSON: keep the text
        }
        fail(
          new RemoteError(
            status === 409 ? 'REMOTE_BUSY' : 'REMOTE_HTTP',
            `${url} refused the terminal (HTTP ${status})${message ? `: ${message}` : ''}`,
            host.baseUrl,
            status,
          ),
        );
      });
    });
    socket.once('error', (error) => {
      fail(
        new RemoteError(
          'REMOTE_UNREACHABLE',
          `cannot reach airboot at ${host.baseUrl}: ${networkReason(error)} — is the service running? try \`airboot discover\``,
          host.baseUrl,
        ),
      );
    });
  });
}
