/**
 * What the page-CRC routine must set up on each family before it can send (Go returns the bootloader's
 * peripherals to their reset values, AN3155 §3.5): data for page-crc.s, not code. Only families whose registers
 * are written down here get the routine; the others keep comparing by read-back.
 *
 * These values come from the reference manuals and are tested against the simulator's model of those registers
 * (src/sim/cortex), not on a chip.
 */
import type { Family } from '../chips.js';
import type { RegisterStep, UsartRegisters } from './routine.js';

export interface RoutineSetup {
  /** Core clock the steps leave the chip on, Hz (the CRC's speed and the USART's baud divisor follow from it). */
  cpuHz: number;
  /** Bytes of RAM from the chip's `ramStart` the routine, its parameters and its stack may take. */
  ramBytes: number;
  init: RegisterStep[];
  usart: UsartRegisters;
}

/** STM32F1 (RM0008): HSI is 8 MHz and always on after a reset; USART1 on PA9 (TX) / PA10 (RX). */
const F1 = {
  hsiHz: 8_000_000,
  rccCfgr: 0x4002_1004, // RM0008 §7.3.2: SW[1:0], HPRE[7:4], PPRE1[10:8], PPRE2[13:11]
  rccApb2enr: 0x4002_1018, // §7.3.7: IOPAEN bit 2, USART1EN bit 14
  gpioaCrh: 0x4001_0804, // §9.2.2: PA9 = bits 7:4
  usart1: 0x4001_3800, // §27.6: SR +0, DR +4, BRR +8, CR1 +0x0C
};

/** The set-up for a family at the line's baud, or undefined when airboot has none for it. */
export function routineSetup(family: Family, baud: number): RoutineSetup | undefined {
  if (family !== 'F1') return undefined;
  const usart = F1.usart1;
  return {
    cpuHz: F1.hsiHz,
    // The smallest F1 parts have 4 KiB of SRAM and the bootloader keeps its first 512 bytes (AN2606, ramStart);
    // 3 KiB leaves room to spare (and fits the simulator's 4096 bytes).
    ramBytes: 3 * 1024,
    init: [
      // System clock from HSI, AHB and both APBs undivided: PCLK2 (USART1's clock) is then 8 MHz whatever the
      // bootloader had chosen.
      { address: F1.rccCfgr, clear: 0x3ff3, set: 0 },
      { address: F1.rccApb2enr, clear: 0, set: (1 << 2) | (1 << 14) },
      // PA9 alternate-function push-pull, 50 MHz (MODE 11, CNF 10); PA10 stays a floating input (reset value).
      { address: F1.gpioaCrh, clear: 0xf0, set: 0xb0 },
      // USARTDIV = PCLK2 / (16 × baud); BRR holds it ×16 (mantissa and 4-bit fraction): PCLK2 / baud, rounded.
      { address: usart + 0x08, clear: 0xffff, set: Math.round(F1.hsiHz / baud) },
      // UE, M (9-bit frame: 8 data + parity), PCE, PS = 0 (even), TE: the bootloader's 8E1 (AN3155 §1).
      { address: usart + 0x0c, clear: 0x3fff, set: (1 << 13) | (1 << 12) | (1 << 10) | (1 << 3) },
    ],
    usart: { status: usart, data: usart + 0x04, txeMask: 1 << 7, tcMask: 1 << 6 },
  };
}
