import { formatName, UART_8N1, type UartSettings } from '../../../src/io/contracts.js';
import { ComPortCommand, LineState, ModemState } from '../../../src/net/telnet/com-port-constants.js';
import type {
  ComPortControl,
  ControlLines,
  FlowControl,
  ModemLines,
} from '../../../src/net/telnet/com-port-control.js';
import type { ComPortError } from '../../../src/net/telnet/errors.js';
import { OptionNegotiator, RFC2217_SERVER_POLICY } from '../../../src/net/telnet/option-negotiation.js';
import { ComPortServer, type ComPortServerOptions } from '../../../src/net/telnet/rfc2217.js';
import { escapeData, TelnetDecoder } from '../../../src/net/telnet/telnet-codec.js';
import { TelnetCommand, TelnetOption } from '../../../src/net/telnet/telnet-constants.js';
import { bytesEqual, deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { bytes, concat } from './http-test-support.js';

const { IAC, SB, SE, WILL, DO } = TelnetCommand;
const COM = TelnetOption.COM_PORT_OPTION;

/** A serial port that records what the COM-PORT-OPTION server asked of it. */
class RecordingPort implements ComPortControl {
  settings: UartSettings = { ...UART_8N1 };
  lines: ControlLines = { dtr: false, rts: false, break: false };
  modem: ModemLines = { cts: false, dsr: false, ri: false, cd: false };
  lineState = 0;
  calls: string[] = [];
  /** When set, configure() throws for settings it matches. */
  refuse?: (settings: UartSettings) => boolean;
  /** When set, configure() applies this instead (a UART that rounds the speed). */
  adjust?: (settings: UartSettings) => UartSettings;
  canBreak = true;

  getSettings(): UartSettings {
    return { ...this.settings };
  }
  configure(settings: UartSettings): void {
    this.calls.push(`configure ${settings.baud} ${formatName(settings)}`);
    if (this.refuse?.(settings)) throw new Error('the UART cannot do that');
    this.settings = this.adjust ? this.adjust(settings) : settings;
  }
  getLines(): ControlLines {
    return this.lines;
  }
  setDtr(on: boolean): void {
    this.calls.push(`dtr ${on}`);
    this.lines = { ...this.lines, dtr: on };
  }
  setRts(on: boolean): void {
    this.calls.push(`rts ${on}`);
    this.lines = { ...this.lines, rts: on };
  }
  setBreak(on: boolean): void {
    this.calls.push(`break ${on}`);
    if (this.canBreak) this.lines = { ...this.lines, break: on };
  }
  purge(receive: boolean, transmit: boolean): void {
    this.calls.push(`purge rx=${receive} tx=${transmit}`);
  }
  getModemLines(): ModemLines {
    return this.modem;
  }
  getLineState(): number {
    return this.lineState;
  }
}

/** A port that also has flow control. */
class FlowPort extends RecordingPort {
  flow: FlowControl = 'none';
  getFlowControl(): FlowControl {
    return this.flow;
  }
  setFlowControl(mode: FlowControl): void {
    this.calls.push(`flow ${mode}`);
    this.flow = mode;
  }
}

function server(port: RecordingPort = new RecordingPort(), options: Partial<ComPortServerOptions> = {}) {
  const errors: ComPortError[] = [];
  const flow: boolean[] = [];
  const signatures: string[] = [];
  const com = new ComPortServer({
    control: port,
    signature: 'airboot test',
    onError: (error) => errors.push(error),
    onFlowControl: (suspended) => flow.push(suspended),
    onClientSignature: (text) => signatures.push(text),
    ...options,
  });
  return { com, port, errors, flow, signatures };
}

/** The subnegotiation a client sends, as payload (what TelnetDecoder hands over). */
const request = (command: number, ...value: number[]) => Uint8Array.of(command, ...value);
/** The exact bytes of the server's answer: IAC SB 44 (command + 100) value IAC SE, with 0xFF doubled. */
const answer = (command: number, ...value: number[]) =>
  concat(
    Uint8Array.of(IAC, SB, COM, command + 100),
    escapeData(Uint8Array.from(value)),
    Uint8Array.of(IAC, SE),
  );

const C = {
  SIGNATURE: 0,
  BAUD: 1,
  DATASIZE: 2,
  PARITY: 3,
  STOPSIZE: 4,
  CONTROL: 5,
  LINESTATE: 6,
  MODEMSTATE: 7,
  SUSPEND: 8,
  RESUME: 9,
  LINEMASK: 10,
  MODEMMASK: 11,
  PURGE: 12,
};

test('RFC 2217: SIGNATURE — an empty request gets ours, a client signature is noted, not answered', () => {
  const { com, signatures, errors } = server();
  bytesEqual(com.receive(request(C.SIGNATURE))!, answer(C.SIGNATURE, ...bytes('airboot test')));
  equal(com.receive(concat(request(C.SIGNATURE), bytes('pySerial'))), undefined);
  deepEqual(signatures, ['pySerial']);
  equal(com.clientSignature, 'pySerial');
  deepEqual(errors, []);
});

test('RFC 2217: SET-BAUDRATE sets the speed now and answers the speed in effect (4 bytes, network order)', () => {
  const { com, port } = server();
  bytesEqual(com.receive(request(C.BAUD, 0, 0, 0x25, 0x80))!, answer(C.BAUD, 0, 0, 0x25, 0x80));
  deepEqual(port.calls, ['configure 9600 8N1']);
  equal(port.settings.baud, 9600);
  // 0 asks: no change, the current speed.
  bytesEqual(com.receive(request(C.BAUD, 0, 0, 0, 0))!, answer(C.BAUD, 0, 0, 0x25, 0x80));
  equal(port.calls.length, 1);
  // 921600 = 0x000E1000; 4 000 000 = 0x003D0900, the top of the default range.
  bytesEqual(com.receive(request(C.BAUD, 0, 0x3d, 0x09, 0))!, answer(C.BAUD, 0, 0x3d, 0x09, 0));
  equal(port.settings.baud, 4_000_000);
});

test('RFC 2217: a speed with a 0xFF byte is un-escaped on the way in and escaped on the way out', () => {
  const { com, port } = server();
  // 65 280 baud = 0x0000FF00: the client sends IAC IAC for the 0xFF byte.
  const wire = concat(Uint8Array.of(IAC, SB, COM, C.BAUD, 0, 0, IAC, IAC, 0, IAC, SE));
  let reply: Uint8Array | undefined;
  const decoder = new TelnetDecoder({
    onData: () => {},
    onSubnegotiation: (option, payload) => {
      equal(option, COM);
      reply = com.receive(payload);
    },
    onError: (error) => {
      throw error;
    },
  });
  decoder.push(wire);
  equal(port.settings.baud, 65280);
  bytesEqual(reply!, Uint8Array.of(IAC, SB, COM, 101, 0, 0, IAC, IAC, 0, IAC, SE));
});

test('RFC 2217: a speed outside the range, or a short request, is answered with the speed in effect', () => {
  const { com, port, errors } = server();
  const current = answer(C.BAUD, 0, 0x01, 0xc2, 0x00); // 115200
  bytesEqual(com.receive(request(C.BAUD, 0, 0, 0, 50))!, current);
  bytesEqual(com.receive(request(C.BAUD, 0, 0x4c, 0x4b, 0x40))!, current); // 5 000 000
  bytesEqual(com.receive(request(C.BAUD, 0x25, 0x80))!, current);
  deepEqual(port.calls, []);
  deepEqual(
    errors.map((e) => [e.code, e.command]),
    [
      ['COMPORT_REFUSED', 1],
      ['COMPORT_REFUSED', 1],
      ['COMPORT_MALFORMED', 1],
    ],
  );
  bytesEqual(errors[2]!.value, Uint8Array.of(0x25, 0x80));
});

test('RFC 2217: the answer carries what the port did — refused or rounded — not what was asked', () => {
  const port = new RecordingPort();
  port.refuse = (s) => s.baud === 1_000_000;
  port.adjust = (s) => ({ ...s, baud: s.baud === 500_000 ? 460_800 : s.baud });
  const { com, errors } = server(port);
  bytesEqual(com.receive(request(C.BAUD, 0, 0x0f, 0x42, 0x40))!, answer(C.BAUD, 0, 0x01, 0xc2, 0x00));
  equal(errors[0]!.code, 'COMPORT_CONTROL_FAILED');
  ok(errors[0]!.cause instanceof Error);
  bytesEqual(com.receive(request(C.BAUD, 0, 0x07, 0xa1, 0x20))!, answer(C.BAUD, 0, 0x07, 0x08, 0x00));
  deepEqual(port.calls, ['configure 1000000 8N1', 'configure 500000 8N1']);
});

test('RFC 2217: SET-DATASIZE 5–8 applied, 0 asks, anything else answered with the current size', () => {
  const { com, port, errors } = server();
  bytesEqual(com.receive(request(C.DATASIZE, 7))!, answer(C.DATASIZE, 7));
  bytesEqual(com.receive(request(C.DATASIZE, 0))!, answer(C.DATASIZE, 7));
  bytesEqual(com.receive(request(C.DATASIZE, 9))!, answer(C.DATASIZE, 7));
  bytesEqual(com.receive(request(C.DATASIZE, 4))!, answer(C.DATASIZE, 7));
  bytesEqual(com.receive(request(C.DATASIZE))!, answer(C.DATASIZE, 7));
  bytesEqual(com.receive(request(C.DATASIZE, 5))!, answer(C.DATASIZE, 5));
  deepEqual(port.calls, ['configure 115200 7N1', 'configure 115200 5N1']);
  deepEqual(
    errors.map((e) => e.code),
    ['COMPORT_REFUSED', 'COMPORT_REFUSED', 'COMPORT_MALFORMED'],
  );
});

test('RFC 2217: SET-PARITY maps 1–5 to none/odd/even/mark/space; 0 asks; 6 is refused', () => {
  const { com, port, errors } = server();
  const parities = ['none', 'odd', 'even', 'mark', 'space'];
  for (let code = 1; code <= 5; code++) {
    bytesEqual(com.receive(request(C.PARITY, code))!, answer(C.PARITY, code), `parity ${code}`);
    equal(port.settings.parity, parities[code - 1]);
  }
  bytesEqual(com.receive(request(C.PARITY, 3))!, answer(C.PARITY, 3));
  bytesEqual(com.receive(request(C.PARITY, 0))!, answer(C.PARITY, 3));
  bytesEqual(com.receive(request(C.PARITY, 6))!, answer(C.PARITY, 3));
  equal(port.settings.parity, 'even');
  equal(errors.length, 1);
  equal(port.calls.length, 6);
});

test('RFC 2217: SET-STOPSIZE maps 1, 2, 3 to 1, 2, 1.5 stop bits; 0 asks; 4 is refused', () => {
  const { com, port } = server();
  bytesEqual(com.receive(request(C.STOPSIZE, 2))!, answer(C.STOPSIZE, 2));
  equal(port.settings.stopBits, 2);
  bytesEqual(com.receive(request(C.STOPSIZE, 3))!, answer(C.STOPSIZE, 3));
  equal(port.settings.stopBits, 1.5);
  bytesEqual(com.receive(request(C.STOPSIZE, 0))!, answer(C.STOPSIZE, 3));
  bytesEqual(com.receive(request(C.STOPSIZE, 4))!, answer(C.STOPSIZE, 3));
  bytesEqual(com.receive(request(C.STOPSIZE, 1))!, answer(C.STOPSIZE, 1));
  deepEqual(port.calls, ['configure 115200 8N2', 'configure 115200 8N1.5', 'configure 115200 8N1']);
});

test('RFC 2217: SET-CONTROL DTR and RTS (8/9, 11/12) drive the lines; 7 and 10 ask', () => {
  const { com, port } = server();
  bytesEqual(com.receive(request(C.CONTROL, 7))!, answer(C.CONTROL, 9));
  bytesEqual(com.receive(request(C.CONTROL, 8))!, answer(C.CONTROL, 8));
  bytesEqual(com.receive(request(C.CONTROL, 7))!, answer(C.CONTROL, 8));
  bytesEqual(com.receive(request(C.CONTROL, 10))!, answer(C.CONTROL, 12));
  bytesEqual(com.receive(request(C.CONTROL, 11))!, answer(C.CONTROL, 11));
  bytesEqual(com.receive(request(C.CONTROL, 10))!, answer(C.CONTROL, 11));
  bytesEqual(com.receive(request(C.CONTROL, 12))!, answer(C.CONTROL, 12));
  bytesEqual(com.receive(request(C.CONTROL, 9))!, answer(C.CONTROL, 9));
  deepEqual(port.calls, ['dtr true', 'rts true', 'rts false', 'dtr false']);
});

test('RFC 2217: SET-CONTROL BREAK (5/6, 4 asks) answers what the UART could do', () => {
  const { com, port } = server();
  bytesEqual(com.receive(request(C.CONTROL, 4))!, answer(C.CONTROL, 6));
  bytesEqual(com.receive(request(C.CONTROL, 5))!, answer(C.CONTROL, 5));
  bytesEqual(com.receive(request(C.CONTROL, 4))!, answer(C.CONTROL, 5));
  bytesEqual(com.receive(request(C.CONTROL, 6))!, answer(C.CONTROL, 6));
  port.canBreak = false;
  bytesEqual(com.receive(request(C.CONTROL, 5))!, answer(C.CONTROL, 6), 'no BREAK: it stays off');
  deepEqual(port.calls, ['break true', 'break false', 'break true']);
});

test('RFC 2217: SET-CONTROL flow control on a port without any: only "none" is accepted', () => {
  const { com, port, errors } = server();
  bytesEqual(com.receive(request(C.CONTROL, 0))!, answer(C.CONTROL, 1));
  bytesEqual(com.receive(request(C.CONTROL, 1))!, answer(C.CONTROL, 1));
  bytesEqual(com.receive(request(C.CONTROL, 2))!, answer(C.CONTROL, 1));
  bytesEqual(com.receive(request(C.CONTROL, 3))!, answer(C.CONTROL, 1));
  bytesEqual(com.receive(request(C.CONTROL, 13))!, answer(C.CONTROL, 14));
  bytesEqual(com.receive(request(C.CONTROL, 14))!, answer(C.CONTROL, 14));
  bytesEqual(com.receive(request(C.CONTROL, 16))!, answer(C.CONTROL, 14));
  bytesEqual(com.receive(request(C.CONTROL, 17))!, answer(C.CONTROL, 1));
  bytesEqual(com.receive(request(C.CONTROL, 18))!, answer(C.CONTROL, 14));
  bytesEqual(com.receive(request(C.CONTROL, 19))!, answer(C.CONTROL, 1));
  deepEqual(port.calls, []);
  equal(errors.filter((e) => e.code === 'COMPORT_REFUSED').length, 6);
});

test('RFC 2217: SET-CONTROL flow control on a port that has it; inbound follows outbound', () => {
  const { com, port } = server(new FlowPort());
  bytesEqual(com.receive(request(C.CONTROL, 3))!, answer(C.CONTROL, 3));
  bytesEqual(com.receive(request(C.CONTROL, 0))!, answer(C.CONTROL, 3));
  bytesEqual(com.receive(request(C.CONTROL, 13))!, answer(C.CONTROL, 16));
  bytesEqual(com.receive(request(C.CONTROL, 16))!, answer(C.CONTROL, 16));
  bytesEqual(com.receive(request(C.CONTROL, 2))!, answer(C.CONTROL, 2));
  bytesEqual(com.receive(request(C.CONTROL, 1))!, answer(C.CONTROL, 1));
  deepEqual(port.calls, ['flow hardware', 'flow xon-xoff', 'flow none']);
});

test('RFC 2217: an undefined SET-CONTROL value or an empty one gets no answer and is reported', () => {
  const { com, errors } = server();
  equal(com.receive(request(C.CONTROL, 20)), undefined);
  equal(com.receive(request(C.CONTROL, 255)), undefined);
  equal(com.receive(request(C.CONTROL)), undefined);
  deepEqual(
    errors.map((e) => e.code),
    ['COMPORT_UNKNOWN', 'COMPORT_UNKNOWN', 'COMPORT_MALFORMED'],
  );
});

test('RFC 2217: PURGE-DATA 1/2/3 purges and echoes the code; other codes are not answered', () => {
  const { com, port, errors } = server();
  bytesEqual(com.receive(request(C.PURGE, 1))!, answer(C.PURGE, 1));
  bytesEqual(com.receive(request(C.PURGE, 2))!, answer(C.PURGE, 2));
  bytesEqual(com.receive(request(C.PURGE, 3))!, answer(C.PURGE, 3));
  equal(com.receive(request(C.PURGE, 4)), undefined);
  equal(com.receive(request(C.PURGE)), undefined);
  deepEqual(port.calls, ['purge rx=true tx=false', 'purge rx=false tx=true', 'purge rx=true tx=true']);
  deepEqual(
    errors.map((e) => e.code),
    ['COMPORT_REFUSED', 'COMPORT_MALFORMED'],
  );
});

test('RFC 2217: FLOWCONTROL-SUSPEND/RESUME change state, are reported once, and are not answered', () => {
  const { com, flow } = server();
  equal(com.suspended, false);
  equal(com.receive(request(C.SUSPEND)), undefined);
  equal(com.suspended, true);
  equal(com.receive(request(C.SUSPEND)), undefined);
  equal(com.receive(request(C.RESUME)), undefined);
  equal(com.suspended, false);
  deepEqual(flow, [true, false]);
});

test('RFC 2217: masks start at 0 (line) and 255 (modem), are set, answered, and filter polls', () => {
  const { com, port } = server();
  equal(com.lineStateMask, 0);
  equal(com.modemStateMask, 255);
  port.lineState = LineState.FRAMING_ERROR | LineState.DATA_READY;
  port.modem = { cts: true, dsr: true, ri: false, cd: false };
  bytesEqual(com.receive(request(C.LINESTATE))!, answer(C.LINESTATE, 0), 'line state hidden by mask 0');
  bytesEqual(com.receive(request(C.MODEMSTATE))!, answer(C.MODEMSTATE, 0x30));
  bytesEqual(com.receive(request(C.LINEMASK, 0x18))!, answer(C.LINEMASK, 0x18));
  bytesEqual(com.receive(request(C.MODEMMASK, ModemState.CTS))!, answer(C.MODEMMASK, 0x10));
  bytesEqual(com.receive(request(C.LINESTATE))!, answer(C.LINESTATE, LineState.FRAMING_ERROR));
  bytesEqual(com.receive(request(C.MODEMSTATE))!, answer(C.MODEMSTATE, 0x10));
  // A mask of 0xFF is escaped in the answer.
  bytesEqual(com.receive(request(C.LINEMASK, 0xff))!, answer(C.LINEMASK, 0xff));
  bytesEqual(com.receive(request(C.LINEMASK))!, answer(C.LINEMASK, 0xff), 'no value: unchanged');
  equal(com.lineStateMask, 0xff);
});

test('RFC 2217: NOTIFY-MODEMSTATE on change, with delta bits, through the client mask', () => {
  const { com } = server();
  const lines = (cts: boolean, dsr: boolean, ri: boolean, cd: boolean) => ({ cts, dsr, ri, cd });
  const note = (value: number) => answer(C.MODEMSTATE, value);
  bytesEqual(com.notifyModemState(lines(true, false, false, false))!, note(0x11), 'CTS on, delta CTS');
  equal(com.notifyModemState(lines(true, false, false, false)), undefined, 'no change, no notification');
  bytesEqual(com.notifyModemState(lines(true, false, false, false), true)!, note(0x10), 'forced: the state');
  bytesEqual(com.notifyModemState(lines(true, true, true, true))!, note(0xf0 | 0x02 | 0x08));
  bytesEqual(com.notifyModemState(lines(true, true, false, true))!, note(0xb0 | 0x04), 'RI trailing edge');
  // RFC 2217 §4: the new state AND the mask, sent when not zero — so a level bit in the mask reports any change.
  com.receive(request(C.MODEMMASK, ModemState.DSR));
  bytesEqual(com.notifyModemState(lines(false, true, false, true))!, note(0x20), 'CTS changed, DSR is high');
  com.receive(request(C.MODEMMASK, ModemState.DELTA_DSR));
  equal(com.notifyModemState(lines(true, true, false, true)), undefined, 'only CTS changed');
  bytesEqual(com.notifyModemState(lines(true, false, false, true))!, note(0x02));
  com.receive(request(C.MODEMMASK, 0));
  equal(com.notifyModemState(lines(true, true, true, true)), undefined, 'mask 0: silent');
  bytesEqual(com.notifyModemState(lines(true, true, true, true), true)!, note(0));
});

test('RFC 2217: NOTIFY-LINESTATE only for events in the client mask (initially none)', () => {
  const { com } = server();
  equal(com.notifyLineState(LineState.BREAK_DETECT), undefined);
  com.receive(request(C.LINEMASK, LineState.BREAK_DETECT | LineState.PARITY_ERROR));
  bytesEqual(
    com.notifyLineState(LineState.BREAK_DETECT | LineState.DATA_READY)!,
    answer(C.LINESTATE, LineState.BREAK_DETECT),
  );
  equal(com.notifyLineState(LineState.OVERRUN_ERROR), undefined);
});

test('RFC 2217: answers and unknown commands from a client are ignored and reported', () => {
  const { com, errors } = server();
  equal(com.receive(request(101, 0, 0, 0x25, 0x80)), undefined);
  equal(com.receive(request(50)), undefined);
  equal(com.receive(new Uint8Array()), undefined);
  deepEqual(
    errors.map((e) => e.code),
    ['COMPORT_UNKNOWN', 'COMPORT_UNKNOWN', 'COMPORT_MALFORMED'],
  );
  ok(errors[0]!.message.includes("server's answer"));
});

test('RFC 2217: a port control that fails to read its state makes no answer and no exception', () => {
  const port = new RecordingPort();
  port.getSettings = () => {
    throw new Error('UART gone');
  };
  const { com, errors } = server(port);
  equal(com.receive(request(C.BAUD, 0, 0, 0, 0)), undefined);
  equal(errors[0]!.code, 'COMPORT_CONTROL_FAILED');
  equal(errors[0]!.command, ComPortCommand.SET_BAUDRATE);
});

test('RFC 2217: the session pyserial opens, byte for byte through decoder, negotiation and server', () => {
  const port = new RecordingPort();
  const { com } = server(port);
  const negotiation = new OptionNegotiator({ policy: RFC2217_SERVER_POLICY });
  const out: Uint8Array[] = [];
  const data: number[] = [];
  const decoder = new TelnetDecoder({
    onData: (chunk) => data.push(...chunk),
    onCommand: (command, option) => {
      const reply = negotiation.receive(command, option);
      if (reply) out.push(reply);
    },
    onSubnegotiation: (option, payload) => {
      const spoken = negotiation.isEnabled(COM, 'remote') || negotiation.isEnabled(COM, 'local');
      const reply = option === COM && spoken ? com.receive(payload) : undefined;
      if (reply) out.push(reply);
    },
    onError: (error) => {
      throw error;
    },
  });
  const sb = (...payload: number[]) => Uint8Array.of(IAC, SB, COM, ...payload, IAC, SE);
  // What pyserial 3.5 sends for serial_for_url('rfc2217://…', baudrate=9600, parity='E') and then writes 0xFF 0x00.
  decoder.push(
    concat(
      Uint8Array.of(IAC, DO, 1, IAC, WILL, 3, IAC, DO, 3, IAC, DO, COM, IAC, WILL, COM),
      sb(1, 0, 0, 0x25, 0x80),
      sb(2, 8),
      sb(3, 3),
      sb(4, 1),
      sb(5, 1),
      sb(5, 8),
      sb(5, 11),
      sb(12, 1),
      sb(12, 2),
      Uint8Array.of(IAC, IAC, 0),
    ),
  );
  bytesEqual(
    concat(...out),
    concat(
      Uint8Array.of(IAC, TelnetCommand.WONT, 1, IAC, DO, 3, IAC, WILL, 3, IAC, WILL, COM, IAC, DO, COM),
      answer(1, 0, 0, 0x25, 0x80),
      answer(2, 8),
      answer(3, 3),
      answer(4, 1),
      answer(5, 1),
      answer(5, 8),
      answer(5, 11),
      answer(12, 1),
      answer(12, 2),
    ),
  );
  deepEqual(port.calls, [
    'configure 9600 8N1',
    'configure 9600 8N1',
    'configure 9600 8E1',
    'configure 9600 8E1',
    'dtr true',
    'rts true',
    'purge rx=true tx=false',
    'purge rx=false tx=true',
  ]);
  deepEqual(data, [0xff, 0]);
});
