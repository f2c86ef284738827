/**
 * The simulator's Thumb core (src/sim/cortex/thumb-core.ts) against the ARMv6-M ARM's pseudo-code: hand-assembled
 * programs in a flat RAM, results and N Z C V checked at the edges (carry and overflow of ADDS/SUBS/ADCS/SBCS,
 * shifts by 0, 32 and more), calls and returns, and the faults that stop a real core.
 */
import { type Bus, BusFault, ThumbCore } from '../../../src/sim/cortex/thumb-core.js';
import { deepEqual, equal, match, ok } from '../assert.js';
import { test } from '../harness.js';

const RAM = 0x2000_0000;
const HALT = 0xe7fe; // b .

/** A RAM-only bus: 1 KiB at 0x20000000; everything else is a bus fault. */
function ram(): Bus & { bytes: Uint8Array } {
  const bytes = new Uint8Array(1024);
  const offset = (address: number, size: number, access: 'read' | 'write') => {
    const at = address - RAM;
    if (at < 0 || at + size > bytes.length) throw new BusFault(address, size, access);
    return at;
  };
  return {
    bytes,
    read(address, size) {
      const at = offset(address, size, 'read');
      let value = 0;
      for (let i = size - 1; i >= 0; i--) value = (value << 8) | bytes[at + i]!;
      return value >>> 0;
    },
    write(address, size, value) {
      const at = offset(address, size, 'write');
      for (let i = 0; i < size; i++) bytes[at + i] = (value >>> (8 * i)) & 0xff;
    },
  };
}

/** Load the vector table and `program` (half-words) at RAM + 8, set registers, run to the final `b .` or a fault. */
function run(program: readonly number[], registers: Record<number, number> = {}) {
  const bus = ram();
  bus.write(RAM, 4, RAM + 0x400);
  bus.write(RAM + 4, 4, RAM + 8 + 1);
  [...program, HALT].forEach((half, i) => {
    bus.write(RAM + 8 + 2 * i, 2, half);
  });
  const core = new ThumbCore(bus);
  core.start(RAM);
  for (const [register, value] of Object.entries(registers)) core.r[Number(register)] = value;
  for (let steps = 0; steps < 10_000 && core.fault === undefined; steps++) {
    const pc = core.r[15]!;
    core.step();
    if (core.r[15] === pc) break; // b .
  }
  return {
    core,
    bus,
    flags: () => `${core.n ? 'N' : '-'}${core.z ? 'Z' : '-'}${core.c ? 'C' : '-'}${core.v ? 'V' : '-'}`,
  };
}

const adds = (d: number, n: number, m: number) => 0x1800 | (m << 6) | (n << 3) | d;
const subs = (d: number, n: number, m: number) => 0x1a00 | (m << 6) | (n << 3) | d;
const adcs = (dn: number, m: number) => 0x4140 | (m << 3) | dn;
const sbcs = (dn: number, m: number) => 0x4180 | (m << 3) | dn;
const movs = (d: number, imm: number) => 0x2000 | (d << 8) | imm;
const cmp = (n: number, imm: number) => 0x2800 | (n << 8) | imm;

test('thumb: ADDS and SUBS set N Z C V as AddWithCarry does (A2.2.1)', () => {
  const cases: Array<[number, number, number, number, string]> = [
    // op, r1, r2, expected r0, flags
    [adds(0, 1, 2), 0x7fff_ffff, 1, 0x8000_0000, 'N--V'],
    [adds(0, 1, 2), 0xffff_ffff, 1, 0, '-ZC-'],
    [adds(0, 1, 2), 0x8000_0000, 0x8000_0000, 0, '-ZCV'],
    [subs(0, 1, 2), 0, 1, 0xffff_ffff, 'N---'],
    [subs(0, 1, 2), 0x8000_0000, 1, 0x7fff_ffff, '--CV'],
    [subs(0, 1, 2), 5, 5, 0, '-ZC-'],
  ];
  for (const [op, a, b, result, flags] of cases) {
    const { core, flags: f } = run([op], { 1: a, 2: b });
    equal(core.r[0], result, `0x${op.toString(16)} on 0x${a.toString(16)}, 0x${b.toString(16)}`);
    equal(f(), flags, `flags of 0x${op.toString(16)} on 0x${a.toString(16)}, 0x${b.toString(16)}`);
  }
});

test('thumb: ADCS and SBCS take the carry in; CMP sets flags only', () => {
  // cmp r3, #0 sets C (no borrow); then r0 = 0xFFFFFFFF + 0 + C = 0, carry out.
  let r = run([cmp(3, 0), adcs(0, 1)], { 0: 0xffff_ffff, 1: 0, 3: 7 });
  equal(r.core.r[0], 0);
  equal(r.flags(), '-ZC-');
  // C clear before SBCS: r0 = 5 - 2 - 1 = 2.
  r = run([cmp(3, 9), sbcs(0, 1)], { 0: 5, 1: 2, 3: 7 });
  equal(r.core.r[0], 2);
  equal(r.flags(), '--C-');
  r = run([cmp(3, 7)], { 3: 7 });
  equal(r.core.r[3], 7);
  equal(r.flags(), '-ZC-');
});

