/**
 * The terminal card: a WebSocket to /ws/serial. UART output arrives as binary frames (decoded as UTF-8, a
 * character split across frames kept whole), notices (flash started/finished) as text frames, shown apart. The
 * output keeps only the last MAX_OUTPUT_CHARS so a chatty target cannot grow the page without bound.
 */
import { byId, element } from './dom.js';

/** Characters of output kept on screen. */
const MAX_OUTPUT_CHARS = 64 * 1024;
/** Wait before reconnecting after the connection dropped (not after the user disconnected), ms. */
const RECONNECT_MS = 3000;

const LINE_ENDINGS: Record<string, string> = { crlf: '\r\n', lf: '\n', cr: '\r', none: '' };

export function startTerminal(): void {
  const output = byId<HTMLPreElement>('terminal-output');
  const form = byId<HTMLFormElement>('terminal-form');
  const line = byId<HTMLInputElement>('terminal-line');
  const ending = byId<HTMLSelectElement>('terminal-ending');
  const stateBadge = byId('terminal-state');
  const connectButton = byId<HTMLButtonElement>('terminal-connect');
  const encoder = new TextEncoder();
  let decoder = new TextDecoder();
  let socket: WebSocket | undefined;
  let wanted = true;
  let retry: number | undefined;
  let shown = 0;

  const append = (text: string, className = '') => {
    if (!text) return;
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
    const last = output.lastChild;
    // Consecutive UART output goes into one text node; notices get their own line and style.
    if (!className && last instanceof Text) last.appendData(text);
    else if (className) output.append(element('span', className, text));
    else output.append(document.createTextNode(text));
    shown += text.length;
    while (shown > MAX_OUTPUT_CHARS && output.firstChild) {
      const first = output.firstChild;
      const length = first.textContent?.length ?? 0;
      const excess = shown - MAX_OUTPUT_CHARS;
      if (first instanceof Text && length > excess) {
        first.deleteData(0, excess);
        shown -= excess;
      } else {
        first.remove();
        shown -= length;
      }
    }
    if (atBottom) output.scrollTop = output.scrollHeight;
  };

  /** A line of its own, however the UART output before it ended. */
  const notice = (text: string, className = 'notice') => {
    const before = output.lastChild?.textContent ?? '\n';
    append(`${before.endsWith('\n') ? '' : '\n'}${text}\n`, className);
  };

  const setState = (state: 'connecting' | 'connected' | 'disconnected') => {
    stateBadge.textContent = state;
    stateBadge.className = `badge ${state === 'connected' ? 'state-running' : state === 'connecting' ? 'state-flashing' : 'state-unknown'}`;
    connectButton.textContent = state === 'disconnected' ? 'Connect' : 'Disconnect';
  };

  const connect = () => {
    if (retry !== undefined) clearTimeout(retry);
    retry = undefined;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws/serial`);
    ws.binaryType = 'arraybuffer';
    socket = ws;
    decoder = new TextDecoder();
    setState('connecting');
    ws.onopen = () => setState('connected');
    ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data === 'string') {
        notice(event.data.trim());
      } else {
        append(decoder.decode(new Uint8Array(event.data), { stream: true }));
      }
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = undefined;
      // The server says why it refused or ended the session (RFC 6455 §7.1.6), e.g. too many clients.
      if (event.reason) notice(`disconnected: ${event.reason}`, 'notice error');
      setState('disconnected');
      if (wanted) retry = window.setTimeout(connect, RECONNECT_MS);
    };
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      notice('not connected: the line was not sent', 'notice error');
      return;
    }
    // A binary frame: the bytes reach the UART exactly as typed (RFC 6455 §5.6).
    socket.send(encoder.encode(line.value + (LINE_ENDINGS[ending.value] ?? '\r\n')));
    line.value = '';
  });
  connectButton.addEventListener('click', () => {
    if (socket) {
      wanted = false;
      socket.close();
    } else {
      wanted = true;
      connect();
    }
  });
  byId('terminal-clear').addEventListener('click', () => {
    output.replaceChildren();
    shown = 0;
  });
  connect();
}
