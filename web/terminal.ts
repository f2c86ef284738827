/**
 * The terminal page: a WebSocket to /ws/serial (with `?token=` once logged in, api.md "Auth"). UART output arrives
 * as binary frames, notices (flash started/finished) as text frames, shown apart. What arrived is kept as bytes, up
 * to MAX_HISTORY_BYTES, so the view can switch between text (UTF-8 with ANSI colours) and hex at any time, and a
 * paused view catches up on resume. The screen itself keeps at most MAX_SCREEN_CHARS characters.
 */
import { AnsiParser } from './ansi.js';
import { authToken, logIn, requestJson, type Status } from './api.js';
import { byId, element, showMessage } from './dom.js';
import { onStatus } from './status.js';

/** UART bytes (and notices) kept for re-rendering: the scrollback. */
const MAX_HISTORY_BYTES = 64 * 1024;
/** Characters on screen; hex shows 3 per byte, so this holds the whole history in either view. */
const MAX_SCREEN_CHARS = 3 * MAX_HISTORY_BYTES;
/** Consecutive UART frames are merged into one history entry up to this size, bytes. */
const MERGE_BYTES = 1024;
/** Wait before reconnecting after the connection dropped (not after the user disconnected), ms. */
const RECONNECT_MS = 3000;
/** Bytes per line in the hex view. */
const HEX_PER_LINE = 16;

const LINE_ENDINGS: Record<string, string> = { crlf: '\r\n', lf: '\n', cr: '\r', none: '' };
const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600];
const FORMATS = ['8N1', '8E1', '8O1', '8N2', '7E1', '7O1'];

interface Entry {
  /** Running number: what the screen has shown is everything up to `shownSeq`. */
  seq: number;
  bytes?: Uint8Array;
  notice?: string;
  error?: boolean;
}

/** Turns history entries into text on the screen, in text or hex view. */
class Screen {
  private decoder = new TextDecoder();
  private ansi = new AnsiParser();
  private hexColumn = 0;
  private chars = 0;

  constructor(
    private readonly output: HTMLPreElement,
    public hex: boolean,
  ) {}

  clear(): void {
    this.output.replaceChildren();
    this.chars = 0;
    this.decoder = new TextDecoder();
    this.ansi = new AnsiParser();
    this.hexColumn = 0;
  }

  show(entry: Entry): void {
    if (entry.notice !== undefined) {
      const before = this.output.lastChild?.textContent ?? '\n';
      const newline = before.endsWith('\n') ? '' : '\n';
      this.hexColumn = 0;
      this.append(`${newline}${entry.notice}\n`, entry.error ? 'notice error' : 'notice');
      return;
    }
    const bytes = entry.bytes!;
    if (this.hex) {
      let text = '';
      for (const byte of bytes) {
        text += byte.toString(16).padStart(2, '0');
        this.hexColumn = (this.hexColumn + 1) % HEX_PER_LINE;
        text += this.hexColumn === 0 ? '\n' : ' ';
      }
      this.append(text, '');
      return;
    }
    for (const run of this.ansi.feed(this.decoder.decode(bytes, { stream: true }))) {
      this.append(run.text, run.style);
    }
  }

  /** Add a run of text; a run in the same style as the last one joins it (fewer nodes). */
  private append(text: string, style: string): void {
    const output = this.output;
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
    const last = output.lastChild;
    const lastStyle = last instanceof HTMLElement ? last.className : last ? '' : undefined;
    if (last && lastStyle === style && !style.startsWith('notice')) {
      (last instanceof Text ? last : (last.firstChild as Text)).appendData(text);
    } else if (style) {
      output.append(element('span', style, text));
    } else {
      output.append(document.createTextNode(text));
    }
    this.chars += text.length;
    while (this.chars > MAX_SCREEN_CHARS && output.firstChild) {
      const first = output.firstChild;
      const length = first.textContent?.length ?? 0;
      const excess = this.chars - MAX_SCREEN_CHARS;
      const textNode = first instanceof Text ? first : first.firstChild;
      if (textNode instanceof Text && length > excess) {
        textNode.deleteData(0, excess);
        this.chars -= excess;
      } else {
        first.remove();
        this.chars -= length;
      }
    }
    if (atBottom) output.scrollTop = output.scrollHeight;
  }
}

