/**
 * An incremental WebSocket frame parser (RFC 6455 §5): bytes in, in any split, message events out. Message data is
 * streamed, unmasked, in pieces as it arrives (never the whole message in memory); only a frame header (≤ 14
 * bytes) and a control frame's payload (≤ 125 bytes) are held between pushes.
 *
 *   const ws = new WebSocketFrameParser({
 *     onMessageStart(opcode) { … Opcode.Text or Opcode.Binary },
 *     onData(chunk) { serial.write(chunk) },
 *     onMessageEnd() { … },
 *     onPing(data) { socket.write(encodeFrame(Opcode.Pong, data)) },
 *     onClose(code, reason) { socket.write(encodeCloseFrame()); socket.close() },
 *     onError(error) { socket.write(encodeCloseFrame(error.closeCode)); socket.close() },
 *   });
 *   ws.push(bytesAfterHandshake); socket.onReadable = () => ws.push(socket.read());
 */
import { EncodingError } from '../encoding/errors.js';
import { decodeUtf8, Utf8Validator } from '../encoding/utf8.js';
import { WsError } from './errors.js';
import {
  CloseCode,
  isControlOpcode,
  isKnownOpcode,
  isValidCloseCode,
  MAX_CONTROL_PAYLOAD,
  Opcode,
} from './frame.js';

export interface WebSocketFrameParserOptions {
  /**
   * Which end this parser is: a server requires every frame masked (RFC 6455 §5.1), a client requires none.
   * Default 'server'.
   */
  role?: 'server' | 'client';
  /** Largest message (the sum of its frames' payloads) in bytes → WS_TOO_BIG (1009). Default 64 KiB. */
  maxMessageBytes?: number;
  /** A text or binary message begins (`Opcode.Text` or `Opcode.Binary`). */
  onMessageStart?(opcode: number): void;
  /** Unmasked message bytes, in order, as they arrive. A text message's bytes are checked UTF-8 before delivery. */
  onData?(chunk: Uint8Array): void;
  /** The message is complete (its final fragment arrived, and a text message ended on a character boundary). */
  onMessageEnd?(): void;
  /** A ping with its application data (≤ 125 bytes): answer with a pong carrying the same data (RFC 6455 §5.5.2). */
  onPing?(data: Uint8Array): void;
  onPong?(data: Uint8Array): void;
  /**
   * The peer sent a close frame: `code` is its status, or 1005 when it sent none (RFC 6455 §7.1.5). The parser
   * takes no more input; answer with a close frame and close the connection (§5.5.1).
   */
  onClose?(code: number, reason: string): void;
  /** The peer broke the protocol: send a close frame with `error.closeCode` and close. No more input is taken. */
  onError(error: WsError): void;
}

/** Default maxMessageBytes for a host; a device passes less. */
export const WS_MAX_MESSAGE_BYTES = 64 * 1024;

type State = 'header' | 'payload' | 'closed' | 'failed';

export class WebSocketFrameParser {
  private readonly maxMessageBytes: number;
  private readonly requireMask: boolean;
  private state: State = 'header';
  /** The frame header gathered so far (2 + up to 8 length + 4 mask bytes). */
  private readonly header = new Uint8Array(14);
  private headerLength = 0;
  /** Header bytes needed: 2 until the second byte tells how many more. */
  private headerNeeded = 2;
  private readonly control = new Uint8Array(MAX_CONTROL_PAYLOAD);
  private controlLength = 0;
  private readonly mask = new Uint8Array(4);
  private masked = false;
  private maskOffset = 0;

  // The current frame.
  private fin = false;
  private opcode = 0;
  private remaining = 0;

  // The current (possibly fragmented) message.
  /** Opcode of the message in progress, 0 when none. */
  private messageOpcode = 0;
  private messageBytes = 0;
  private readonly utf8 = new Utf8Validator();

  private position = 0;
  private cursor = 0;
  private error: WsError | undefined;

  constructor(private readonly options: WebSocketFrameParserOptions) {
    const max = options.maxMessageBytes ?? WS_MAX_MESSAGE_BYTES;
    if (!(Number.isSafeInteger(max) && max >= 0))
      throw new RangeError('maxMessageBytes must be a byte count');
    this.maxMessageBytes = max;
    this.requireMask = (options.role ?? 'server') === 'server';
  }

