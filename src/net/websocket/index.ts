export {
  type OverflowPolicy,
  WebSocketConnection,
  type WebSocketConnectionOptions,
  type WebSocketTransport,
} from './connection.js';
export { WS_ERROR_CLOSE_CODE, WsError, type WsErrorCode } from './errors.js';
export {
  CloseCode,
  closePayload,
  encodeCloseFrame,
  encodeFrame,
  encodeFrameHeader,
  encodeMaskedFrame,
  isControlOpcode,
  isKnownOpcode,
  isValidCloseCode,
  MAX_CONTROL_PAYLOAD,
  Opcode,
  type OpcodeValue,
} from './frame.js';
export {
  WebSocketFrameParser,
  type WebSocketFrameParserOptions,
  WS_MAX_MESSAGE_BYTES,
} from './frame-parser.js';
export {
  acceptWebSocket,
  isWebSocketUpgrade,
  WEBSOCKET_GUID,
  WEBSOCKET_VERSION,
  type WebSocketHandshake,
  type WebSocketHandshakeOptions,
  webSocketAccept,
} from './handshake.js';
