/**
 * The application the simulated chip runs from flash (after a reset with BOOT0 = 0, or after Go): at 115200 8N1 it
 * prints a banner naming the chip and the CRC of its flash, then echoes every line it receives. The banner's CRC is
 * stm32Crc32 (src/image/crc32.ts) over the WHOLE main flash of the model, erased cells included, so a host that
 * flashed an image can check that the application saw exactly what it programmed.
 */

/** Longest line kept, in bytes; the rest of a longer line is dropped and the echo says so. */
export const DEMO_LINE_MAX = 128;

/** A received line equal to this makes the application jump to the system bootloader (software entry, AN2606). */
export const ENTER_BOOTLOADER_LINE = '!bootloader';

const CR = 0x0d;
const LF = 0x0a;

export interface DemoAppOptions {
  /** Part name as printed, e.g. 'STM32F103C8'. */
  chipName: string;
  /** Bytes of main flash. */
  flashBytes: number;
  /** stm32Crc32 over the whole main flash. */
  flashCrc: number;
  /** Send bytes on the UART. */
  send: (bytes: Uint8Array) => void;
  /** Called when the user asks for the bootloader (line ENTER_BOOTLOADER_LINE). */
  onEnterBootloader?: () => void;
}

/** The banner line, CRLF included. */
export function bannerText(chipName: string, flashCrc: number, flashBytes: number): string {
  const crc = (flashCrc >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `airboot demo app on ${chipName} \u2014 flash CRC 0x${crc} (${flashBytes / 1024} KiB)\r\n`;
}

export class DemoApp {
  private readonly line = new Uint8Array(DEMO_LINE_MAX);
  private length = 0;
  private truncated = false;
  private afterCr = false;

  constructor(private readonly options: DemoAppOptions) {}

  /** Run from reset: print the banner. */
  start(): void {
    this.options.send(
      utf8(bannerText(this.options.chipName, this.options.flashCrc, this.options.flashBytes)),
    );
  }

  /** Bytes from the UART. A line ends at CR, LF or CRLF; empty lines are ignored. */
  receive(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.receiveByte(bytes[i]!);
  }

  receiveByte(byte: number): void {
    if (byte === LF && this.afterCr) {
      this.afterCr = false;
      return;
    }
    this.afterCr = byte === CR;
    if (byte === CR || byte === LF) this.endLine();
    else if (this.length < this.line.length) this.line[this.length++] = byte;
    else this.truncated = true;
  }

  private endLine(): void {
    if (this.length === 0 && !this.truncated) return;
    const text = this.line.subarray(0, this.length);
    const truncated = this.truncated;
    this.length = 0;
    this.truncated = false;
    if (!truncated && isText(text, ENTER_BOOTLOADER_LINE) && this.options.onEnterBootloader) {
      this.options.send(utf8('entering bootloader\r\n'));
      this.options.onEnterBootloader();
      return;
    }
    const prefix = utf8('echo: ');
    const suffix = utf8(truncated ? ' [truncated]\r\n' : '\r\n');
    const out = new Uint8Array(prefix.length + text.length + suffix.length);
    out.set(prefix);
    out.set(text, prefix.length);
    out.set(suffix, prefix.length + text.length);
    this.options.send(out);
  }
}

function isText(bytes: Uint8Array, text: string): boolean {
  if (bytes.length !== text.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** UTF-8 of text made of characters below U+10000 (XS and Node both have TextEncoder, the portable types do not). */
export function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}
