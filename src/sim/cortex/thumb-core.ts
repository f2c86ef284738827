/**
 * A Cortex-M core for the simulator, so code the host loads into RAM (Write Memory + Go) really runs: the ARMv6-M
 * Thumb instruction set (ARM DDI 0419 "ARMv6-M Architecture Reference Manual", §A5.2 16-bit encodings, §A6.7
 * instruction details) plus BL and the barriers, with the N Z C V flags. That is everything a Cortex-M0 runs; a
 * Cortex-M3/M4/M7 runs it the same way.
 *
 * What is not modelled stops the core as a real one would stop in its HardFault handler, silent: an undefined or
 * unsupported encoding, a bus access nothing answers, an unaligned word or half-word access, a BX to an ARM-state
 * address. `fault` then says why. Cycle counts follow the Cortex-M0 TRM (DDI 0432, table 3-1), so the simulator
 * can turn them into time.
 *
 * Memory: sixteen registers and four flags; no allocation per instruction.
 */

/** The memory and peripherals the core reads and writes. A missing device answers with BusFault. */
export interface Bus {
  read(address: number, size: 1 | 2 | 4): number;
  write(address: number, size: 1 | 2 | 4, value: number): void;
}

/** An access the bus does not answer (AN ARMv6-M "BusFault", escalated to HardFault). */
export class BusFault extends Error {
  constructor(
    readonly address: number,
    readonly size: number,
    readonly access: 'read' | 'write',
  ) {
    super(`bus fault: ${access} of ${size} byte(s) at 0x${(address >>> 0).toString(16).padStart(8, '0')}`);
    Object.defineProperty(this, 'name', { value: 'BusFault', writable: true, configurable: true });
  }
}

const SP = 13;
const LR = 14;
const PC = 15;

export class ThumbCore {
  /** r0–r15; r15 is the address of the next instruction to run (not the +4 an instruction reads). */
  readonly r = new Uint32Array(16);
  n = false;
  z = false;
  c = false;
  v = false;
  /** PRIMASK: interrupts masked (CPSID I). No interrupt is modelled; kept for completeness. */
  primask = false;
  /** Cycles run since reset. */
  cycles = 0;
  /** Why the core stopped (a fault), or undefined while it runs. */
  fault: string | undefined;

  constructor(private readonly bus: Bus) {}

  /** Start at a vector table: SP from `vector`, PC from `vector + 4` (which must have the Thumb bit). */
  start(vector: number): void {
    this.r.fill(0);
    this.cycles = 0;
    this.fault = undefined;
    this.n = this.z = this.c = this.v = false;
    this.primask = false;
    try {
      this.r[SP] = this.bus.read(vector, 4) & ~3;
      const entry = this.bus.read(vector + 4, 4);
      if ((entry & 1) === 0) {
        this.stop(`reset vector 0x${hex(entry)} has no Thumb bit`);
        return;
      }
      this.r[PC] = entry & ~1;
    } catch (error) {
      this.stop(error instanceof BusFault ? error.message : String(error));
    }
  }

  /** Run instructions until `budget` more cycles have passed, the core faults, or `until()` says stop. */
  run(budget: number, until: () => boolean = () => false): void {
    const end = this.cycles + budget;
    while (this.fault === undefined && this.cycles < end && !until()) this.step();
  }

  stop(reason: string): void {
    this.fault ??= reason;
  }

  /** One instruction; a bus fault stops the core (HardFault) instead of throwing. Nothing happens once stopped. */
  step(): void {
    if (this.fault !== undefined) return;
    const pc = this.r[PC]!;
    try {
      const op = this.fetch(pc);
      this.r[PC] = pc + 2;
      const top = op >>> 11;
      if (top === 0b11101 || top === 0b11110 || top === 0b11111) this.wide(op, this.fetch(pc + 2), pc);
      else this.narrow(op, pc);
    } catch (error) {
      if (!(error instanceof BusFault)) throw error;
      this.r[PC] = pc;
      this.stop(`${error.message} (instruction at 0x${hex(pc)})`);
    }
  }

