import type { UartSettings } from '../../../src/io/contracts.js';
import { LoopbackNetwork, type LoopbackNetworkOptions } from '../../../src/io/loopback-net.js';
import {
  ComPortCommand,
  ComPortControlValue,
  ComPortParity,
  ComPortPurge,
  ComPortStopSize,
  comPortSubnegotiation,
  escapeData,
  LineState,
  ModemState,
  OptionNegotiator,
  SERVER_OFFSET,
  TelnetCommand,
  TelnetDecoder,
  TelnetOption,
} from '../../../src/net/telnet/index.js';
import { type LineMapping, TargetLines } from '../../../src/service/rfc2217-lines.js';
import { escapedPrefix } from '../../../src/service/rfc2217-output.js';
import {
  RFC2217_PORT,
  Rfc2217Service,
  type Rfc2217ServiceOptions,
} from '../../../src/service/rfc2217-service.js';
import type { UartHubOptions } from '../../../src/service/uart-hub.js';
import { hostOutput, InputPin } from '../../../src/sim/pins.js';
import { FLASH_BASE } from '../../../src/stm32/chips.js';
import { bytesEqual, deepEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { simRig } from './bridge-rig.js';

const { IAC, WILL, DO, SB: SB_BYTE, SE: SE_BYTE } = TelnetCommand;
const COM = TelnetOption.COM_PORT_OPTION;
const ACK = 0x79;
/** An erased page of the F103C8's 64 KiB (the demo firmware is far smaller). */
const ERASED = FLASH_BASE + 0xf000;

/** A Telnet client speaking RFC 2217 the way pyserial does: it offers COM-PORT-OPTION and agrees to BINARY. */
class ComPortClient {
  readonly socket;
  /** Every byte received, as on the wire. */
  wire: number[] = [];
  /** Data bytes after Telnet decoding. */
  data: number[] = [];
  /** COM-PORT-OPTION subnegotiations received: the code, then the value. */
  readonly replies: number[][] = [];
  closed = false;
  reading = true;
  private readonly decoder: TelnetDecoder;
  private readonly negotiator: OptionNegotiator;
  private sendBinary = false;

  constructor(network: LoopbackNetwork, port: number) {
    this.decoder = new TelnetDecoder({
      onData: (chunk) => this.data.push(...chunk),
      onCommand: (command, option) => {
        const reply = this.negotiator.receive(command, option);
        if (reply) this.socket.write(reply);
      },
      onSubnegotiation: (option, payload) => {
        if (option === COM) this.replies.push([...payload]);
      },
      onError: (error) => {
        throw error;
      },
    });
    this.negotiator = new OptionNegotiator({
      policy: {
        local: [TelnetOption.BINARY, COM],
        remote: [TelnetOption.BINARY, TelnetOption.SGA, COM],
      },
      onChange: (option, side, enabled) => {
        if (option === TelnetOption.BINARY && side === 'remote') this.decoder.binary = enabled;
        if (option === TelnetOption.BINARY && side === 'local') this.sendBinary = enabled;
      },
    });
    this.socket = network.connect(port, {
      onReadable: () => {
        if (this.reading) this.drain();
      },
      onClose: () => {
        this.closed = true;
      },
    });
    this.socket.write(this.negotiator.request(COM, 'local', true)!);
  }

  drain(): void {
    for (let bytes = this.socket.read(); bytes; bytes = this.socket.read()) {
      this.wire.push(...bytes);
      this.decoder.push(bytes);
    }
  }

  /** Whether COM-PORT-OPTION (local: our WILL accepted) and BINARY both ways are in effect. */
  get negotiated(): boolean {
    const n = this.negotiator;
    return (
      n.isEnabled(COM, 'local') &&
      n.isEnabled(TelnetOption.BINARY, 'local') &&
      n.isEnabled(TelnetOption.BINARY, 'remote')
    );
  }

  command(command: number, ...value: number[]): void {
    this.socket.write(comPortSubnegotiation(command, value));
  }

  setBaud(baud: number): void {
    this.command(
      ComPortCommand.SET_BAUDRATE,
      baud >>> 24,
      (baud >>> 16) & 0xff,
      (baud >>> 8) & 0xff,
      baud & 0xff,
    );
  }

  control(value: number): void {
    this.command(ComPortCommand.SET_CONTROL, value);
  }

  /** UART data, IAC-doubled. */
  write(bytes: number[]): void {
    this.socket.write(escapeData(Uint8Array.from(bytes), this.sendBinary ? 'binary' : 'nvt'));
  }

  /** Forget what was received so far. */
  clear(): void {
    this.wire = [];
    this.data = [];
    this.replies.length = 0;
  }

  text(): string {
    return String.fromCharCode(...this.data);
  }
}

async function rfc2217Rig(
  serviceOptions: Partial<Rfc2217ServiceOptions> = {},
  hubOptions: Partial<UartHubOptions> = {},
  networkOptions: LoopbackNetworkOptions = {},
) {
  const rig = simRig(hubOptions);
  await rig.clock.advance(20); // the power-on banner goes to nobody
  const network = new LoopbackNetwork(rig.clock, networkOptions);
  const service = new Rfc2217Service({
    listen: network.listen,
    hub: rig.hub,
    timer: rig.clock,
    boot0: rig.boot0,
    nrst: rig.nrst,
    ...serviceOptions,
  });
  const configured: UartSettings[] = [];
  const configure = rig.hub.configure.bind(rig.hub);
  rig.hub.configure = (settings) => {
    configured.push({ ...settings });
    configure(settings);
  };
  const connect = async () => {
    const client = new ComPortClient(network, service.port);
    await rig.clock.advance(10);
    return client;
  };
  return { ...rig, network, service, configured, connect };
}

/** SET-BAUDRATE 115200 and 8E1, as pyserial's open() does (one request per field). */
async function setBootloaderFormat(r: Awaited<ReturnType<typeof rfc2217Rig>>, client: ComPortClient) {
  client.setBaud(115200);
  client.command(ComPortCommand.SET_DATASIZE, 8);
  client.command(ComPortCommand.SET_PARITY, ComPortParity.EVEN);
  client.command(ComPortCommand.SET_STOPSIZE, ComPortStopSize.ONE);
  await r.clock.advance(10);
}

/** RTS on (BOOT0 high), a DTR pulse (NRST low for 100 ms), then the bootloader's start-up time. */
async function enterBootloader(r: Awaited<ReturnType<typeof rfc2217Rig>>, client: ComPortClient) {
  client.control(ComPortControlValue.RTS_ON);
  client.control(ComPortControlValue.DTR_ON);
  await r.clock.advance(100);
  client.control(ComPortControlValue.DTR_OFF);
  await r.clock.advance(200);
}

/** Send a bootloader frame and wait for the answer. */
async function exchange(
  r: Awaited<ReturnType<typeof rfc2217Rig>>,
  client: ComPortClient,
  bytes: number[],
  ms = 20,
) {
  client.data = [];
  client.write(bytes);
  await r.clock.advance(ms);
  return client.data;
}

function xor(bytes: number[]): number {
  return bytes.reduce((sum, byte) => sum ^ byte, 0);
}

function addressFrame(address: number): number[] {
  const bytes = [address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff];
  return [...bytes, xor(bytes)];
}

/** The longest run of 0xFF bytes in `bytes`. */
function longestFfRun(bytes: number[]): number {
  let best = 0;
  let run = 0;
  for (const byte of bytes) {
    run = byte === 0xff ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

test('Rfc2217Service: listens on 2217, asks only for BINARY, answers WILL COM-PORT-OPTION with DO and a modem state', async () => {
  const r = await rfc2217Rig();
  equal(r.service.port, RFC2217_PORT);
  const client = await r.connect();
  // WILL BINARY, DO BINARY at connect; then DO COM-PORT-OPTION, then NOTIFY-MODEMSTATE (CTS, DSR, CD on + deltas).
  deepEqual(client.wire.slice(0, 9), [
    IAC,
    WILL,
    TelnetOption.BINARY,
    IAC,
    DO,
    TelnetOption.BINARY,
    IAC,
    DO,
    COM,
  ]);
  ok(client.negotiated, 'COM-PORT-OPTION and BINARY both ways are in effect');
  const modem = ModemState.CTS | ModemState.DSR | ModemState.CD;
  const deltas = ModemState.DELTA_CTS | ModemState.DELTA_DSR | ModemState.DELTA_CD;
  deepEqual(client.replies, [[ComPortCommand.NOTIFY_MODEMSTATE + SERVER_OFFSET, modem | deltas]]);
  equal(r.hub.clients.length, 1);
  equal(r.hub.clients[0]!.kind, 'rfc2217');
  equal(r.service.clients.length, 1);
});

test('Rfc2217Service: SET-BAUDRATE and SET-PARITY go to the UART at once and are answered with sub+100 and the values in effect', async () => {
  const r = await rfc2217Rig();
  const client = await r.connect();
  client.clear();
  client.setBaud(57600);
  client.command(ComPortCommand.SET_PARITY, ComPortParity.EVEN);
  client.command(ComPortCommand.SET_DATASIZE, 8);
  client.command(ComPortCommand.SET_STOPSIZE, ComPortStopSize.ONE);
  await r.clock.advance(10);
  deepEqual(client.replies, [
    [101, 0x00, 0x00, 0xe1, 0x00],
    [103, ComPortParity.EVEN],
    [102, 8],
    [104, ComPortStopSize.ONE],
  ]);
  deepEqual(r.hub.settings, { baud: 57600, dataBits: 8, parity: 'even', stopBits: 1 });
  deepEqual(r.link.settings('a'), { baud: 57600, dataBits: 8, parity: 'even', stopBits: 1 });
  // Out of range: refused, answered with the speed still in effect; a query (0) answers the same.
  client.clear();
  client.setBaud(50);
  client.setBaud(0);
  await r.clock.advance(10);
  deepEqual(client.replies, [
    [101, 0x00, 0x00, 0xe1, 0x00],
    [101, 0x00, 0x00, 0xe1, 0x00],
  ]);
  // Each field change reached the hub (which never persists); nothing else did.
  deepEqual(
    r.configured.map((s) => `${s.baud} ${s.dataBits}${s.parity}${s.stopBits}`),
    ['57600 8none1', '57600 8even1', '57600 8even1', '57600 8even1'],
  );
});

test('Rfc2217Service: RTS on + a DTR pulse starts the bootloader; 0x7F gets 0x79 and Get ID gets PID 0x410', async () => {
  const r = await rfc2217Rig();
  const client = await r.connect();
  await setBootloaderFormat(r, client);
  client.clear();
  client.control(ComPortControlValue.RTS_ON);
  client.control(ComPortControlValue.DTR_ON);
  await r.clock.advance(10);
  equal(r.boot0.read(), 1, 'RTS asserted = BOOT0 high');
  equal(r.nrst.read(), 0, 'DTR asserted = NRST low (reset held)');
  deepEqual(client.replies, [
    [105, ComPortControlValue.RTS_ON],
    [105, ComPortControlValue.DTR_ON],
  ]);
  await r.clock.advance(90);
  client.control(ComPortControlValue.DTR_OFF);
  await r.clock.advance(200);
  equal(r.nrst.read(), 1);
  deepEqual(await exchange(r, client, [0x7f]), [ACK]);
  deepEqual(await exchange(r, client, [0x02, 0xfd]), [ACK, 0x01, 0x04, 0x10, ACK]);
  equal(r.link.stats.aToB.formatMismatches, 0, 'the bootloader read every byte as 8E1');
  equal(r.link.stats.bToA.formatMismatches, 0);
});

test('Rfc2217Service: a Read Memory of erased flash arrives as 256 x 0xFF, doubled on the wire and undoubled by the client', async () => {
  const r = await rfc2217Rig();
  const client = await r.connect();
  await setBootloaderFormat(r, client);
  await enterBootloader(r, client);
  deepEqual(await exchange(r, client, [0x7f]), [ACK]);
  deepEqual(await exchange(r, client, [0x11, 0xee]), [ACK]);
  deepEqual(await exchange(r, client, addressFrame(ERASED)), [ACK]);
  client.wire = [];
  // The count byte 0xFF (256 bytes) itself travels doubled to the server and reaches the chip as one byte.
  const data = await exchange(r, client, [0xff, 0x00], 60);
  equal(data.length, 257);
  equal(data[0], ACK);
  ok(
    data.slice(1).every((byte) => byte === 0xff),
    'every byte read is 0xFF',
  );
  equal(longestFfRun(client.wire), 512, '256 data bytes 0xFF = 512 bytes IAC IAC on the wire');
  equal(client.wire.length, 1 + 512);
});

test('Rfc2217Service: a Write Memory of data full of 0xFF lands in flash intact and reads back intact', async () => {
  const r = await rfc2217Rig();
  const client = await r.connect();
  await setBootloaderFormat(r, client);
  await enterBootloader(r, client);
  deepEqual(await exchange(r, client, [0x7f]), [ACK]);
  const payload = [
    0x00, 0xff, 0x12, 0xff, 0xff, 0x34, 0xff, 0xff, 0xff, 0x56, 0xfe, 0xff, 0x0d, 0x00, 0x0a, 0xff,
  ];
  deepEqual(await exchange(r, client, [0x31, 0xce]), [ACK]);
  deepEqual(await exchange(r, client, addressFrame(ERASED)), [ACK]);
  const frame = [payload.length - 1, ...payload];
  deepEqual(await exchange(r, client, [...frame, xor(frame)], 60), [ACK]);
  bytesEqual(r.chip.flash.read(ERASED, payload.length), Uint8Array.from(payload));
  deepEqual(await exchange(r, client, [0x11, 0xee]), [ACK]);
  deepEqual(await exchange(r, client, addressFrame(ERASED)), [ACK]);
  deepEqual(await exchange(r, client, [payload.length - 1, 0xff ^ (payload.length - 1)], 40), [
    ACK,
    ...payload,
  ]);
});

test('Rfc2217Service: application data passes both ways; flash notices stay out of the stream unless enabled', async () => {
  const r = await rfc2217Rig();
  const client = await r.connect();
  client.clear();
  client.write([...'hi\r\n'].map((c) => c.charCodeAt(0)));
  await r.clock.advance(50);
  equal(client.text(), 'echo: hi\r\n');
  const lease = r.hub.acquire('flash job 1');
  await r.clock.advance(10);
  lease.release();
  await r.clock.advance(10);
  equal(client.text(), 'echo: hi\r\n', 'no notice injected by default');

  const noisy = await rfc2217Rig({ notices: true });
  const listener = await noisy.connect();
  const lease2 = noisy.hub.acquire('flash job 2');
  await noisy.clock.advance(10);
  lease2.release();
  await noisy.clock.advance(10);
  equal(
    listener.text(),
    '\r\n[airboot: flash job 2 started; serial paused]\r\n\r\n[airboot: flash job 2 finished; serial resumed at 115200 8N1]\r\n',
  );
});

test('Rfc2217Service: while a flash job holds the UART, settings and DTR/RTS are refused and answered as in effect', async () => {
  const r = await rfc2217Rig();
  const client = await r.connect();
  const lease = r.hub.acquire('flash job 3');
  client.clear();
  client.setBaud(9600);
  client.control(ComPortControlValue.DTR_ON);
  client.control(ComPortControlValue.RTS_ON);
  client.write([...'later\r\n'].map((c) => c.charCodeAt(0)));
  await r.clock.advance(10);
  deepEqual(client.replies, [
    [101, 0x00, 0x01, 0xc2, 0x00],
    [105, ComPortControlValue.DTR_OFF],
    [105, ComPortControlValue.RTS_OFF],
  ]);
  equal(r.nrst.read(), 1);
  equal(r.boot0.read(), 0);
  deepEqual(r.configured, []);
  lease.release();
  await r.clock.advance(50);
  equal(client.text(), 'echo: later\r\n', 'data typed during the job was held and sent after it');
});

test('Rfc2217Service: BREAK on a UART without it is answered off; PURGE-DATA is answered; masks and line events', async () => {
  const r = await rfc2217Rig();
  const client = await r.connect();
  client.clear();
  client.control(ComPortControlValue.BREAK_ON);
  client.command(ComPortCommand.PURGE_DATA, ComPortPurge.BOTH);
  client.command(ComPortCommand.SET_LINESTATE_MASK, LineState.BREAK_DETECT);
  await r.clock.advance(10);
  deepEqual(client.replies, [
    [105, ComPortControlValue.BREAK_OFF],
    [112, ComPortPurge.BOTH],
    [110, LineState.BREAK_DETECT],
  ]);
  client.clear();
  r.service.lineEvent(LineState.FRAMING_ERROR);
  r.service.lineEvent(LineState.BREAK_DETECT | LineState.FRAMING_ERROR);
  await r.clock.advance(10);
  deepEqual(client.replies, [[106, LineState.BREAK_DETECT]]);
});

test('Rfc2217Service: FLOWCONTROL-SUSPEND holds data until RESUME', async () => {
  const r = await rfc2217Rig();
  const client = await r.connect();
  client.clear();
  client.command(ComPortCommand.FLOWCONTROL_SUSPEND);
  await r.clock.advance(10);
  client.write([...'held\r\n'].map((c) => c.charCodeAt(0)));
  await r.clock.advance(50);
  equal(client.text(), '');
  ok(r.service.clients[0]!.suspended);
  ok(r.service.clients[0]!.queuedBytes > 0);
  client.command(ComPortCommand.FLOWCONTROL_RESUME);
  await r.clock.advance(10);
  equal(client.text(), 'echo: held\r\n');
});

test('Rfc2217Service: refusals when full, as a line, then closed; the last client leaving releases NRST and BOOT0', async () => {
  const r = await rfc2217Rig({ maxClients: 1 });
  const first = await r.connect();
  const second = await r.connect();
  equal(second.text(), 'airboot: all 1 RFC 2217 slots are in use; try again later\r\n');
  ok(second.closed && !first.closed);
  equal(r.hub.clients.length, 1);
  first.control(ComPortControlValue.RTS_ON);
  first.control(ComPortControlValue.DTR_ON);
  await r.clock.advance(10);
  equal(r.nrst.read(), 0);
  first.socket.close();
  await r.clock.advance(10);
  equal(r.hub.clients.length, 0);
  equal(r.nrst.read(), 1, 'the target is not left held in reset');
  equal(r.boot0.read(), 0);

  const full = await rfc2217Rig({}, { maxClients: 0 });
  const refused = await full.connect();
  equal(refused.text(), 'airboot: all 0 client slots are in use; try again later\r\n');
  ok(refused.closed);
});

test('Rfc2217Service: a client that stops reading has drops counted and is then disconnected', async () => {
  const r = await rfc2217Rig({ queueBytes: 256, stallTimeoutMs: 2000 }, {}, { capacity: 512 });
  const slow = await r.connect();
  const fast = await r.connect();
  slow.reading = false;
  fast.clear();
  let expected = '';
  for (let i = 0; i < 30; i++) {
    const line = `line ${i} ${'y'.repeat(40)}`;
    fast.write([...`${line}\r\n`].map((c) => c.charCodeAt(0)));
    expected += `echo: ${line}\r\n`;
    await r.clock.advance(8);
  }
  await r.clock.advance(500);
  equal(fast.text(), expected);
  ok(r.hub.clients[0]!.droppedBytes > 0, 'drops counted for the slow client');
  equal(r.hub.clients[1]!.droppedBytes, 0);
  ok(!slow.closed);
  await r.clock.advance(2000);
  ok(slow.closed, 'the stalled client was disconnected');
  equal(r.service.clients.length, 1);
});

test('TargetLines: mappings, inversion and none', () => {
  const boot0Pin = new InputPin('BOOT0', 0, () => {});
  const nrstPin = new InputPin('NRST', 1, () => {});
  const make = (mapping: LineMapping) =>
    new TargetLines({ mapping, boot0: hostOutput(boot0Pin), nrst: hostOutput(nrstPin) });
  const swapped = make({ dtr: 'boot0', rts: 'nrst', invertRts: true });
  swapped.setDtr(true);
  equal(boot0Pin.level, 1);
  swapped.setRts(true);
  equal(nrstPin.level, 1, 'inverted: RTS asserted leaves NRST released');
  swapped.setRts(false);
  equal(nrstPin.level, 0);
  ok(swapped.active);
  swapped.release();
  equal(nrstPin.level, 1);
  equal(boot0Pin.level, 0);
  equal(swapped.rts, true, 'inverted RTS is asserted at idle');
  ok(!swapped.active);
  const none = make({ dtr: 'none', rts: 'none' });
  none.setDtr(true);
  none.setRts(true);
  equal(nrstPin.level, 1);
  equal(boot0Pin.level, 0);
  throws(() => make({ dtr: 'nrst', rts: 'nrst' }), { name: 'RangeError' });
});

test('escapedPrefix: never splits IAC IAC or CR NUL', () => {
  const data = Uint8Array.from([0x41, 0xff, 0x42, 0x0d, 0x0a]);
  equal(escapedPrefix(data, 100, 'binary'), 5);
  equal(escapedPrefix(data, 2, 'binary'), 1);
  equal(escapedPrefix(data, 3, 'binary'), 2);
  equal(escapedPrefix(data, 5, 'binary'), 4);
  equal(escapedPrefix(data, 5, 'nvt'), 3, 'CR cut from its LF would need CR NUL');
  equal(escapedPrefix(data, 6, 'nvt'), 5);
  for (let room = 0; room <= 7; room++) {
    const fits = escapedPrefix(data, room, 'nvt');
    ok(escapeData(data.subarray(0, fits), 'nvt').length <= room, `room ${room}`);
  }
});

test('Rfc2217Service: garbage from a client (random bytes, broken and oversized subnegotiations) crashes nothing', async () => {
  const r = await rfc2217Rig();
  const client = await r.connect();
  let seed = 2217;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 24;
  };
  for (let round = 0; round < 16; round++) {
    const bytes = Array.from({ length: 256 }, () => random());
    // Sprinkle in COM-PORT-OPTION frames with wrong lengths, unknown codes and no end.
    bytes.push(IAC, SB_BYTE, COM, ComPortCommand.SET_BAUDRATE, 1, IAC, SE_BYTE);
    bytes.push(
      IAC,
      SB_BYTE,
      COM,
      99,
      IAC,
      SE_BYTE,
      IAC,
      SB_BYTE,
      COM,
      ...new Array(100).fill(7),
      IAC,
      SE_BYTE,
    );
    bytes.push(IAC, SB_BYTE, COM, ComPortCommand.SET_CONTROL);
    client.socket.write(Uint8Array.from(bytes));
    await r.clock.advance(40);
  }
  client.socket.write(Uint8Array.of(IAC, SE_BYTE));
  client.command(ComPortCommand.FLOWCONTROL_RESUME);
  await r.clock.advance(50);
  client.clear();
  client.setBaud(0);
  await r.clock.advance(10);
  equal(r.service.clients.length, 1, 'still connected');
  const baud = r.hub.settings.baud;
  deepEqual(client.replies, [[101, baud >>> 24, (baud >>> 16) & 0xff, (baud >>> 8) & 0xff, baud & 0xff]]);
});
