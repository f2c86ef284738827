import { realpathSync } from 'node:fs';
import type { Digital, Log, SerialProvider, Timer, UartSettings } from '../io/contracts.js';
import { modemLine, NodeSerialPort } from '../platform/node/serial-port.js';
import { parseTcpAddress, TcpSerial } from '../platform/node/tcp-serial.js';
import { TargetControl } from '../service/target.js';
import { UsageError } from './failure.js';
import type { LineChoice } from './options.js';

export interface TargetLinkOptions {
  /** A device path (/dev/ttyUSB0, COM3) or tcp://host:port. */
  serial: string;
  settings: UartSettings;
  /** Which modem line drives BOOT0 / NRST; undefined = the default for this kind of port. */
  boot0?: LineChoice | undefined;
  reset?: LineChoice | undefined;
  /**
   * The lines a serial device uses when `boot0`/`reset` are not given (the `pins.*` settings); default RTS → BOOT0,
   * DTR → NRST. A pty ignores them: it has no modem lines.
   */
  defaultLines?: { readonly boot0: LineChoice; readonly reset: LineChoice };
  invertBoot0?: boolean;
  invertReset?: boolean;
  timer: Timer;
  log: Log;
}

/** An open path to the target: its UART, and its BOOT0/NRST lines where the port has them. */
export interface TargetLink {
  /** What was opened, for messages: the device path or tcp:// address. */
  readonly description: string;
  readonly provider: SerialProvider;
  readonly control: TargetControl;
  /** Which lines are actually used. */
  readonly lines: { readonly boot0: LineChoice; readonly reset: LineChoice };
  /** The BOOT0 and NRST lines themselves, where wired (the bridge service shows and drives them). */
  readonly digital: { readonly boot0?: Digital; readonly nrst?: Digital };
  close(): Promise<void>;
}

/**
 * Open `--serial`: a local serial device (with DTR/RTS as BOOT0/NRST by the stm32loader convention: RTS → BOOT0,
 * DTR → NRST) or a raw TCP port such as `airboot sim --tcp` (no modem lines). A pty has no modem lines either:
 * unless lines were asked for explicitly, none are used there.
 */
export async function openTargetLink(options: TargetLinkOptions): Promise<TargetLink> {
  const tcp = parseTcpAddress(options.serial);
  if (tcp) {
    for (const [name, value] of [
      ['--boot0', options.boot0],
      ['--reset', options.reset],
    ] as const) {
      if (value !== undefined && value !== 'none') {
        throw new UsageError(`${name} ${value}: a TCP connection has no modem lines`, `use ${name} none`);
      }
    }
    const socket = await TcpSerial.connect(tcp.host, tcp.port);
    return {
      description: socket.address,
      provider: socket.provider,
      control: new TargetControl({ timer: options.timer }),
      lines: { boot0: 'none', reset: 'none' },
      digital: {},
      close: async () => socket.close(),
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(options.serial)) {
    throw new UsageError(
      `unsupported address '${options.serial}'`,
      'give a serial device (/dev/ttyUSB0, COM3) or tcp://host:port',
    );
  }
  const pty = isPty(options.serial);
  const boot0 = options.boot0 ?? (pty ? 'none' : (options.defaultLines?.boot0 ?? 'rts'));
  const reset = options.reset ?? (pty ? 'none' : (options.defaultLines?.reset ?? 'dtr'));
  if (boot0 !== 'none' && boot0 === reset) {
    throw new UsageError(
      `--boot0 and --reset both use ${boot0.toUpperCase()}`,
      'use --boot0 rts --reset dtr',
    );
  }
  if (pty && (options.boot0 === undefined || options.reset === undefined)) {
    options.log('debug', `${options.serial} is a pty: no modem lines, BOOT0/NRST are not driven`);
  }
  const port = await NodeSerialPort.open(options.serial, options.settings, { log: options.log });
  try {
    const lines: { boot0?: Digital; nrst?: Digital } = {};
    if (boot0 !== 'none') lines.boot0 = modemLine(port, boot0, { invert: options.invertBoot0 === true });
    if (reset !== 'none') lines.nrst = modemLine(port, reset, { invert: options.invertReset === true });
    // Fails now, with a hint, if the device has no modem lines (rather than later as a sync timeout).
    if (boot0 !== 'none' || reset !== 'none') await port.setModemLines({});
    return {
      description: options.serial,
      provider: port.provider,
      control: new TargetControl({ ...lines, timer: options.timer }),
      lines: { boot0, reset },
      digital: lines,
      close: () => port.closeAsync(),
    };
  } catch (error) {
    await port.closeAsync();
    throw error;
  }
}

/** Whether a device path is (a link to) a pseudo-terminal. */
function isPty(device: string): boolean {
  try {
    return /^\/dev\/(pts\/\d+|ttys\d+|ptmx)$/.test(realpathSync(device));
  } catch {
    return false;
  }
}