  private fetch(address: number): number {
    if (address & 1) throw new BusFault(address, 2, 'read');
    return this.bus.read(address, 2);
  }

  /** The value an instruction at `pc` reads as PC: its address + 4 (§A5.1.2). */
  private pcValue(pc: number): number {
    return (pc + 4) >>> 0;
  }

  private narrow(op: number, pc: number): void {
    const r = this.r;
    switch (op >>> 12) {
      case 0b0000:
      case 0b0001:
        this.shiftAddSubtract(op);
        return;
      case 0b0010:
      case 0b0011: {
        // §A5.2.1: MOV, CMP, ADD, SUB with an 8-bit immediate.
        const d = (op >>> 8) & 7;
        const imm = op & 0xff;
        const kind = (op >>> 11) & 3;
        this.cycles += 1;
        if (kind === 0) {
          r[d] = imm;
          this.setNZ(imm);
          return;
        }
        if (kind === 1) {
          this.addWithCarry(r[d]!, ~imm, true);
          return;
        }
        r[d] = kind === 2 ? this.addWithCarry(r[d]!, imm, false) : this.addWithCarry(r[d]!, ~imm, true);
        return;
      }
      case 0b0100:
        if ((op & 0xfc00) === 0x4000) {
          this.dataProcessing(op);
          return;
        }
        if ((op & 0xfc00) === 0x4400) {
          this.specialDataBranch(op, pc);
          return;
        }
        {
          // LDR (literal), §A6.7.27: Align(PC, 4) + imm8 × 4.
          const t = (op >>> 8) & 7;
          r[t] = this.load((this.pcValue(pc) & ~3) + (op & 0xff) * 4, 4);
          this.cycles += 2;
        }
        return;
      case 0b0101:
        this.loadStoreRegister(op);
        return;
      case 0b0110:
      case 0b0111:
      case 0b1000:
        this.loadStoreImmediate(op);
        return;
      case 0b1001: {
        // STR / LDR SP-relative, §A6.7.68 / A6.7.26.
        const t = (op >>> 8) & 7;
        const address = r[SP]! + (op & 0xff) * 4;
        if (op & 0x0800) r[t] = this.load(address, 4);
        else this.store(address, 4, r[t]!);
        this.cycles += 2;
        return;
      }
      case 0b1010: {
        // ADR (§A6.7.5) / ADD Rd, SP, #imm8×4 (§A6.7.4).
        const d = (op >>> 8) & 7;
        const base = op & 0x0800 ? r[SP]! : this.pcValue(pc) & ~3;
        r[d] = base + (op & 0xff) * 4;
        this.cycles += 1;
        return;
      }
      case 0b1011:
        this.miscellaneous(op, pc);
        return;
      case 0b1100:
        this.loadStoreMultiple(op);
        return;
      case 0b1101: {
        const cond = (op >>> 8) & 0xf;
        if (cond === 0b1111) {
          this.stop(`SVC at 0x${hex(pc)}: no supervisor call is modelled`);
          return;
        }
        if (cond === 0b1110) {
          this.stop(`UDF at 0x${hex(pc)}`);
          return;
        }
        // B<cond>, §A6.7.10: imm8 × 2, sign-extended.
        if (this.condition(cond)) {
          r[PC] = this.pcValue(pc) + signExtend((op & 0xff) << 1, 9);
          this.cycles += 3;
        } else {
          this.cycles += 1;
        }
        return;
      }
      case 0b1110:
        if (op & 0x0800) {
          this.stop(`undefined 16-bit encoding 0x${op.toString(16)} at 0x${hex(pc)}`);
          return;
        }
        // B, §A6.7.10: imm11 × 2, sign-extended.
        r[PC] = this.pcValue(pc) + signExtend((op & 0x7ff) << 1, 12);
        this.cycles += 3;
        return;
      default:
        this.stop(`undefined encoding 0x${op.toString(16)} at 0x${hex(pc)}`);
        return;
    }
  }

