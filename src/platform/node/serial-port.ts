import { spawn } from 'node:child_process';
import { SerialPort } from 'serialport';
import { WouldBlockError } from '../../io/byte-channel.js';
import type {
  Bytes,
  Digital,
  IoCallbacks,
  Log,
  Serial,
  SerialProvider,
  UartSettings,
} from '../../io/contracts.js';
import { asUint8, formatName, silentLog } from '../../io/contracts.js';
import { openHint, SerialPortError } from './errors.js';
import { ReceiveQueue } from './receive-queue.js';

export interface NodeSerialPortOptions {
  /** Bytes write() accepts before the OS has taken them; beyond that it throws WouldBlockError. Default 4096. */
  outputCapacity?: number;
  /** Bytes held for read() before the port stops reading from the OS (the OS then buffers). Default 4096. */
  inputCapacity?: number;
  /** Refuse other programs' opens while we have the port (TIOCEXCL; root is exempt). Default true. */
  exclusive?: boolean;
  log?: Log;
}

/** State of the modem-control outputs. `true` = asserted, which on a USB-UART drives the pin LOW. */
export interface ModemLines {
  dtr: boolean;
  rts: boolean;
}

/**
 * A serial device on this computer (USB-UART, /dev/ttyS*, a pty), as the ECMA-419 Serial of src/io/contracts.ts.
 *
 * Open it first with `NodeSerialPort.open()` (so a wrong path fails before anything else happens), then hand
 * `provider` to a ByteChannel or a service, and `modemLine()`s to TargetControl.
 *
 * Changing the character format of an open port: node-serialport's `update()` changes only the speed. Closing and
 * reopening would change the format too, but every open raises DTR and RTS on Linux and macOS, which on the usual
 * wiring resets the target. So the new format is applied with `stty` run on the port's own file descriptor
 * (inherited as the child's stdin: no second open, no glitch on the lines). Where there is no descriptor (Windows),
 * it falls back to close and reopen, then restores DTR/RTS at once.
 */
export class NodeSerialPort implements Serial {
  /** SerialProvider over this open port: attaches the given callbacks and applies the given settings. */
  readonly provider: SerialProvider;
  private settingsNow: UartSettings;
  private callbacks: IoCallbacks = {};
  private readonly rx: ReceiveQueue;
  /** Bytes handed to node-serialport whose write has not completed yet. */
  private outstanding = 0;
  /** Bytes held back while the port is being reconfigured. */
  private held: Buffer[] = [];
  private reconfiguring: Promise<void> | undefined;
  private lines: ModemLines & { brk: boolean } = { dtr: true, rts: true, brk: false };
  private lineChain: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private readonly outputCapacity: number;
  private readonly log: Log;
  private readonly options: NodeSerialPortOptions;

  private constructor(
    readonly path: string,
    private port: SerialPort,
    settings: UartSettings,
    options: NodeSerialPortOptions,
  ) {
    this.settingsNow = { ...settings };
    this.outputCapacity = options.outputCapacity ?? 4096;
    this.rx = new ReceiveQueue(options.inputCapacity ?? 4096, {
      pause: () => this.port.pause(),
      resume: () => this.port.resume(),
    });
    this.log = options.log ?? silentLog;
    this.options = options;
    this.listen(port);
    this.provider = (open) => {
      if (this.closing) throw new SerialPortError('SERIAL_OPEN', this.path, `${this.path} is closed`);
      this.callbacks = open;
      this.configure(open);
      return this;
    };
  }

  /** Open `path` with `settings`; rejects with SerialPortError (code SERIAL_OPEN, with a hint) when it cannot. */
  static async open(
    path: string,
    settings: UartSettings,
    options: NodeSerialPortOptions = {},
  ): Promise<NodeSerialPort> {
    const port = await openPort(path, settings, options);
    return new NodeSerialPort(path, port, settings, options);
  }

  get settings(): UartSettings {
    return { ...this.settingsNow };
  }

  get isOpen(): boolean {
    return !this.closing && this.port.isOpen;
  }

  read(max?: number): Uint8Array | undefined {
    return this.rx.read(max);
  }

  write(bytes: Bytes): number {
    if (this.closing) throw new SerialPortError('SERIAL_DISCONNECTED', this.path, `${this.path} is closed`);
    const data = asUint8(bytes);
    const room = this.outputCapacity - this.outstanding;
    if (data.length > room) throw new WouldBlockError(room);
    const copy = Buffer.from(data);
    this.outstanding += copy.length;
    if (this.reconfiguring) this.held.push(copy);
    else this.send(copy);
    return this.outputCapacity - this.outstanding;
  }

