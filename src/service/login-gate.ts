/**
 * A password line before a stream service starts (RFC 2217 with `rfc2217.login`, the raw bridge with
 * `bridge.login`): the client's first line, up to LF (a CR before it is dropped), must be the admin password. Then
 * the service's own session takes the socket, with nothing written back — a program (pyserial) reads what follows
 * as the stream, and the password line never reaches the UART. A wrong password, a line over MAX_LOGIN_LINE_BYTES,
 * no line within `timeoutMs`, or the back-off (auth-guard.ts, shared with HTTP and the control port) gets one
 * `ERR …` line and the connection is closed.
 *
 * The gate reads one byte at a time until the LF, so it never takes bytes that belong to the session (a Telnet
 * client may send its negotiation right behind the password line).
 */
import type { Log, TcpCallbacks, TcpSocket, Timer, TimerHandle } from '../io/contracts.js';
import { decodeUtf8, encodeUtf8 } from '../net/encoding/utf8.js';
import type { AuthGuard } from './auth-guard.js';
import { PASSWORD_MAX_LENGTH } from './password-store.js';

/** Longest password line, bytes: the longest password in UTF-8 (4 bytes a character at most) and CR LF. */
export const MAX_LOGIN_LINE_BYTES = PASSWORD_MAX_LENGTH * 4 + 2;

export interface LoginGateOptions {
  auth: AuthGuard;
  timer: Timer;
  log: Log;
  /** Names the service in logs and messages, e.g. "rfc2217". */
  label: string;
  /** Time for the password line, ms. Default 30 000. */
  timeoutMs?: number;
  /** Connections waiting for their line at once, shared by one service's gates; more are refused. */
  pending: { count: number; max: number };
}

export class LoginGate {
  /** Give these to `listener.accept`: they read the password line, then forward to `inner`. */
  readonly callbacks: TcpCallbacks;
  private socket: TcpSocket | undefined;
  private readonly line = new Uint8Array(MAX_LOGIN_LINE_BYTES);
  private length = 0;
  private state: 'reading' | 'checking' | 'passed' | 'closed' = 'reading';
  private timeout: TimerHandle | undefined;
  private onPassed: (() => void) | undefined;
  /** This gate counts in `pending`. */
  private counted = false;

  constructor(
    private readonly inner: TcpCallbacks,
    private readonly options: LoginGateOptions,
  ) {
    this.callbacks = {
      onReadable: (count) => {
        if (this.state === 'passed') inner.onReadable?.(count);
        else if (this.state === 'reading') this.readLine();
      },
      onWritable: (count) => {
        if (this.state === 'passed') inner.onWritable?.(count);
      },
      onClose: () => {
        if (this.state === 'passed') inner.onClose?.();
        else this.end();
      },
      onError: (error) => {
        if (this.state === 'passed') inner.onError?.(error);
        else this.end();
      },
    };
  }

  /** Wait for the password line on `socket`; `onPassed` starts the session (then the callbacks forward). */
  begin(socket: TcpSocket, onPassed: () => void): void {
    this.socket = socket;
    this.onPassed = onPassed;
    const pending = this.options.pending;
    if (pending.count >= pending.max) {
      this.fail(`${pending.max} connections are already logging in; try again later`);
      return;
    }
    pending.count++;
    this.counted = true;
    this.timeout = this.options.timer.set(() => {
      this.timeout = undefined;
      this.fail('no password line in time: send the admin password and a newline first');
    }, this.options.timeoutMs ?? 30_000);
    this.readLine();
  }

  private readLine(): void {
    const socket = this.socket;
    while (socket && this.state === 'reading') {
      const byte = socket.read(1);
      if (!byte || byte.length === 0) return;
      if (byte[0] === 0x0a) {
        void this.check();
        return;
      }
      if (this.length >= this.line.length) {
        this.fail(`password line over ${MAX_LOGIN_LINE_BYTES} bytes`);
        return;
      }
      this.line[this.length++] = byte[0]!;
    }
  }

  private async check(): Promise<void> {
    this.state = 'checking';
    let end = this.length;
    if (end > 0 && this.line[end - 1] === 0x0d) end--;
    let password: string;
    try {
      password = decodeUtf8(this.line.subarray(0, end));
    } catch {
      password = '';
    }
    this.line.fill(0);
    const remote = this.socket?.remoteAddress ?? '';
    const check = await this.options.auth.checkPassword(password, remote);
    if (this.state !== 'checking') return;
    if (!check.ok) {
      this.fail(
        check.reason === 'TOO_MANY_ATTEMPTS'
          ? `too many wrong passwords; try again in ${Math.ceil(check.retryAfterMs / 1000)} s`
          : 'wrong password',
      );
      return;
    }
    this.release();
    this.state = 'passed';
    this.options.log('info', `${this.options.label}: ${remote} logged in`);
    this.onPassed?.();
    // Bytes behind the password line (a Telnet negotiation) are waiting: let the session read them.
    this.inner.onReadable?.(1);
  }

  private fail(reason: string): void {
    if (this.state === 'closed' || this.state === 'passed') return;
    const socket = this.socket;
    this.options.log('warn', `${this.options.label}: ${socket?.remoteAddress ?? '?'} refused: ${reason}`);
    try {
      socket?.write(encodeUtf8(`ERR ${reason}\r\n`));
    } catch {
      // It could not take one line: closing says enough.
    }
    this.end();
    socket?.close();
  }

  private end(): void {
    if (this.state === 'closed' || this.state === 'passed') return;
    this.release();
    this.state = 'closed';
  }

  private release(): void {
    if (this.timeout !== undefined) this.options.timer.clear(this.timeout);
    this.timeout = undefined;
    if (this.counted) this.options.pending.count--;
    this.counted = false;
  }
}
