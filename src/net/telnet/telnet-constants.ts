/**
 * Telnet byte values. Commands are RFC 854 ("Telnet command structure"), option negotiation verbs RFC 855, option
 * codes from their own RFCs: BINARY RFC 856, ECHO RFC 857, SUPPRESS-GO-AHEAD RFC 858, COM-PORT-OPTION RFC 2217.
 */

/** Every Telnet command is IAC followed by one of these (RFC 854 p. 14). */
export const TelnetCommand = {
  /** End of subnegotiation parameters. */
  SE: 240,
  /** No operation. */
  NOP: 241,
  /** Data Mark: the data stream part of a Synch. */
  DM: 242,
  /** NVT character BRK (a "break" key). */
  BRK: 243,
  /** Interrupt Process. */
  IP: 244,
  /** Abort Output. */
  AO: 245,
  /** Are You There. */
  AYT: 246,
  /** Erase Character: delete the last character the user typed. */
  EC: 247,
  /** Erase Line: delete the line the user is typing. */
  EL: 248,
  /** Go Ahead. */
  GA: 249,
  /** Start of subnegotiation (`IAC SB option … IAC SE`). */
  SB: 250,
  /** The sender wants to begin, or confirms it now performs, an option (RFC 855). */
  WILL: 251,
  /** The sender refuses to perform, or stops performing, an option. */
  WONT: 252,
  /** The sender asks the peer to perform, or confirms it expects the peer to perform, an option. */
  DO: 253,
  /** The sender asks the peer to stop, or confirms it no longer expects the peer to perform, an option. */
  DONT: 254,
  /** Interpret As Command: the escape byte. A data byte 0xFF is sent as IAC IAC. */
  IAC: 255,
} as const;

/** Option codes airboot knows by name. Every other option is refused. */
export const TelnetOption = {
  /** RFC 856: 8-bit data with no NVT interpretation (no CR NUL / CR LF rules). */
  BINARY: 0,
  /** RFC 857: the sender echoes the data it receives. */
  ECHO: 1,
  /** RFC 858: no Go Ahead after each transmission (full duplex). */
  SGA: 3,
  /** RFC 2217: serial port speed, format and modem lines over Telnet. */
  COM_PORT_OPTION: 44,
} as const;

/** Is `byte` WILL, WONT, DO or DONT (a verb that an option byte follows, RFC 855)? */
export function isNegotiationVerb(byte: number): boolean {
  return byte >= TelnetCommand.WILL && byte <= TelnetCommand.DONT;
}

const COMMAND_NAMES: Record<number, string> = {
  240: 'SE',
  241: 'NOP',
  242: 'DM',
  243: 'BRK',
  244: 'IP',
  245: 'AO',
  246: 'AYT',
  247: 'EC',
  248: 'EL',
  249: 'GA',
  250: 'SB',
  251: 'WILL',
  252: 'WONT',
  253: 'DO',
  254: 'DONT',
  255: 'IAC',
};

const OPTION_NAMES: Record<number, string> = {
  0: 'BINARY',
  1: 'ECHO',
  3: 'SGA',
  5: 'STATUS',
  24: 'TERMINAL-TYPE',
  31: 'NAWS',
  32: 'TERMINAL-SPEED',
  33: 'TOGGLE-FLOW-CONTROL',
  34: 'LINEMODE',
  36: 'ENVIRON',
  39: 'NEW-ENVIRON',
  44: 'COM-PORT-OPTION',
};

/** `WILL`, `SE`, … or the number for a byte that is no command (for logs and error messages). */
export function commandName(command: number): string {
  return COMMAND_NAMES[command] ?? String(command);
}

/** `BINARY`, `COM-PORT-OPTION`, … or `option 42` (for logs and error messages). */
export function optionName(option: number): string {
  return OPTION_NAMES[option] ?? `option ${option}`;
}