export function startTerminal(): void {
  const output = byId<HTMLPreElement>('terminal-output');
  const form = byId<HTMLFormElement>('terminal-form');
  const line = byId<HTMLInputElement>('terminal-line');
  const ending = byId<HTMLSelectElement>('terminal-ending');
  const stateBadge = byId('terminal-state');
  const connectButton = byId<HTMLButtonElement>('terminal-connect');
  const hexBox = byId<HTMLInputElement>('terminal-hex');
  const pauseBox = byId<HTMLInputElement>('terminal-pause');
  const baud = byId<HTMLSelectElement>('terminal-baud');
  const format = byId<HTMLSelectElement>('terminal-format');
  const message = byId('terminal-message');
  const screen = new Screen(output, hexBox.checked);
  const encoder = new TextEncoder();
  const history: Entry[] = [];
  let historyBytes = 0;
  let seq = 0;
  let shownSeq = 0;
  let socket: WebSocket | undefined;
  let wanted = true;
  let retry: number | undefined;
  let status: Status | undefined;
  let needsLogin = false;

  const record = (entry: Omit<Entry, 'seq'>) => {
    const last = history[history.length - 1];
    const size = entry.bytes?.length ?? entry.notice!.length;
    if (entry.bytes && last?.bytes && last.seq > shownSeq && last.bytes.length + size <= MERGE_BYTES) {
      // Not shown yet (paused): one entry instead of many small ones.
      const merged = new Uint8Array(last.bytes.length + size);
      merged.set(last.bytes);
      merged.set(entry.bytes, last.bytes.length);
      last.bytes = merged;
    } else {
      history.push({ ...entry, seq: ++seq });
    }
    historyBytes += size;
    while (historyBytes > MAX_HISTORY_BYTES && history.length > 1) {
      const first = history.shift()!;
      historyBytes -= first.bytes?.length ?? first.notice!.length;
    }
    if (!pauseBox.checked) catchUp();
  };

  const catchUp = () => {
    for (const entry of history) if (entry.seq > shownSeq) screen.show(entry);
    shownSeq = seq;
  };

  const redraw = () => {
    screen.clear();
    shownSeq = 0;
    catchUp();
  };

  const notice = (text: string, error = false) => record({ notice: text, error });

  const setState = (state: 'connecting' | 'connected' | 'disconnected') => {
    stateBadge.textContent = state;
    stateBadge.className = `badge ${state === 'connected' ? 'state-running' : state === 'connecting' ? 'state-flashing' : 'state-unknown'}`;
    connectButton.textContent = state !== 'disconnected' ? 'Disconnect' : needsLogin ? 'Log in' : 'Connect';
  };

  const connect = () => {
    if (retry !== undefined) clearTimeout(retry);
    retry = undefined;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = authToken();
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    const ws = new WebSocket(`${scheme}//${location.host}/ws/serial${query}`);
    ws.binaryType = 'arraybuffer';
    socket = ws;
    let opened = false;
    setState('connecting');
    ws.onopen = () => {
      opened = true;
      needsLogin = false;
      setState('connected');
    };
    ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data === 'string') notice(event.data.trim());
      else record({ bytes: new Uint8Array(event.data) });
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = undefined;
      // The server says why it refused or ended the session (RFC 6455 §7.1.6), e.g. too many clients.
      if (event.reason) notice(`disconnected: ${event.reason}`, true);
      // A refused upgrade shows no status to the page: with a password set and no valid token it was the 401.
      if (!opened && status?.auth?.required && !status.auth.loggedIn) {
        needsLogin = true;
        wanted = false;
        notice('The terminal needs the admin password: press Log in.', true);
      }
      setState('disconnected');
      if (wanted) retry = window.setTimeout(connect, RECONNECT_MS);
    };
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      notice('not connected: the line was not sent', true);
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
    } else if (needsLogin) {
      logIn().then(
        () => {
          wanted = true;
          connect();
        },
        () => undefined,
      );
    } else {
      wanted = true;
      connect();
    }
  });
  byId('terminal-clear').addEventListener('click', () => {
    history.length = 0;
    historyBytes = 0;
    shownSeq = seq;
    screen.clear();
  });
  hexBox.addEventListener('change', () => {
    screen.hex = hexBox.checked;
    redraw();
  });
  pauseBox.addEventListener('change', () => {
    if (!pauseBox.checked) catchUp();
  });

  // Quick UART switch: the application's speed and format, applied at once and kept as the default.
  for (const rate of BAUD_RATES) baud.append(new Option(String(rate), String(rate)));
  for (const name of FORMATS) format.append(new Option(name, name));
  const applyUart = async (name: 'uart.baud' | 'uart.format', value: number | string) => {
    try {
      await requestJson('PUT', '/api/settings', { [name]: value });
      showMessage(
        message,
        `UART ${name === 'uart.baud' ? 'speed' : 'format'} now ${value} (also the saved default)`,
        'ok',
      );
    } catch (error) {
      showMessage(message, `not changed: ${(error as Error).message}`, 'error');
    }
  };
  baud.addEventListener('change', () => void applyUart('uart.baud', Number(baud.value)));
  format.addEventListener('change', () => void applyUart('uart.format', format.value));
  let started = false;
  onStatus((now) => {
    status = now;
    if (!started) {
      // Connect once the status says whether a password is needed: a refused upgrade is a console error.
      started = true;
      if (now.auth?.required && !authToken()) {
        needsLogin = true;
        wanted = false;
        setState('disconnected');
        notice('The terminal needs the admin password: press Log in.', true);
      } else {
        connect();
      }
    }
    // Follow the service (another client may change it) but never under the user's hand.
    if (document.activeElement !== baud) {
      const rate = String(now.uart.baud);
      if (![...baud.options].some((option) => option.value === rate)) baud.append(new Option(rate, rate));
      baud.value = rate;
    }
    if (document.activeElement !== format) {
      if (![...format.options].some((option) => option.value === now.uart.format)) {
        format.append(new Option(now.uart.format, now.uart.format));
      }
      format.value = now.uart.format;
    }
  });
}
