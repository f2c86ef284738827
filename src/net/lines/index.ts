export {
  CONTROL_COMMANDS,
  CONTROL_MAX_BAUD,
  CONTROL_MIN_BAUD,
  type ControlCommand,
  type ControlCommandInfo,
  errReply,
  helpText,
  okReply,
  parseControlLine,
  replyLine,
  type SimpleCommandName,
  type UartFormat,
} from './control-commands.js';
export { LineTooLongError } from './errors.js';
export { LineReader, type LineReaderOptions, MAX_LINE_BYTES } from './line-reader.js';