  /**
   * New speed and format, for the bytes written from now on: bytes already written go out with the old settings
   * first. Failures are reported through onError (the port is then unusable).
   */
  configure(settings: UartSettings): void {
    const next: UartSettings = {
      baud: settings.baud,
      dataBits: settings.dataBits,
      parity: settings.parity,
      stopBits: settings.stopBits,
    };
    const before = this.settingsNow;
    if (sameSettings(before, next)) return;
    this.settingsNow = next;
    const previous = this.reconfiguring ?? Promise.resolve();
    const work = previous.then(() => this.apply(before, next));
    this.reconfiguring = work;
    work.then(
      () => {
        if (this.reconfiguring !== work) return;
        this.reconfiguring = undefined;
        for (const piece of this.held.splice(0)) this.send(piece);
      },
      (error: unknown) => this.failWith(error as Error),
    );
  }

  setBreak(on: boolean): void {
    this.lines.brk = on;
    this.pushLines().catch((error: unknown) => this.failWith(error as Error));
  }

  /**
   * Set DTR and/or RTS (true = asserted = pin low on a USB-UART). Resolves when the OS has done it; rejects with
   * SerialPortError SERIAL_LINES when the device has no modem lines (a pty, some adapters).
   */
  setModemLines(lines: Partial<ModemLines>): Promise<void> {
    if (lines.dtr !== undefined) this.lines.dtr = lines.dtr;
    if (lines.rts !== undefined) this.lines.rts = lines.rts;
    return this.pushLines();
  }

  /** Fire-and-forget form of setModemLines for a Digital's write(): a failure goes to onError. */
  driveLine(line: 'dtr' | 'rts', asserted: boolean): void {
    this.setModemLines({ [line]: asserted }).catch((error: unknown) => this.failWith(error as Error));
  }

  /** The modem lines as last requested. */
  get modemLines(): ModemLines {
    return { dtr: this.lines.dtr, rts: this.lines.rts };
  }

  close(): void {
    void this.closeAsync();
  }

  /** Close the port; resolves when the OS has released it. Safe to call more than once. */
  closeAsync(): Promise<void> {
    if (!this.closing) {
      const port = this.port;
      this.closing = new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      });
    }
    return this.closing;
  }

  private listen(port: SerialPort): void {
    port.on('data', (chunk: Buffer) => {
      const waiting = this.rx.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      this.callbacks.onReadable?.(waiting);
    });
    port.on('error', (error: Error) => this.failWith(error));
    port.on('close', (error: (Error & { disconnected?: boolean }) | null) => {
      if (error?.disconnected && !this.closing) {
        this.failWith(
          new SerialPortError(
            'SERIAL_DISCONNECTED',
            this.path,
            `${this.path} disappeared (unplugged?)`,
            'plug the adapter back in and retry',
            error.message,
          ),
        );
      }
    });
  }

  private send(piece: Buffer): void {
    this.port.write(piece, (error) => {
      this.outstanding -= piece.length;
      if (error) this.failWith(error);
      else this.callbacks.onWritable?.(this.outputCapacity - this.outstanding);
    });
  }

  private async apply(before: UartSettings, next: UartSettings): Promise<void> {
    await new Promise<void>((resolve, reject) => this.port.drain((e) => (e ? reject(e) : resolve())));
    const formatChanged =
      before.dataBits !== next.dataBits || before.parity !== next.parity || before.stopBits !== next.stopBits;
    const fd = (this.port.port as { fd?: unknown } | undefined)?.fd;
    if (formatChanged && typeof fd !== 'number') return this.reopen(next);
    if (before.baud !== next.baud) {
      await new Promise<void>((resolve, reject) =>
        this.port.update({ baudRate: next.baud }, (e) => (e ? reject(e) : resolve())),
      );
    }
    if (formatChanged) await this.stty(fd as number, next);
  }

  /** Apply the character format with stty on our descriptor (see the class comment for why). */
  private async stty(fd: number, settings: UartSettings): Promise<void> {
    const args = sttyFormat(settings);
    const { status, stderr } = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn('stty', args, { stdio: [fd, 'ignore', 'pipe'] });
      let text = '';
      child.stderr?.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.on('error', (error) => resolve({ status: -1, stderr: error.message }));
      child.on('close', (code) => resolve({ status: code, stderr: text }));
    });
    if (status === 0) return;
    if (this.path.startsWith('/dev/pts/') || (await isPty(fd))) {
      // A pty keeps no parity (the "pty trap"): the far end of the pty has to frame bytes itself.
      this.log(
        'debug',
        `${this.path} is a pty: ${formatName(settings)} framing is not applied by the kernel`,
      );
      return;
    }
    throw new SerialPortError(
      'SERIAL_CONFIGURE',
      this.path,
      `cannot set ${formatName(settings)} on ${this.path}`,
      'the adapter may not support this character format',
      stderr.trim(),
    );
  }

  private async reopen(next: UartSettings): Promise<void> {
    this.log('warn', `${this.path}: reopening to change the format; DTR/RTS may glitch`);
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.port = await openPort(this.path, next, this.options);
    this.listen(this.port);
    await this.pushLines();
  }

  private pushLines(): Promise<void> {
    const wanted = { dtr: this.lines.dtr, rts: this.lines.rts, brk: this.lines.brk };
    // node-serialport's set() writes every flag, defaulting the ones not given; so always send all of them, and
    // one call at a time so they take effect in the order asked.
    const step = this.lineChain.then(
      () =>
        new Promise<void>((resolve, reject) => {
          this.port.set(wanted, (error) =>
            error
              ? reject(
                  new SerialPortError(
                    'SERIAL_LINES',
                    this.path,
                    `cannot set DTR/RTS on ${this.path}`,
                    'a pty or this adapter has no modem lines: use --boot0 none --reset none and set BOOT0/NRST by hand',
                    error.message,
                  ),
                )
              : resolve(),
          );
        }),
    );
    this.lineChain = step.catch(() => {});
    return step;
  }

  private failWith(error: Error): void {
    this.log('debug', `${this.path}: ${error.message}`);
    this.callbacks.onError?.(error);
  }
}

