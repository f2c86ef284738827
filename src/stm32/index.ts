/** The STM32 side of airboot: AN3155 bootloader master, chip database, erase planner, flash job. */
export type {
  BootloaderOptions,
  BootloaderTimeouts,
  EraseTarget,
  GetReply,
  SyncOptions,
  VersionReply,
} from './bootloader.js';
export {
  Bootloader,
  DEFAULT_TIMEOUTS,
  eraseFrame,
  MAX_ERASE_PAGES_0x43,
  MAX_ERASE_PAGES_0x44,
} from './bootloader.js';
export type { CancelListener } from './cancel.js';
export { CancelToken } from './cancel.js';
export type { ChipInfo, ChipModel, EraseLayout, EraseUnit, Family, FlashTiming } from './chips.js';
export {
  CHIPS,
  chipByPid,
  eraseUnits,
  FLASH_BASE,
  findChip,
  MODELS,
  modelByName,
  UnknownChipError,
} from './chips.js';
export type { CommandCode } from './commands.js';
export { ACK, addressFrame, Command, MAX_TRANSFER, NACK, SYNC, xorChecksum } from './commands.js';
export type { ErasePlan, ErasePlanOptions } from './erase-plan.js';
export { planErase } from './erase-plan.js';
export type { ExchangeContext } from './errors.js';
export {
  BootloaderError,
  commandName,
  ImageRangeError,
  NackError,
  NoSyncError,
  ProtocolError,
  ReadoutProtectedError,
  TimeoutError,
  UnsupportedCommandError,
  VerifyError,
  WriteError,
} from './errors.js';
export type { FlashOptions, FlashPhase, FlashProgress, FlashResult } from './flasher.js';
export { FlashJob, flash } from './flasher.js';
export type { FlashLayout, IdentifyOptions, Target, TargetChip } from './identify.js';
export { identify } from './identify.js';
export type { FlashImage, ImageBlock } from './image-view.js';