test('thumb: shifts by immediate and register, with the carry out at 0, 1, 31, 32 and 33', () => {
  const lslImm = (amount: number) => (amount << 6) | (1 << 3);
  const lsrImm = (amount: number) => 0x0800 | ((amount & 31) << 6) | (1 << 3);
  const asrImm = (amount: number) => 0x1000 | ((amount & 31) << 6) | (1 << 3);
  let r = run([lslImm(1)], { 1: 0x8000_0001 });
  deepEqual([r.core.r[0], r.flags()], [2, '--C-']);
  r = run([lsrImm(32)], { 1: 0x8000_0000 }); // encoded 0 = 32
  deepEqual([r.core.r[0], r.flags()], [0, '-ZC-']);
  r = run([asrImm(32)], { 1: 0x8000_0000 });
  deepEqual([r.core.r[0], r.flags()], [0xffff_ffff, 'N-C-']);
  const lslReg = 0x4080 | (2 << 3); // lsls r0, r2
  const lsrReg = 0x40c0 | (2 << 3);
  const rorReg = 0x41c0 | (2 << 3);
  r = run([cmp(3, 0), lslReg], { 0: 0x1234, 2: 0, 3: 0 }); // by 0: value and carry unchanged (C from cmp)
  deepEqual([r.core.r[0], r.flags()], [0x1234, '--C-']);
  r = run([lslReg], { 0: 0x0000_0001, 2: 32 });
  deepEqual([r.core.r[0], r.flags()], [0, '-ZC-']);
  r = run([lslReg], { 0: 0xffff_ffff, 2: 33 });
  deepEqual([r.core.r[0], r.flags()], [0, '-Z--']);
  r = run([lsrReg], { 0: 0x8000_0000, 2: 31 });
  deepEqual([r.core.r[0], r.flags()], [1, '----']);
  r = run([rorReg], { 0: 0x0000_0001, 2: 1 });
  deepEqual([r.core.r[0], r.flags()], [0x8000_0000, 'N-C-']);
});

test('thumb: loads and stores of words, half-words and bytes, signed and not', () => {
  const str = 0x6000 | (1 << 6) | (1 << 3) | 0; // str r0, [r1, #4]
  const ldrb = 0x7800 | (4 << 6) | (1 << 3) | 2; // ldrb r2, [r1, #4]
  const ldrh = 0x8800 | (3 << 6) | (1 << 3) | 3; // ldrh r3, [r1, #6]
  const ldrsb = 0x5600 | (5 << 6) | (1 << 3) | 4; // ldrsb r4, [r1, r5]
  const ldrsh = 0x5e00 | (5 << 6) | (1 << 3) | 6; // ldrsh r6, [r1, r5]
  const { core, bus } = run([str, ldrb, ldrh, ldrsb, ldrsh], { 0: 0x80f1_7f82, 1: RAM + 0x100, 5: 4 });
  equal(bus.read(RAM + 0x104, 4), 0x80f1_7f82);
  equal(core.r[2], 0x82);
  equal(core.r[3], 0x80f1);
  equal(core.r[4], 0xffff_ff82);
  equal(core.r[6], 0x7f82);
});

test('thumb: BL calls, PUSH and POP {pc} return; a taken branch loops', () => {
  // Offsets from the program start (RAM + 8): 0 movs r0,#0 / 2 movs r1,#3 / 4 bl 12 / 8 b . / 10 nop /
  // 12 push {r4,lr} / 14 adds r0,#7 / 16 subs r1,#1 / 18 bne 14 / 20 pop {r4,pc}.
  // BL at 4 reads PC as 8; the target 12 is 4 further: imm11 = 4 / 2 = 2 (A6.7.13).
  const program = [
    movs(0, 0),
    movs(1, 3),
    0xf000,
    0xf800 | 2,
    HALT,
    0xbf00,
    0xb510,
    0x3007,
    0x3901,
    0xd1fc,
    0xbd10,
  ];
  const { core } = run(program);
  equal(core.fault, undefined, core.fault);
  equal(core.r[0], 21);
  equal(core.r[1], 0);
  equal(core.r[13], RAM + 0x400, 'the stack is balanced');
  equal(core.r[15], RAM + 8 + 8, 'back at the halt after the call');
  ok(core.cycles > 20);
});

test('thumb: what stops a real core stops this one — undefined encoding, bus fault, unaligned word, BX to ARM state', () => {
  match(run([0xde00]).core.fault ?? '', /UDF/);
  match(run([0x6808], { 1: 0x4000_0000 }).core.fault ?? '', /bus fault: read of 4 byte\(s\) at 0x40000000/); // ldr r0, [r1]
  match(run([0x6808], { 1: RAM + 2 }).core.fault ?? '', /bus fault/);
  match(run([0x4708], { 1: RAM + 0x20 }).core.fault ?? '', /ARM state/); // bx r1, even address
  const stopped = run([0xde00]).core;
  const pc = stopped.r[15];
  stopped.run(1000);
  equal(stopped.r[15], pc, 'a stopped core stays stopped');
});