  /** §A5.2.1: LSL/LSR/ASR (immediate), ADD/SUB (register, 3-bit immediate). */
  private shiftAddSubtract(op: number): void {
    const r = this.r;
    const d = op & 7;
    const m = (op >>> 3) & 7;
    const kind = (op >>> 11) & 3;
    this.cycles += 1;
    if (kind < 3) {
      const amount = (op >>> 6) & 0x1f;
      r[d] = this.shift(kind, r[m]!, amount === 0 && kind !== 0 ? 32 : amount);
      this.setNZ(r[d]!);
      return;
    }
    const operand = op & 0x0400 ? (op >>> 6) & 7 : r[(op >>> 6) & 7]!;
    r[d] = op & 0x0200 ? this.addWithCarry(r[m]!, ~operand, true) : this.addWithCarry(r[m]!, operand, false);
  }

  /** §A5.2.2: the sixteen register-to-register data-processing operations. */
  private dataProcessing(op: number): void {
    const r = this.r;
    const dn = op & 7;
    const m = (op >>> 3) & 7;
    const a = r[dn]!;
    const b = r[m]!;
    this.cycles += 1;
    switch ((op >>> 6) & 0xf) {
      case 0x0: // AND
        r[dn] = a & b;
        this.setNZ(r[dn]!);
        return;
      case 0x1: // EOR
        r[dn] = a ^ b;
        this.setNZ(r[dn]!);
        return;
      case 0x2: // LSL (register)
      case 0x3: // LSR
      case 0x4: // ASR
        r[dn] = this.shift(((op >>> 6) & 0xf) - 2, a, b & 0xff);
        this.setNZ(r[dn]!);
        return;
      case 0x5: // ADC
        r[dn] = this.addWithCarry(a, b, this.c);
        return;
      case 0x6: // SBC
        r[dn] = this.addWithCarry(a, ~b, this.c);
        return;
      case 0x7: // ROR
        r[dn] = this.rotate(a, b & 0xff);
        this.setNZ(r[dn]!);
        return;
      case 0x8: // TST
        this.setNZ(a & b);
        return;
      case 0x9: // RSB #0 (NEG)
        r[dn] = this.addWithCarry(~b, 0, true);
        return;
      case 0xa: // CMP
        this.addWithCarry(a, ~b, true);
        return;
      case 0xb: // CMN
        this.addWithCarry(a, b, false);
        return;
      case 0xc: // ORR
        r[dn] = a | b;
        this.setNZ(r[dn]!);
        return;
      case 0xd: // MUL (Cortex-M0 single-cycle multiplier)
        r[dn] = Math.imul(a, b);
        this.setNZ(r[dn]!);
        return;
      case 0xe: // BIC
        r[dn] = a & ~b;
        this.setNZ(r[dn]!);
        return;
      default: // MVN
        r[dn] = ~b;
        this.setNZ(r[dn]!);
        return;
    }
  }

  /** §A5.2.3: ADD, CMP, MOV with high registers; BX, BLX (register). */
  private specialDataBranch(op: number, pc: number): void {
    const r = this.r;
    const d = (op & 7) | ((op >>> 4) & 8);
    const m = (op >>> 3) & 0xf;
    const read = (n: number) => (n === PC ? this.pcValue(pc) : r[n]!);
    switch ((op >>> 8) & 3) {
      case 0: // ADD (register), no flags
        this.writeRegister(d, read(d) + read(m));
        return;
      case 1: // CMP (register)
        this.addWithCarry(read(d), ~read(m), true);
        this.cycles += 1;
        return;
      case 2: // MOV (register), no flags
        this.writeRegister(d, read(m));
        return;
      default: {
        const target = read(m);
        if ((target & 1) === 0) {
          this.stop(`BX to 0x${hex(target)}: ARM state does not exist on Cortex-M`);
          return;
        }
        if (op & 0x80) r[LR] = (pc + 2) | 1; // BLX
        r[PC] = target & ~1;
        this.cycles += 3;
      }
    }
  }

