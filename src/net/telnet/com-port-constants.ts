/**
 * Codes of the Telnet COM-PORT-OPTION (RFC 2217, option 44). The client sends the codes below; the access server
 * answers and notifies with the same code plus SERVER_OFFSET (RFC 2217 §2 table: SET-BAUDRATE 1 → 101, …).
 */

/** Sub-option codes a client sends (RFC 2217 §2–§5). */
export const ComPortCommand = {
  /** Exchange free-form signature text; empty = "send me yours". */
  SIGNATURE: 0,
  /** 4 bytes, network order (big-endian); 0 asks for the current speed. */
  SET_BAUDRATE: 1,
  /** 1 byte: 5–8 data bits; 0 asks. */
  SET_DATASIZE: 2,
  /** 1 byte, ComPortParity; 0 asks. */
  SET_PARITY: 3,
  /** 1 byte, ComPortStopSize; 0 asks. */
  SET_STOPSIZE: 4,
  /** 1 byte, ComPortControlValue: flow control, BREAK, DTR, RTS. */
  SET_CONTROL: 5,
  /** Server → client: the line state (LineState bits) passed by the client's mask. A client may send it to poll. */
  NOTIFY_LINESTATE: 6,
  /** Server → client: the modem state (ModemState bits) passed by the client's mask. A client may send it to poll. */
  NOTIFY_MODEMSTATE: 7,
  /** The sender cannot take more: stop sending data and notifications until FLOWCONTROL-RESUME (RFC 2217 §5). */
  FLOWCONTROL_SUSPEND: 8,
  FLOWCONTROL_RESUME: 9,
  /** 1 byte: which LineState bits the server reports. Initially 0 (RFC 2217 §4). */
  SET_LINESTATE_MASK: 10,
  /** 1 byte: which ModemState bits the server reports. Initially 255 (RFC 2217 §4). */
  SET_MODEMSTATE_MASK: 11,
  /** 1 byte, ComPortPurge. */
  PURGE_DATA: 12,
} as const;

/** Added to a client's code for the server's answer or notification (RFC 2217 §2). */
export const SERVER_OFFSET = 100;

/** SET-PARITY values (RFC 2217 §2). */
export const ComPortParity = { REQUEST: 0, NONE: 1, ODD: 2, EVEN: 3, MARK: 4, SPACE: 5 } as const;

/** SET-STOPSIZE values (RFC 2217 §2). Note 3 is one and a half stop bits. */
export const ComPortStopSize = { REQUEST: 0, ONE: 1, TWO: 2, ONE_AND_HALF: 3 } as const;

/** SET-CONTROL values (RFC 2217 §3). "Outbound/both" flow control applies to both directions. */
export const ComPortControlValue = {
  REQUEST_FLOW: 0,
  FLOW_NONE: 1,
  FLOW_XON_XOFF: 2,
  FLOW_HARDWARE: 3,
  REQUEST_BREAK: 4,
  BREAK_ON: 5,
  BREAK_OFF: 6,
  REQUEST_DTR: 7,
  DTR_ON: 8,
  DTR_OFF: 9,
  REQUEST_RTS: 10,
  RTS_ON: 11,
  RTS_OFF: 12,
  REQUEST_FLOW_INBOUND: 13,
  FLOW_INBOUND_NONE: 14,
  FLOW_INBOUND_XON_XOFF: 15,
  FLOW_INBOUND_HARDWARE: 16,
  /** DCD flow control (outbound/both). */
  FLOW_DCD: 17,
  /** DTR flow control (inbound). */
  FLOW_INBOUND_DTR: 18,
  /** DSR flow control (outbound/both). */
  FLOW_DSR: 19,
} as const;

/** PURGE-DATA values (RFC 2217 §3): the access server's buffers, seen from the serial port. */
export const ComPortPurge = {
  /** Data received from the serial port, not yet sent to the client. */
  RECEIVE: 1,
  /** Data from the client, not yet sent out of the serial port. */
  TRANSMIT: 2,
  BOTH: 3,
} as const;

/** NOTIFY-LINESTATE / SET-LINESTATE-MASK bits (RFC 2217 §4, after the 16550 line status register). */
export const LineState = {
  DATA_READY: 1,
  OVERRUN_ERROR: 2,
  PARITY_ERROR: 4,
  FRAMING_ERROR: 8,
  BREAK_DETECT: 16,
  TRANSFER_HOLDING_EMPTY: 32,
  TRANSFER_SHIFT_EMPTY: 64,
  TIMEOUT_ERROR: 128,
} as const;

/** NOTIFY-MODEMSTATE / SET-MODEMSTATE-MASK bits (RFC 2217 §4, after the 16550 modem status register). */
export const ModemState = {
  DELTA_CTS: 1,
  DELTA_DSR: 2,
  /** RI went from on to off. */
  TRAILING_EDGE_RI: 4,
  DELTA_CD: 8,
  CTS: 16,
  DSR: 32,
  RI: 64,
  /** Carrier Detect (Receive Line Signal Detect). */
  CD: 128,
} as const;

/** Initial masks of a new session (RFC 2217 §4): no line state notifications, every modem state change. */
export const INITIAL_LINESTATE_MASK = 0;
export const INITIAL_MODEMSTATE_MASK = 255;
