/**
 * The proof that airboot's RFC 2217 port works with a real client: pyserial's `rfc2217://` (Debian python3-serial)
 * against Rfc2217Service on a real socket, with the simulated STM32F103C8 behind it (wire timing on). The client
 * sets 8E1, drives DTR/RTS the stm32loader way so the chip starts its ROM bootloader, syncs, reads the chip ID,
 * reads erased flash (256 × 0xFF) and writes and reads back data full of 0xFF — every 0xFF travels as IAC IAC.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { UART_8N1 } from '../../src/io/contracts.js';
import { SerialLink } from '../../src/io/serial-link.js';
import { createListenerGroup } from '../../src/platform/node/tcp.js';
import { nodeTimer } from '../../src/platform/node/timer.js';
import { Rfc2217Service } from '../../src/service/rfc2217-service.js';
import { UartHub } from '../../src/service/uart-hub.js';
import { demoFirmware } from '../../src/sim/demo-firmware.js';
import { hostOutput, SimulatedStm32 } from '../../src/sim/stm32-sim.js';
import { FLASH_BASE } from '../../src/stm32/chips.js';

const PYTHON = '/usr/bin/python3';
const ERASED = FLASH_BASE + 0xf000;
const WRITTEN = FLASH_BASE + 0xf400;

/** 256 bytes, every third one 0xFF, the others counting: a lost or doubled 0xFF shifts everything after it. */
const PAYLOAD = Uint8Array.from({ length: 256 }, (_, i) => (i % 3 === 0 ? 0xff : i));

const CLIENT = `
import json, sys, time, serial
port, erased, written, payload = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), bytes.fromhex(sys.argv[4])
s = serial.serial_for_url('rfc2217://127.0.0.1:%s' % port, baudrate=115200, parity=serial.PARITY_EVEN, timeout=1)
# stm32loader's wiring: RTS asserted = BOOT0 high, DTR asserted = NRST low (reset held).
s.rts = True
s.dtr = True
time.sleep(0.1)
s.dtr = False
time.sleep(0.2)
s.reset_input_buffer()

def xor(data):
    out = 0
    for b in data:
        out ^= b
    return out

def ask(data, n):
    s.write(bytes(data))
    return s.read(n)

def address(a):
    b = a.to_bytes(4, 'big')
    return b + bytes([xor(b)])

def read_memory(a, n):
    acks = ask([0x11, 0xEE], 1) + ask(address(a), 1)
    got = ask([n - 1, (n - 1) ^ 0xFF], 1 + n)
    return acks + got

result = {'settings': [s.baudrate, s.bytesize, s.parity, s.stopbits]}
result['sync'] = ask([0x7F], 1).hex()
result['get_id'] = ask([0x02, 0xFD], 5).hex()
result['read_erased'] = read_memory(erased, 256).hex()
frame = bytes([len(payload) - 1]) + payload
result['write'] = (ask([0x31, 0xCE], 1) + ask(address(written), 1) + ask(frame + bytes([xor(frame)]), 1)).hex()
result['read_back'] = read_memory(written, len(payload)).hex()
s.close()
print(json.dumps(result))
`;

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

const hasPyserial =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import serial.rfc2217'], { stdio: 'ignore' }).status === 0;
// In CI a missing client is a failure, not a skip: this test is the proof.
const skip =
  hasPyserial || process.env.CI === 'true' ? false : `${PYTHON} with python3-serial is not installed`;

test('pyserial rfc2217:// against Rfc2217Service: 8E1, DTR/RTS into the bootloader, sync, Get ID, 0xFF data intact', {
  skip,
  timeout: 60_000,
}, async () => {
  assert.ok(hasPyserial, `${PYTHON} with the serial module (Debian python3-serial) is required in CI`);
  const link = new SerialLink(nodeTimer, { timing: true });
  const chip = new SimulatedStm32({
    model: 'F103C8',
    timer: nodeTimer,
    serial: link.b,
    timing: true,
    start: 'pins',
    autobaud: () => link.settings('a')?.baud,
  });
  const firmware = demoFirmware('rfc2217 proof');
  chip.flash.load(FLASH_BASE, firmware.read(FLASH_BASE, firmware.size));
  chip.powerOn();
  const hub = new UartHub({ provider: link.a, settings: UART_8N1, timer: nodeTimer });
  hub.open();
  const boot0 = hostOutput(chip.boot0);
  const nrst = hostOutput(chip.nrst);
  const net = createListenerGroup();
  const problems: string[] = [];
  const service = new Rfc2217Service({
    listen: net.listen,
    host: '127.0.0.1',
    port: 0,
    hub,
    timer: nodeTimer,
    boot0,
    nrst,
    log: (level, message) => {
      if (level === 'warn' || level === 'error') problems.push(message);
    },
  });
  try {
    await net.bound();
    const args = [
      String(service.port),
      String(ERASED),
      String(WRITTEN),
      Buffer.from(PAYLOAD).toString('hex'),
    ];
    const { code, stdout, stderr } = await run(['-c', CLIENT, ...args]);
    assert.equal(code, 0, `pyserial failed:\n${stderr}`);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(result.settings, [115200, 8, 'E', 1]);
    assert.equal(result.sync, '79', '0x7F answered by ACK: the chip is in its bootloader and reads 8E1');
    assert.equal(result.get_id, '7901041079', 'Get ID: PID 0x410 (F103 medium density)');
    assert.equal(result.read_erased, `797979${'ff'.repeat(256)}`, 'Read Memory of erased flash: 256 × 0xFF');
    assert.equal(result.write, '797979', 'Write Memory acknowledged');
    assert.deepEqual(
      chip.flash.read(WRITTEN, PAYLOAD.length),
      PAYLOAD,
      'the chip holds exactly what was sent',
    );
    assert.equal(result.read_back, `797979${Buffer.from(PAYLOAD).toString('hex')}`, 'read back intact');
    // The UART really ran 8E1 towards the bootloader (the simulated wire counts format mismatches).
    assert.equal(link.stats.aToB.formatMismatches, 0);
    assert.equal(link.stats.bToA.formatMismatches, 0);
    assert.deepEqual(hub.settings, { baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 });
    // The client has gone: the target is not left held in reset.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(hub.clients.length, 0);
    assert.equal(nrst.read(), 1);
    assert.deepEqual(problems, []);
  } finally {
    service.close();
    hub.close();
    chip.close();
  }
});