  /** Bytes held between pushes: part of a frame header and of a control payload; at most 14 + 125. */
  get bufferedBytes(): number {
    return this.headerLength + this.controlLength;
  }

  /** The error that stopped the parser, if one did. */
  get failed(): WsError | undefined {
    return this.error;
  }

  /** True once a close frame has been received. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /**
   * Feed bytes received on the connection. Returns how many were consumed: all, unless a close frame ended the
   * stream (what follows it is not parsed, RFC 6455 §5.5.1) or an error stopped the parser.
   */
  push(chunk: Uint8Array): number {
    if (this.state === 'closed' || this.state === 'failed') return 0;
    let i = 0;
    try {
      i = this.run(chunk);
    } catch (thrown) {
      this.state = 'failed';
      if (!(thrown instanceof WsError)) {
        // A callback failed: the stream's state is unknown, so take no more input.
        this.error = new WsError(
          'WS_HANDLER_FAILED',
          'a message callback threw',
          this.position + this.cursor,
        );
        throw thrown;
      }
      this.error = thrown;
      this.options.onError(thrown);
      return 0;
    } finally {
      this.position += i;
    }
    return i;
  }

  private run(chunk: Uint8Array): number {
    let i = 0;
    for (;;) {
      this.cursor = i;
      if (this.state === 'header') {
        if (i >= chunk.length) return i;
        const take = Math.min(this.headerNeeded - this.headerLength, chunk.length - i);
        this.header.set(chunk.subarray(i, i + take), this.headerLength);
        this.headerLength += take;
        i += take;
        this.cursor = i;
        if (this.headerLength < this.headerNeeded) return i;
        if (this.headerNeeded === 2) this.firstTwoBytes();
        if (this.headerLength === this.headerNeeded) this.headerComplete();
      } else if (this.state === 'payload') {
        if (this.remaining === 0) {
          this.frameComplete();
          continue;
        }
        if (i >= chunk.length) return i;
        const n = Math.min(this.remaining, chunk.length - i);
        this.payload(chunk.subarray(i, i + n));
        this.remaining -= n;
        i += n;
      } else {
        return i; // closed
      }
    }
  }

  /** Check what the first two header bytes say (RFC 6455 §5.2) and learn the header's full size. */
  private firstTwoBytes(): void {
    const b0 = this.header[0]!;
    const b1 = this.header[1]!;
    this.fin = (b0 & 0x80) !== 0;
    this.opcode = b0 & 0x0f;
    this.masked = (b1 & 0x80) !== 0;
    const length7 = b1 & 0x7f;
    if (b0 & 0x70) this.fail('WS_RSV', 'RSV bits set but no extension was negotiated');
    if (!isKnownOpcode(this.opcode))
      this.fail('WS_BAD_OPCODE', `reserved opcode 0x${this.opcode.toString(16)}`);
    if (isControlOpcode(this.opcode)) {
      if (!this.fin) this.fail('WS_FRAGMENTED_CONTROL', 'control frame with FIN clear (RFC 6455 §5.5)');
      if (length7 > MAX_CONTROL_PAYLOAD)
        this.fail('WS_CONTROL_TOO_LONG', 'control frame payload over 125 bytes');
    } else if (this.opcode === Opcode.Continuation) {
      if (this.messageOpcode === 0)
        this.fail('WS_UNEXPECTED_CONTINUATION', 'continuation frame with no message');
    } else if (this.messageOpcode !== 0) {
      this.fail(
        'WS_EXPECTED_CONTINUATION',
        'new message before the previous one was finished (RFC 6455 §5.4)',
      );
    }
    if (this.masked !== this.requireMask) {
      if (this.requireMask) this.fail('WS_UNMASKED', 'client frame is not masked (RFC 6455 §5.1)');
      this.fail('WS_MASKED', 'server frame is masked (RFC 6455 §5.1)');
    }
    this.headerNeeded = 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (this.masked ? 4 : 0);
  }