/**
 * One modem-control output as a Digital whose value is the PIN LEVEL (1 = high), as src/io/contracts.ts defines
 * Digital. USB-UART outputs are active low (asserted = 0 V), so write(1) de-asserts the line; `invert` is for
 * boards that put an inverting transistor between the adapter and the STM32.
 * stm32loader convention: DTR → NRST, RTS → BOOT0.
 * A failure to set the line reaches the port's onError (and the next setModemLines() rejects).
 */
export function modemLine(
  port: NodeSerialPort,
  line: 'dtr' | 'rts',
  options: { invert?: boolean } = {},
): Digital {
  const invert = options.invert === true;
  const level = (): 0 | 1 => {
    const asserted = port.modemLines[line];
    return (asserted !== invert ? 0 : 1) as 0 | 1;
  };
  return {
    read: level,
    write(value: 0 | 1) {
      port.driveLine(line, (value === 0) !== invert);
    },
    close() {},
  };
}

function openPort(path: string, settings: UartSettings, options: NodeSerialPortOptions): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({
      path,
      baudRate: settings.baud,
      dataBits: settings.dataBits,
      parity: settings.parity,
      stopBits: settings.stopBits,
      // The stream's own read-ahead counts against the input bound too.
      highWaterMark: options.inputCapacity ?? 4096,
      lock: options.exclusive !== false,
      autoOpen: false,
    });
    port.open((error) => {
      if (!error) return resolve(port);
      reject(
        new SerialPortError(
          'SERIAL_OPEN',
          path,
          `cannot open ${path}: ${error.message.replace(/, cannot open .*$/, '')}`,
          openHint(error.message),
          error.message,
        ),
      );
    });
  });
}

function sameSettings(a: UartSettings, b: UartSettings): boolean {
  return a.baud === b.baud && a.dataBits === b.dataBits && a.parity === b.parity && a.stopBits === b.stopBits;
}

/** stty arguments for a character format (POSIX termios; mark/space need Linux's CMSPAR). */
export function sttyFormat(settings: UartSettings): string[] {
  const args = [`cs${settings.dataBits}`];
  switch (settings.parity) {
    case 'none':
      args.push('-parenb');
      break;
    case 'even':
      args.push('parenb', '-parodd', '-cmspar');
      break;
    case 'odd':
      args.push('parenb', 'parodd', '-cmspar');
      break;
    case 'mark':
      args.push('parenb', 'parodd', 'cmspar');
      break;
    case 'space':
      args.push('parenb', '-parodd', 'cmspar');
      break;
  }
  // termios has one "two stop bits" flag; UARTs send 1.5 for it at 5 data bits.
  args.push(settings.stopBits === 1 ? '-cstopb' : 'cstopb');
  return args;
}

/** Whether `fd` is a pseudo-terminal (its tty name is /dev/pts/N or /dev/ttysNNN). */
async function isPty(fd: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('tty', [], { stdio: [fd, 'pipe', 'ignore'] });
    let name = '';
    child.stdout?.on('data', (d: Buffer) => {
      name += d.toString();
    });
    child.on('error', () => resolve(false));
    child.on('close', () => resolve(/\/dev\/(pts\/|ttys\d)/.test(name)));
  });
}