  /** A write to a register by ADD/MOV: to PC it is a branch (§A6.7.3, A6.7.40). */
  private writeRegister(d: number, value: number): void {
    if (d === PC) {
      this.r[PC] = value & ~1;
      this.cycles += 3;
    } else {
      this.r[d] = value;
      this.cycles += 1;
    }
  }

  /** §A5.2.4, register offset: STR, STRH, STRB, LDRSB, LDR, LDRH, LDRB, LDRSH. */
  private loadStoreRegister(op: number): void {
    const r = this.r;
    const t = op & 7;
    const address = r[(op >>> 3) & 7]! + r[(op >>> 6) & 7]!;
    this.cycles += 2;
    switch ((op >>> 9) & 7) {
      case 0:
        this.store(address, 4, r[t]!);
        return;
      case 1:
        this.store(address, 2, r[t]!);
        return;
      case 2:
        this.store(address, 1, r[t]!);
        return;
      case 3:
        r[t] = signExtend(this.load(address, 1), 8);
        return;
      case 4:
        r[t] = this.load(address, 4);
        return;
      case 5:
        r[t] = this.load(address, 2);
        return;
      case 6:
        r[t] = this.load(address, 1);
        return;
      default:
        r[t] = signExtend(this.load(address, 2), 16);
    }
  }

  /** §A5.2.4, immediate offset: STR/LDR (×4), STRB/LDRB (×1), STRH/LDRH (×2). */
  private loadStoreImmediate(op: number): void {
    const r = this.r;
    const t = op & 7;
    const n = (op >>> 3) & 7;
    const imm = (op >>> 6) & 0x1f;
    const size = op >>> 12 === 0b0110 ? 4 : op >>> 12 === 0b0111 ? 1 : 2;
    const address = r[n]! + imm * size;
    this.cycles += 2;
    if (op & 0x0800) r[t] = this.load(address, size);
    else this.store(address, size, r[t]!);
  }

  /** §A5.2.5: SP adjust, extends, PUSH/POP, REV, CPS, hints, BKPT. */
  private miscellaneous(op: number, pc: number): void {
    const r = this.r;
    const d = op & 7;
    const m = (op >>> 3) & 7;
    if ((op & 0xff00) === 0xb000) {
      const imm = (op & 0x7f) * 4;
      r[SP] = op & 0x80 ? r[SP]! - imm : r[SP]! + imm;
      this.cycles += 1;
      return;
    }
    if ((op & 0xff00) === 0xb200) {
      const value = r[m]!;
      const kind = (op >>> 6) & 3;
      r[d] =
        kind === 0
          ? signExtend(value & 0xffff, 16)
          : kind === 1
            ? signExtend(value & 0xff, 8)
            : kind === 2
              ? value & 0xffff
              : value & 0xff;
      this.cycles += 1;
      return;
    }
    if ((op & 0xfe00) === 0xb400) {
      this.push(op & 0xff, (op & 0x100) !== 0);
      return;
    }
    if ((op & 0xfe00) === 0xbc00) {
      this.pop(op & 0xff, (op & 0x100) !== 0);
      return;
    }
    if ((op & 0xffef) === 0xb662) {
      // CPSIE / CPSID I (§A6.7.17).
      this.primask = (op & 0x10) !== 0;
      this.cycles += 1;
      return;
    }
    if ((op & 0xff00) === 0xba00) {
      const value = r[m]!;
      const kind = (op >>> 6) & 3;
      this.cycles += 1;
      if (kind === 0) r[d] = byteSwap(value);
      else if (kind === 1) r[d] = ((value >>> 8) & 0x00ff00ff) | ((value << 8) & 0xff00ff00);
      else if (kind === 3) r[d] = signExtend(((value & 0xff) << 8) | ((value >>> 8) & 0xff), 16);
      else this.stop(`undefined encoding 0x${op.toString(16)} at 0x${hex(pc)}`);
      return;
    }
    if ((op & 0xff00) === 0xbe00) {
      this.stop(`BKPT at 0x${hex(pc)}: no debugger attached`);
      return;
    }
    if ((op & 0xff0f) === 0xbf00) {
      // NOP, YIELD, WFE, WFI, SEV: nothing to wait for here.
      this.cycles += 1;
      return;
    }
    this.stop(`undefined encoding 0x${op.toString(16)} at 0x${hex(pc)}`);
  }

