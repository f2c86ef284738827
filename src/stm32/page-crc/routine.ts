/**
 * The page-CRC routine (page-crc.s, assembled with GNU as for ARMv6-M; test/node/page-crc-routine.test.ts checks
 * these bytes against the source) and the RAM image the host writes for one run: the routine with its two vector
 * words and its parameter block filled in. The layout constants below are the ones page-crc.s documents.
 */

/** page-crc.s assembled (`arm-none-eabi-as`, `objcopy -O binary`): vector words 0, code, literal pool. */
export const ROUTINE_CODE = fromHex(
  '000000000000000072b630a73e683d000435002e09d028686968aa6803688b43134303600c35013ef3e7a52000f03ff8' +
    '5a2000f03cf87e6f300000f038f8b046b1463d007835aa464e46002e23d05546286869680022d243194b00290ad00468' +
    '62402026520000d35a40013efad104300139f2e744460426d0b2444000f017f8120a013ef8d1a04655460835aa464e46' +
    '013eb146d8e7404600f009f8796efa6e0b681342fcd0074807490160fee70eb5796eba6e0b681342fcd0396f08600ebd' +
    'b71dc1040ced00e00400fa05',
);

/** Offset of `entry` (after the two vector words). */
export const ENTRY_OFFSET = 8;
/** Offset of `params`: the end of the code and its literal pool. */
export const PARAMS_OFFSET = ROUTINE_CODE.length;

/** Offsets inside the parameter block (page-crc.s header). */
const PARAM = {
  initCount: 0,
  init: 4,
  usartStatus: 100,
  txeMask: 104,
  tcMask: 108,
  usartData: 112,
  rangeCount: 116,
  ranges: 120,
} as const;

export const MAX_INIT_STEPS = 8;
/** Ranges per run: the answer (4 bytes each) stays short and the image fits a small part's RAM. */
export const MAX_RANGES = 128;
/** Stack above the image: `send` pushes four words. */
const STACK_BYTES = 64;

/** The answer's first two bytes. */
export const ANSWER_MAGIC = Object.freeze([0xa5, 0x5a]);

/** One register write before the routine sends: `*address = (*address & ~clear) | set`. */
export interface RegisterStep {
  address: number;
  clear: number;
  set: number;
}

/** The USART the answer goes out on. */
export interface UsartRegisters {
  status: number;
  data: number;
  /** Status bit: the data register is empty (a byte may be written). */
  txeMask: number;
  /** Status bit: the last frame has left the pin. */
  tcMask: number;
}

/** One flash range to checksum: word-aligned start, length in 32-bit words. */
export interface CrcRange {
  address: number;
  words: number;
}

/** What a run is for: the register set-up of the chip's family and the ranges. */
export interface RoutineRun {
  init: readonly RegisterStep[];
  usart: UsartRegisters;
  ranges: readonly CrcRange[];
}

/** Bytes the image for `rangeCount` ranges takes in RAM, stack included. */
export function imageBytes(rangeCount: number): number {
  return PARAMS_OFFSET + PARAM.ranges + 8 * rangeCount + STACK_BYTES;
}

/**
 * The bytes to write at `loadAddress` (word-aligned RAM the bootloader does not use): the routine, the initial SP
 * (the top of the stack after the image) and the entry address with its Thumb bit, then the parameter block.
 * The length is a multiple of 4 (Write Memory, AN3155 §3.6).
 */
export function routineImage(loadAddress: number, run: RoutineRun): Uint8Array {
  if (loadAddress % 4 !== 0) throw new RangeError(`load address 0x${hex(loadAddress)} is not word-aligned`);
  if (run.init.length > MAX_INIT_STEPS)
    throw new RangeError(`${run.init.length} init steps; at most ${MAX_INIT_STEPS}`);
  if (run.ranges.length === 0 || run.ranges.length > MAX_RANGES) {
    throw new RangeError(`${run.ranges.length} ranges; 1 to ${MAX_RANGES} per run`);
  }
  const length = PARAMS_OFFSET + PARAM.ranges + 8 * run.ranges.length;
  const image = new Uint8Array(length);
  image.set(ROUTINE_CODE);
  const view = new DataView(image.buffer);
  const word = (offset: number, value: number) => view.setUint32(offset, value >>> 0, true);
  // Stack top 8-byte aligned (AAPCS), above the image.
  word(0, (loadAddress + imageBytes(run.ranges.length)) & ~7);
  word(4, loadAddress + ENTRY_OFFSET + 1);
  const params = PARAMS_OFFSET;
  word(params + PARAM.initCount, run.init.length);
  run.init.forEach((step, i) => {
    const at = params + PARAM.init + 12 * i;
    word(at, step.address);
    word(at + 4, step.clear);
    word(at + 8, step.set);
  });
  word(params + PARAM.usartStatus, run.usart.status);
  word(params + PARAM.txeMask, run.usart.txeMask);
  word(params + PARAM.tcMask, run.usart.tcMask);
  word(params + PARAM.usartData, run.usart.data);
  word(params + PARAM.rangeCount, run.ranges.length);
  run.ranges.forEach((range, i) => {
    if (range.address % 4 !== 0 || !Number.isInteger(range.words) || range.words < 1) {
      throw new RangeError(`range 0x${hex(range.address)} + ${range.words} words: need whole words, aligned`);
    }
    word(params + PARAM.ranges + 8 * i, range.address);
    word(params + PARAM.ranges + 8 * i + 4, range.words);
  });
  return image;
}

/** Bytes of the answer for `rangeCount` ranges: magic, count, CRCs, XOR. */
export function answerBytes(rangeCount: number): number {
  return ANSWER_MAGIC.length + 1 + 4 * rangeCount + 1;
}

function fromHex(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
