/**
 * What code in RAM sees on a simulated STM32F1 (RM0008 §3.3 memory map): main flash (read-only: a write to locked
 * flash is a bus error), the RAM window the simulator models, and — with their reset values, as Go leaves them
 * (AN3155 §3.5) — the registers a program needs to talk on the bootloader's USART again: RCC, GPIOA, USART1, and
 * the SCB's CPUID and AIRCR. Anything else is a bus fault: the simulator does not pretend to have it.
 *
 * Clocks: the system clock is HSI (8 MHz) — HSE and the PLL are never ready here, so a switch to them does not
 * happen (RCC_CFGR.SWS stays HSI), as on a chip without a crystal. The core runs at HCLK; USART1 at PCLK2.
 *
 * USART1 (RM0008 §27): a byte written to DR moves to the shift register when it is free and takes one frame time
 * there; TXE and TC follow. It leaves on PA9 only when the chip could really send it: GPIOA and USART1 clocked,
 * PA9 alternate-function push-pull, UE and TE set. The line's speed and format are what BRR, CR1 and CR2 give; a
 * host listening at another speed or format receives garbage, which the simulated cable (src/io/serial-link.ts)
 * makes of it.
 */
import type { UartSettings } from '../../io/contracts.js';
import type { SimFlash } from '../sim-flash.js';
import type { Bus } from './thumb-core.js';
import { BusFault } from './thumb-core.js';

export const HSI_HZ = 8_000_000;

const RCC = 0x4002_1000;
const GPIOA = 0x4001_0800;
const USART1 = 0x4001_3800;
const BLOCK = 0x400;
const CPUID = 0xe000_ed00;
const AIRCR = 0xe000_ed0c;
/** Cortex-M3 r1p1, the F1's core (RM0008 / PM0056 §4.4.1). */
const CPUID_VALUE = 0x411f_c231;

const RCC_CR = 0x00;
const RCC_CFGR = 0x04;
const RCC_APB2ENR = 0x18;
const IOPAEN = 1 << 2;
const USART1EN = 1 << 14;

const SR = 0x00;
const DR = 0x04;
const BRR = 0x08;
const CR1 = 0x0c;
const CR2 = 0x10;
const TXE = 1 << 7;
const TC = 1 << 6;
const UE = 1 << 13;
const M = 1 << 12;
const PCE = 1 << 10;
const PS = 1 << 9;
const TE = 1 << 3;

/** What the bus tells its owner. */
export interface F1BusEvents {
  /** A byte starts on PA9 at `cycle` (HCLK cycles since the core started), sent with `settings`. */
  transmit(byte: number, settings: UartSettings, cycle: number): void;
  /** AIRCR asked for a system reset. */
  systemReset(): void;
}

export class F1Bus implements Bus {
  private readonly rcc = new Uint32Array(BLOCK / 4);
  private readonly gpioa = new Uint32Array(BLOCK / 4);
  private readonly usart = new Uint32Array(BLOCK / 4);
  /** HCLK cycle when the shift register is free again. */
  private shiftEnd = 0;
  /** The byte waiting in DR for the shift register. */
  private holding: number | undefined;

  constructor(
    private readonly flash: SimFlash,
    private readonly events: F1BusEvents,
    /** The core's cycle count (HCLK). */
    private readonly now: () => number,
    /** Model the time a frame takes (false: TXE and TC are always set, bytes leave at once). */
    private readonly timing: boolean,
  ) {
    // Reset values (RM0008 §7.3, §9.2, §27.6).
    this.rcc[RCC_CR / 4] = 0x0000_0083; // HSION, HSIRDY, HSITRIM = 16
    this.rcc[0x14 / 4] = 0x0000_0014; // AHBENR: SRAM and FLITF clocks on
    this.gpioa[0] = 0x4444_4444; // CRL: every pin a floating input
    this.gpioa[1] = 0x4444_4444; // CRH
    this.usart[SR / 4] = TXE | TC;
  }

  /** HCLK in Hz: HSI through the AHB prescaler. */
  get hclkHz(): number {
    return HSI_HZ / ahbDivider((this.rcc[RCC_CFGR / 4]! >>> 4) & 0xf);
  }

  read(address: number, size: 1 | 2 | 4): number {
    const region = this.flash.region(address, size);
    if (region && (region.kind === 'flash' || region.kind === 'ram'))
      return littleEndian(this.flash.view(address, size));
    const word = this.readRegister(address - (address & 3));
    if (word === undefined) throw new BusFault(address, size, 'read');
    const shifted = word >>> ((address & 3) * 8);
    return size === 4 ? shifted >>> 0 : shifted & (size === 2 ? 0xffff : 0xff);
  }

  write(address: number, size: 1 | 2 | 4, value: number): void {
    const region = this.flash.region(address, size);
    if (region?.kind === 'ram') {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (value >>> (8 * i)) & 0xff;
      this.flash.writeRam(address, bytes);
      return;
    }
    // Peripheral registers take 16- and 32-bit writes (RM0008 §3.1); a byte write is widened here.
    if (!this.writeRegister(address - (address & 3), value << ((address & 3) * 8))) {
      throw new BusFault(address, size, 'write');
    }
  }