  private push(list: number, withLr: boolean): void {
    const r = this.r;
    const count = bitCount(list) + (withLr ? 1 : 0);
    let address = r[SP]! - 4 * count;
    r[SP] = address;
    for (let i = 0; i < 8; i++) {
      if (list & (1 << i)) {
        this.store(address, 4, r[i]!);
        address += 4;
      }
    }
    if (withLr) this.store(address, 4, r[LR]!);
    this.cycles += 1 + count;
  }

  private pop(list: number, withPc: boolean): void {
    const r = this.r;
    let address = r[SP]!;
    for (let i = 0; i < 8; i++) {
      if (list & (1 << i)) {
        r[i] = this.load(address, 4);
        address += 4;
      }
    }
    let target: number | undefined;
    if (withPc) {
      target = this.load(address, 4);
      address += 4;
    }
    r[SP] = address;
    this.cycles += 1 + bitCount(list) + (withPc ? 3 : 0);
    if (target !== undefined) {
      if ((target & 1) === 0) {
        this.stop(`POP {pc} to 0x${hex(target)} without the Thumb bit`);
        return;
      }
      r[PC] = target & ~1;
    }
  }

  /** §A6.7.66 STM / A6.7.25 LDM (increment after, writeback unless the base is loaded). */
  private loadStoreMultiple(op: number): void {
    const r = this.r;
    const n = (op >>> 8) & 7;
    const list = op & 0xff;
    if (list === 0) {
      this.stop(`LDM/STM with an empty list at 0x${hex(r[PC]! - 2)}`);
      return;
    }
    let address = r[n]!;
    const load = (op & 0x0800) !== 0;
    for (let i = 0; i < 8; i++) {
      if (!(list & (1 << i))) continue;
      if (load) r[i] = this.load(address, 4);
      else this.store(address, 4, r[i]!);
      address += 4;
    }
    if (!load || !(list & (1 << n))) r[n] = address;
    this.cycles += 1 + bitCount(list);
  }

  /** 32-bit encodings (§A5.3): BL, and DSB/DMB/ISB as no-ops; MSR/MRS and the rest stop the core. */
  private wide(first: number, second: number, pc: number): void {
    const r = this.r;
    r[PC] = pc + 4;
    if ((first & 0xf800) === 0xf000 && (second & 0xd000) === 0xd000) {
      // BL, §A6.7.13: I1 = NOT(J1 XOR S), I2 = NOT(J2 XOR S); offset = S:I1:I2:imm10:imm11:0.
      const s = (first >>> 10) & 1;
      const i1 = ((second >>> 13) & 1) ^ s ^ 1;
      const i2 = ((second >>> 11) & 1) ^ s ^ 1;
      const offset = signExtend(
        (s << 24) | (i1 << 23) | (i2 << 22) | ((first & 0x3ff) << 12) | ((second & 0x7ff) << 1),
        25,
      );
      r[LR] = (pc + 4) | 1;
      r[PC] = pc + 4 + offset;
      this.cycles += 4;
      return;
    }
    if (first === 0xf3bf && (second & 0xffe0) === 0x8f40) {
      // DSB, DMB, ISB (§A6.7.21–22, A6.7.37): nothing is reordered here.
      this.cycles += 4;
      return;
    }
    this.stop(
      `32-bit encoding 0x${first.toString(16)} 0x${second.toString(16)} at 0x${hex(pc)} is not modelled`,
    );
  }

