/**
 * Interop: pyserial's RFC 2217 client (Debian python3-serial) against a minimal node:net server built from the
 * portable codecs — TelnetDecoder, OptionNegotiator, ComPortServer — with a loopback "UART" that echoes data.
 * Proves that a real client negotiates with us, accepts every answer (it raises on a wrong one), and that data full
 * of 0xFF survives the IAC doubling both ways.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { formatName, UART_8N1, type UartSettings } from '../../src/io/contracts.js';
import {
  type ComPortControl,
  ComPortServer,
  type ControlLines,
  escapeData,
  type ModemLines,
  OptionNegotiator,
  RFC2217_SERVER_POLICY,
  RFC2217_SERVER_REQUESTS,
  TelnetDecoder,
  TelnetOption,
} from '../../src/net/telnet/index.js';

const PYTHON = '/usr/bin/python3';

const CLIENT = `
import json, sys, serial
s = serial.serial_for_url('rfc2217://127.0.0.1:%s' % sys.argv[1], baudrate=9600, parity='E', timeout=3)
data = bytes(range(256)) + b'\\xff' * 300 + b'\\r\\n\\r\\x00end'
s.write(data)
got = b''
while len(got) < len(data):
    chunk = s.read(len(data) - len(got))
    if not chunk:
        break
    got += chunk
result = {'echoed': got == data, 'length': len(got), 'cts': s.cts, 'dsr': s.dsr, 'cd': s.cd}
s.baudrate = 115200
s.dtr = False
s.rts = False
s.break_condition = True
s.break_condition = False
s.reset_input_buffer()
s.close()
print(json.dumps(result))
`;

class LoopbackPort implements ComPortControl {
  settings: UartSettings = { ...UART_8N1 };
  lines: ControlLines = { dtr: false, rts: false, break: false };
  readonly modem: ModemLines = { cts: true, dsr: true, ri: false, cd: false };
  readonly calls: string[] = [];
  getSettings = () => ({ ...this.settings });
  configure = (settings: UartSettings) => {
    this.calls.push(`configure ${settings.baud} ${formatName(settings)}`);
    this.settings = settings;
  };
  getLines = () => this.lines;
  setDtr = (on: boolean) => this.line('dtr', on);
  setRts = (on: boolean) => this.line('rts', on);
  setBreak = (on: boolean) => this.line('break', on);
  purge = (receive: boolean, transmit: boolean) => this.calls.push(`purge rx=${receive} tx=${transmit}`);
  getModemLines = () => this.modem;
  private line(name: keyof ControlLines, on: boolean): void {
    this.calls.push(`${name} ${on}`);
    this.lines = { ...this.lines, [name]: on };
  }
}

/** One RFC 2217 session over a socket, wired the way the bridge service will wire it. */
function serve(socket: Socket, port: LoopbackPort, problems: string[]): void {
  const com = new ComPortServer({
    control: port,
    signature: 'airboot interop test',
    onError: (e) => problems.push(e.message),
  });
  let sendBinary = false;
  const send = (bytes: Uint8Array) => socket.write(bytes);
  const decoder: TelnetDecoder = new TelnetDecoder({
    // The loopback UART: what the client writes comes straight back.
    onData: (chunk) => send(escapeData(chunk, sendBinary ? 'binary' : 'nvt')),
    onCommand: (command, option) => {
      const reply = negotiation.receive(command, option);
      if (reply) send(reply);
    },
    onSubnegotiation: (option, payload) => {
      if (option !== TelnetOption.COM_PORT_OPTION) return;
      const reply = com.receive(payload);
      if (reply) send(reply);
    },
    onError: (error) => problems.push(error.message),
  });
  const negotiation = new OptionNegotiator({
    policy: RFC2217_SERVER_POLICY,
    onChange(option, side, enabled) {
      if (option === TelnetOption.BINARY && side === 'remote') decoder.binary = enabled;
      if (option === TelnetOption.BINARY && side === 'local') sendBinary = enabled;
      if (option === TelnetOption.COM_PORT_OPTION && side === 'remote' && enabled) {
        // Tell the client the modem lines once, as RFC 2217 clients expect a first NOTIFY-MODEMSTATE.
        const note = com.notifyModemState(port.getModemLines(), true);
        if (note) send(note);
      }
    },
    onError: (error) => problems.push(error.message),
  });
  socket.on('data', (buffer) =>
    decoder.push(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length)),
  );
  socket.on('error', () => {});
  send(negotiation.requestAll(RFC2217_SERVER_REQUESTS));
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const hasPyserial = spawnSync(PYTHON, ['-c', 'import serial.rfc2217'], { stdio: 'ignore' }).status === 0;

test('pyserial rfc2217:// client: negotiation, settings, lines, purge and 0xFF-heavy data all accepted', {
  skip: hasPyserial ? false : 'python3-serial is not installed',
  timeout: 30_000,
}, async () => {
  const port = new LoopbackPort();
  const problems: string[] = [];
  const server = createServer((socket) => serve(socket, port, problems));
  try {
    const { code, stdout, stderr } = await run(['-c', CLIENT, String(await listen(server))]);
    assert.equal(code, 0, `pyserial failed:\n${stderr}`);
    assert.deepEqual(JSON.parse(stdout), {
      echoed: true,
      length: 256 + 300 + 7,
      cts: true,
      dsr: true,
      cd: false,
    });
  } finally {
    server.close();
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(port.calls, [
    // open(): speed and format (one request per field), then DTR/RTS on, then both buffers purged.
    'configure 9600 8N1',
    'configure 9600 8N1',
    'configure 9600 8E1',
    'configure 9600 8E1',
    'dtr true',
    'rts true',
    'purge rx=true tx=false',
    'purge rx=false tx=true',
    // s.baudrate = 115200 sends all four fields again.
    'configure 115200 8E1',
    'configure 115200 8E1',
    'configure 115200 8E1',
    'configure 115200 8E1',
    'dtr false',
    'rts false',
    'break true',
    'break false',
    'purge rx=true tx=false',
  ]);
});
