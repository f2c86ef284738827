/**
 * WebSocket frame constants and writers (RFC 6455 §5.2). A server sends unmasked frames (`encodeFrame`); a client
 * must mask every frame (§5.3), which `encodeMaskedFrame` does for tests and a future CLI client.
 */
import { encodeUtf8 } from '../encoding/utf8.js';
import { WsError } from './errors.js';

/** Frame opcodes (RFC 6455 §5.2, §11.8). */
export const Opcode = Object.freeze({
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const);

export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

/** Close status codes (RFC 6455 §7.4.1). 1005 and 1006 are only reported locally, never sent. */
export const CloseCode = Object.freeze({
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatus: 1005,
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
} as const);

/** Largest control frame payload (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/** Whether `opcode` is one RFC 6455 defines (§5.2); the others are reserved. */
export function isKnownOpcode(opcode: number): boolean {
  return opcode === 0 || opcode === 1 || opcode === 2 || opcode === 8 || opcode === 9 || opcode === 10;
}

/** Control frames (close, ping, pong) have the high opcode bit set (RFC 6455 §5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/**
 * Whether a close status may be sent in a close frame: 1000–1003, 1007–1014 (1012–1014 added to the IANA registry
 * after RFC 6455), 3000–4999 for libraries and applications (§7.4.2). 1004–1006 and 1015 are reserved or local.
 */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/**
 * The frame header alone (2 to 14 bytes): FIN, opcode, mask bit and key, payload length in the shortest of the 7,
 * 16 or 64-bit forms (§5.2 requires the minimal form). For sending a large payload without copying it.
 */
export function encodeFrameHeader(
  opcode: number,
  payloadLength: number,
  fin = true,
  maskKey?: Uint8Array,
): Uint8Array {
  checkFrame(opcode, payloadLength, fin);
  if (maskKey && maskKey.length !== 4) throw new RangeError('a masking key is 4 bytes (RFC 6455 §5.3)');
  const extended = payloadLength <= 125 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  const header = new Uint8Array(2 + extended + (maskKey ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | opcode;
  const mask = maskKey ? 0x80 : 0;
  if (extended === 0) {
    header[1] = mask | payloadLength;
  } else if (extended === 2) {
    header[1] = mask | 126;
    header[2] = payloadLength >>> 8;
    header[3] = payloadLength & 0xff;
  } else {
    header[1] = mask | 127;
    const high = Math.floor(payloadLength / 0x1_0000_0000);
    const low = payloadLength >>> 0;
    for (let i = 0; i < 4; i++) {
      header[2 + i] = (high >>> (24 - 8 * i)) & 0xff;
      header[6 + i] = (low >>> (24 - 8 * i)) & 0xff;
    }
  }
  if (maskKey) header.set(maskKey, 2 + extended);
  return header;
}

/** An unmasked frame, as a server sends (RFC 6455 §5.1). A string payload is sent as UTF-8. */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array | string = new Uint8Array(0),
  fin = true,
): Uint8Array {
  const bytes = typeof payload === 'string' ? encodeUtf8(payload) : payload;
  const header = encodeFrameHeader(opcode, bytes.length, fin);
  const frame = new Uint8Array(header.length + bytes.length);
  frame.set(header, 0);
  frame.set(bytes, header.length);
  return frame;
}

/**
 * A masked frame, as a client sends (RFC 6455 §5.3): each payload byte XOR maskKey[i mod 4]. The key must come
 * from a strong random source in a real client; tests pass fixed keys.
 */
export function encodeMaskedFrame(
  opcode: number,
  payload: Uint8Array | string,
  maskKey: Uint8Array,
  fin = true,
): Uint8Array {
  const bytes = typeof payload === 'string' ? encodeUtf8(payload) : payload;
  const header = encodeFrameHeader(opcode, bytes.length, fin, maskKey);
  const frame = new Uint8Array(header.length + bytes.length);
  frame.set(header, 0);
  for (let i = 0; i < bytes.length; i++) frame[header.length + i] = bytes[i]! ^ maskKey[i & 3]!;
  return frame;
}

/**
 * The payload of a close frame: the status as 2 bytes, big-endian, then the reason in UTF-8 (RFC 6455 §5.5.1).
 * The reason is limited to 123 bytes so the frame stays a control frame.
 */
export function closePayload(code: number = CloseCode.Normal, reason = ''): Uint8Array {
  if (!isValidCloseCode(code)) throw new WsError('WS_BAD_CLOSE_CODE', `close status ${code} may not be sent`);
  const text = encodeUtf8(reason);
  if (text.length > MAX_CONTROL_PAYLOAD - 2) {
    throw new WsError('WS_CONTROL_TOO_LONG', `close reason of ${text.length} bytes is over 123`);
  }
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return payload;
}

/** An unmasked close frame with a status and reason, as a server sends. */
export function encodeCloseFrame(code: number = CloseCode.Normal, reason = ''): Uint8Array {
  return encodeFrame(Opcode.Close, closePayload(code, reason));
}

function checkFrame(opcode: number, payloadLength: number, fin: boolean): void {
  if (!isKnownOpcode(opcode))
    throw new WsError('WS_BAD_OPCODE', `opcode 0x${opcode.toString(16)} is reserved`);
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`payload length ${payloadLength} is not a byte count`);
  }
  if (isControlOpcode(opcode)) {
    if (!fin)
      throw new WsError('WS_FRAGMENTED_CONTROL', 'control frames cannot be fragmented (RFC 6455 §5.5)');
    if (payloadLength > MAX_CONTROL_PAYLOAD) {
      throw new WsError('WS_CONTROL_TOO_LONG', `control payload of ${payloadLength} bytes is over 125`);
    }
  }
}