  private headerComplete(): void {
    const h = this.header;
    const length7 = h[1]! & 0x7f;
    let length = length7;
    let maskAt = 2;
    if (length7 === 126) {
      length = (h[2]! << 8) | h[3]!;
      maskAt = 4;
    } else if (length7 === 127) {
      if (h[2]! & 0x80)
        this.fail('WS_BAD_LENGTH', '64-bit payload length with the top bit set (RFC 6455 §5.2)');
      const high = ((h[2]! << 24) | (h[3]! << 16) | (h[4]! << 8) | h[5]!) >>> 0;
      const low = ((h[6]! << 24) | (h[7]! << 16) | (h[8]! << 8) | h[9]!) >>> 0;
      length = high * 0x1_0000_0000 + low; // may round above 2^53, but then it is far over any limit anyway
      maskAt = 10;
    }
    if (this.masked) this.mask.set(h.subarray(maskAt, maskAt + 4));
    this.maskOffset = 0;
    this.remaining = length;
    this.headerLength = 0;
    this.headerNeeded = 2;
    this.controlLength = 0;
    if (!isControlOpcode(this.opcode)) {
      if (this.messageBytes + length > this.maxMessageBytes) {
        this.fail('WS_TOO_BIG', `message over the limit of ${this.maxMessageBytes} bytes`);
      }
      if (this.opcode !== Opcode.Continuation) {
        this.messageOpcode = this.opcode;
        this.messageBytes = 0;
        this.utf8.reset();
      }
      this.messageBytes += length;
      this.state = 'payload';
      if (this.opcode !== Opcode.Continuation) this.options.onMessageStart?.(this.opcode);
      return;
    }
    this.state = 'payload';
  }

  /** Payload bytes of the current frame: unmask (into a copy, the input is the caller's) and pass on. */
  private payload(bytes: Uint8Array): void {
    if (isControlOpcode(this.opcode)) {
      this.unmask(bytes, this.control, this.controlLength);
      this.controlLength += bytes.length;
      return;
    }
    const data = new Uint8Array(bytes.length);
    this.unmask(bytes, data, 0);
    if (this.messageOpcode === Opcode.Text && !this.utf8.push(data)) {
      this.fail('WS_BAD_UTF8', 'text message is not UTF-8 (RFC 6455 §8.1)');
    }
    this.options.onData?.(data);
  }

  private unmask(bytes: Uint8Array, out: Uint8Array, at: number): void {
    if (!this.masked) {
      out.set(bytes, at);
      return;
    }
    for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i]! ^ this.mask[(this.maskOffset + i) & 3]!;
    this.maskOffset = (this.maskOffset + bytes.length) & 3;
  }

  private frameComplete(): void {
    this.state = 'header';
    if (isControlOpcode(this.opcode)) {
      const data = this.control.slice(0, this.controlLength);
      this.controlLength = 0;
      if (this.opcode === Opcode.Ping) this.options.onPing?.(data);
      else if (this.opcode === Opcode.Pong) this.options.onPong?.(data);
      else this.closeFrame(data);
      return;
    }
    if (!this.fin) return;
    if (this.messageOpcode === Opcode.Text && !this.utf8.complete) {
      this.fail('WS_BAD_UTF8', 'text message ends inside a UTF-8 character');
    }
    this.messageOpcode = 0;
    this.messageBytes = 0;
    this.options.onMessageEnd?.();
  }

  /** A close frame's payload: nothing, or a 2-byte status and a UTF-8 reason (RFC 6455 §5.5.1). */
  private closeFrame(data: Uint8Array): void {
    let code: number = CloseCode.NoStatus;
    let reason = '';
    if (data.length === 1) this.fail('WS_BAD_CLOSE_FRAME', 'close frame with a 1-byte payload');
    if (data.length >= 2) {
      code = (data[0]! << 8) | data[1]!;
      if (!isValidCloseCode(code))
        this.fail('WS_BAD_CLOSE_CODE', `close status ${code} is not allowed on the wire`);
      try {
        reason = decodeUtf8(data, 2);
      } catch (error) {
        if (error instanceof EncodingError) this.fail('WS_BAD_UTF8', 'close reason is not UTF-8');
        throw error;
      }
    }
    this.state = 'closed';
    this.options.onClose?.(code, reason);
  }

  private fail(code: WsError['code'], message: string): never {
    throw new WsError(code, message, this.position + this.cursor);
  }
}