  private readRegister(address: number): number | undefined {
    if (address === CPUID) return CPUID_VALUE;
    if (address === AIRCR) return 0xfa05_0000; // VECTKEYSTAT reads 0xFA05
    if (inBlock(address, RCC)) {
      const offset = address - RCC;
      if (offset === RCC_CFGR) {
        // SWS (bits 3:2) follows SW only for HSI: HSE and the PLL never get ready here.
        const cfgr = this.rcc[RCC_CFGR / 4]!;
        return cfgr & ~0xc;
      }
      return this.rcc[offset / 4]!;
    }
    if (inBlock(address, GPIOA)) return this.clocked(IOPAEN) ? this.gpioa[(address - GPIOA) / 4]! : 0;
    if (inBlock(address, USART1)) {
      if (!this.clocked(USART1EN)) return 0;
      const offset = address - USART1;
      if (offset === SR) {
        this.advance();
        const idle = this.holding === undefined;
        const done = idle && this.now() >= this.shiftEnd;
        return (this.usart[0]! & ~(TXE | TC)) | (idle ? TXE : 0) | (done ? TC : 0);
      }
      return this.usart[offset / 4]!;
    }
    return undefined;
  }

  private writeRegister(address: number, value: number): boolean {
    if (address === AIRCR) {
      // ARMv7-M / ARMv6-M: only a write with VECTKEY 0x05FA counts; SYSRESETREQ is bit 2.
      if (value >>> 16 === 0x05fa && value & 4) this.events.systemReset();
      return true;
    }
    if (inBlock(address, RCC)) {
      this.rcc[(address - RCC) / 4] = value;
      return true;
    }
    if (inBlock(address, GPIOA)) {
      if (this.clocked(IOPAEN)) this.gpioa[(address - GPIOA) / 4] = value;
      return true;
    }
    if (inBlock(address, USART1)) {
      if (!this.clocked(USART1EN)) return true; // an unclocked peripheral ignores writes
      const offset = address - USART1;
      if (offset === DR) this.transmit(value & 0x1ff);
      else this.usart[offset / 4] = value;
      return true;
    }
    return false;
  }

  private clocked(enable: number): boolean {
    return (this.rcc[RCC_APB2ENR / 4]! & enable) !== 0;
  }

  /** DR written: into the shift register when it is free, else it waits in DR (a byte already waiting is lost). */
  private transmit(value: number): void {
    const cr1 = this.usart[CR1 / 4]!;
    if (!(cr1 & UE) || !(cr1 & TE)) return;
    this.advance();
    const now = this.now();
    if (this.holding === undefined && now >= this.shiftEnd) this.shiftOut(value, now);
    else this.holding = value;
  }

  /** Move a waiting byte into the shift register once it has finished the previous one. */
  private advance(): void {
    if (this.holding !== undefined && this.now() >= this.shiftEnd) {
      const byte = this.holding;
      this.holding = undefined;
      this.shiftOut(byte, this.shiftEnd);
    }
  }

  private shiftOut(value: number, at: number): void {
    const settings = this.lineSettings();
    const bitCycles = this.bitCycles();
    this.shiftEnd =
      this.timing && settings && bitCycles > 0 ? at + Math.round(bitCycles * frameBits(settings)) : at;
    // A pin that is not driven by the USART carries nothing; a frame the UART cannot make is garbage on the wire.
    if (!settings || !this.pa9DrivenByUsart()) return;
    this.events.transmit(value & 0xff, settings, at);
  }

  private pa9DrivenByUsart(): boolean {
    // PA9 = CRH bits 7:4: MODE (5:4) ≠ 00 is an output; CNF (7:6) = 10 is alternate-function push-pull (§9.2.2).
    const nibble = (this.gpioa[1]! >>> 4) & 0xf;
    return this.clocked(IOPAEN) && (nibble & 3) !== 0 && nibble >>> 2 === 0b10;
  }

  /** HCLK cycles per bit: BRR is PCLK2 cycles per bit (RM0008 §27.3.4), PCLK2 = HCLK / the APB2 prescaler. */
  private bitCycles(): number {
    const brr = this.usart[BRR / 4]! & 0xffff;
    return brr * apbDivider((this.rcc[RCC_CFGR / 4]! >>> 11) & 7);
  }

  /** Speed and format the USART makes, or undefined for a frame no UART setting describes (9 data bits). */
  private lineSettings(): UartSettings | undefined {
    const cr1 = this.usart[CR1 / 4]!;
    const brr = this.usart[BRR / 4]! & 0xffff;
    if (brr < 16) return undefined; // USARTDIV below 1: no defined speed
    const pclk2 = this.hclkHz / apbDivider((this.rcc[RCC_CFGR / 4]! >>> 11) & 7);
    const parity = cr1 & PCE ? (cr1 & PS ? 'odd' : 'even') : 'none';
    const wordBits = cr1 & M ? 9 : 8;
    const dataBits = parity === 'none' ? wordBits : wordBits - 1;
    if (dataBits !== 7 && dataBits !== 8) return undefined;
    const stop = [1, 0.5, 2, 1.5][(this.usart[CR2 / 4]! >>> 12) & 3]!;
    if (stop === 0.5) return undefined;
    return { baud: Math.round(pclk2 / brr), dataBits, parity, stopBits: stop as 1 | 1.5 | 2 };
  }
}

function inBlock(address: number, base: number): boolean {
  return address >= base && address < base + BLOCK;
}

function littleEndian(bytes: Uint8Array): number {
  let value = 0;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8) | bytes[i]!;
  return value >>> 0;
}

function frameBits(settings: UartSettings): number {
  return 1 + settings.dataBits + (settings.parity === 'none' ? 0 : 1) + settings.stopBits;
}

/** RCC_CFGR HPRE (RM0008 §7.3.2): 0xxx = /1, 1000 = /2 … 1111 = /512 (no /32). */
function ahbDivider(hpre: number): number {
  if (hpre < 8) return 1;
  return [2, 4, 8, 16, 64, 128, 256, 512][hpre - 8]!;
}

/** RCC_CFGR PPRE1/PPRE2: 0xx = /1, 100 = /2 … 111 = /16. */
function apbDivider(ppre: number): number {
  return ppre < 4 ? 1 : 2 ** (ppre - 3);
}
