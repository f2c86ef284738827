/**
 * The protocol floor: the least time AN3155 allows to flash and read-back-verify an image, from the wire alone
 * (bytes each way × bits per character / baud) plus the chip's documented programming and erase times (the same
 * chip.timing figures the simulator charges). Anything measured above it is overhead: processing, waiting, round
 * trips over a network.
 */
import { bitsPerCharacter, type UartSettings } from '../src/io/contracts.js';
import { type ChipModel, chipByPid, eraseUnits, FLASH_BASE } from '../src/stm32/chips.js';
import { MAX_TRANSFER } from '../src/stm32/commands.js';

export interface Floor {
  /** Characters on the wire, both directions. */
  byteTimes: number;
  wireSeconds: number;
  programSeconds: number;
  eraseSeconds: number;
  /** wire + program + erase, s. */
  seconds: number;
}

/**
 * Byte-times on the wire (both directions) of the least AN3155 traffic that flashes and read-back-verifies `bytes`
 * on an F1 (Erase 0x43, no Get Checksum). Exchange shapes from AN3155 §3.1–§3.8.
 */
export function floorByteTimes(bytes: number, pages: number, getReplyBytes: number): number {
  const sync = 1 + 1; // 0x7F, ACK
  const get = 2 + 1 + getReplyBytes + 1; // cmd, ACK, N+version+codes, ACK
  const getId = 2 + 1 + 3 + 1; // cmd, ACK, N, PID(2), ACK
  const readSize = 2 + 1 + 5 + 1 + 2 + 1 + 2; // Read Memory of the 16-bit flash-size register
  const erase = 2 + 1 + (1 + pages + 1) + 1; // cmd, ACK, n-1, pages, checksum, ACK
  const blocks = Math.ceil(bytes / MAX_TRANSFER);
  const write = blocks * (2 + 1 + 5 + 1 + (1 + MAX_TRANSFER + 1) + 1);
  const verify = blocks * (2 + 1 + 5 + 1 + 2 + 1 + MAX_TRANSFER);
  return sync + get + getId + readSize + erase + write + verify;
}

/** The floor for `imageBytes` at FLASH_BASE into `model` over a UART with `uart` settings. */
export function protocolFloor(model: ChipModel, imageBytes: number, uart: UartSettings): Floor {
  const chip = chipByPid(model.pid);
  const end = FLASH_BASE + imageBytes;
  const units = eraseUnits(chip.eraseLayout, model.flashBytes).filter(
    (u) => u.address < end && u.address + u.size > FLASH_BASE,
  );
  const getReplyBytes = 1 + 1 + 11; // protocol 2.2: N, version, 11 command codes (AN3155 §3.1)
  const byteTimes = floorByteTimes(imageBytes, units.length, getReplyBytes);
  const wireSeconds = (byteTimes * bitsPerCharacter(uart)) / uart.baud;
  const programSeconds = (Math.ceil(imageBytes / chip.timing.programUnit) * chip.timing.programUs) / 1e6;
  const eraseSeconds = units.reduce((sum, unit) => sum + chip.timing.eraseMs(unit.size), 0) / 1000;
  return {
    byteTimes,
    wireSeconds,
    programSeconds,
    eraseSeconds,
    seconds: wireSeconds + programSeconds + eraseSeconds,
  };
}
