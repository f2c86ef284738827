export {
  ComPortCommand,
  ComPortControlValue,
  ComPortParity,
  ComPortPurge,
  ComPortStopSize,
  INITIAL_LINESTATE_MASK,
  INITIAL_MODEMSTATE_MASK,
  LineState,
  ModemState,
  SERVER_OFFSET,
} from './com-port-constants.js';
export type { ComPortControl, ControlLines, FlowControl, ModemLines } from './com-port-control.js';
export { ComPortError, type ComPortErrorCode, TelnetError, type TelnetErrorCode } from './errors.js';
export {
  type NegotiationPolicy,
  OptionNegotiator,
  type OptionNegotiatorOptions,
  type OptionRequest,
  type OptionSide,
  REFUSE_ALL_POLICY,
  RFC2217_SERVER_POLICY,
  RFC2217_SERVER_REQUESTS,
} from './option-negotiation.js';
export {
  COM_PORT_MAX_BAUD,
  COM_PORT_MIN_BAUD,
  ComPortServer,
  type ComPortServerOptions,
  comPortSubnegotiation,
  modemStateBits,
} from './rfc2217.js';
export {
  escapeData,
  negotiation,
  subnegotiation,
  TELNET_MAX_SUBNEGOTIATION,
  TelnetDecoder,
  type TelnetDecoderOptions,
  telnetCommand,
} from './telnet-codec.js';
export {
  commandName,
  isNegotiationVerb,
  optionName,
  TelnetCommand,
  TelnetOption,
} from './telnet-constants.js';