  private load(address: number, size: 1 | 2 | 4): number {
    const at = address >>> 0;
    if (at % size !== 0) throw new BusFault(at, size, 'read');
    return this.bus.read(at, size) >>> 0;
  }

  private store(address: number, size: 1 | 2 | 4, value: number): void {
    const at = address >>> 0;
    if (at % size !== 0) throw new BusFault(at, size, 'write');
    const mask = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    this.bus.write(at, size, (value & mask) >>> 0);
  }

  /** §A2.2.1 AddWithCarry: result, and N Z C V. */
  private addWithCarry(x: number, y: number, carryIn: boolean): number {
    const a = x >>> 0;
    const b = y >>> 0;
    const sum = a + b + (carryIn ? 1 : 0);
    const result = sum >>> 0;
    this.c = sum > 0xffffffff;
    this.v = ((a ^ result) & (b ^ result) & 0x80000000) !== 0;
    this.setNZ(result);
    return result;
  }

  /** Shift by `amount` (0–255): 0 = LSL, 1 = LSR, 2 = ASR, with the carry out (§A2.2.1 Shift_C). */
  private shift(kind: number, value: number, amount: number): number {
    const x = value >>> 0;
    if (amount === 0) return x;
    if (kind === 0) {
      this.c = amount < 32 ? ((x >>> (32 - amount)) & 1) === 1 : amount === 32 && (x & 1) === 1;
      return amount >= 32 ? 0 : (x << amount) >>> 0;
    }
    if (kind === 1) {
      this.c = amount <= 32 ? ((x >>> (amount - 1)) & 1) === 1 : false;
      return amount >= 32 ? 0 : x >>> amount;
    }
    if (amount >= 32) {
      this.c = (x & 0x80000000) !== 0;
      return this.c ? 0xffffffff : 0;
    }
    this.c = ((x >>> (amount - 1)) & 1) === 1;
    return (x >> amount) >>> 0;
  }

  /** ROR by `amount` (0–255), §A6.7.54. */
  private rotate(value: number, amount: number): number {
    const x = value >>> 0;
    if (amount === 0) return x;
    const by = amount & 31;
    const result = by === 0 ? x : ((x >>> by) | (x << (32 - by))) >>> 0;
    this.c = (result & 0x80000000) !== 0;
    return result;
  }

  private setNZ(value: number): void {
    this.n = (value & 0x80000000) !== 0;
    this.z = value >>> 0 === 0;
  }

  /** §A7.3 condition codes. */
  private condition(cond: number): boolean {
    switch (cond) {
      case 0x0:
        return this.z;
      case 0x1:
        return !this.z;
      case 0x2:
        return this.c;
      case 0x3:
        return !this.c;
      case 0x4:
        return this.n;
      case 0x5:
        return !this.n;
      case 0x6:
        return this.v;
      case 0x7:
        return !this.v;
      case 0x8:
        return this.c && !this.z;
      case 0x9:
        return !this.c || this.z;
      case 0xa:
        return this.n === this.v;
      case 0xb:
        return this.n !== this.v;
      case 0xc:
        return !this.z && this.n === this.v;
      case 0xd:
        return this.z || this.n !== this.v;
      default:
        return true;
    }
  }
}

function signExtend(value: number, bits: number): number {
  const shift = 32 - bits;
  return (value << shift) >> shift;
}

function bitCount(list: number): number {
  let count = 0;
  for (let bits = list; bits; bits &= bits - 1) count++;
  return count;
}

function byteSwap(value: number): number {
  return (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0;
}

function hex(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
