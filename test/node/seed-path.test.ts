/**
 * The seed's upload path, unpatched: the control port puts the chip into its bootloader, socat turns the raw bridge
 * into a pty, Debian's stm32flash 0.7 (`-m 8n1`, because a pty has no parity) writes and verifies an image through it,
 * and after `run` the demo application's banner shows the new image's CRC.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { MemoryImage } from '../../src/image/memory-image.js';
import { FLASH_BASE } from '../../src/stm32/chips.js';
import { randomBytes } from './support/cli.js';
import { freePorts, startService, TextClient } from './support/service.js';
import { skipUnless } from './support/tools.js';

test('seed path: control port boot, socat pty on the raw bridge, stm32flash -w -v, run shows the new CRC', {
  skip: skipUnless('stm32flash', 'socat'),
  timeout: 120_000,
}, async () => {
  const [bridgePort, controlPort] = await freePorts(2);
  const service = await startService('demo', [
    '--bridge-port',
    String(bridgePort),
    '--control-port',
    String(controlPort),
    '--http-port',
    '0',
    '--rfc2217-port',
    '0',
  ]);
  const dir = mkdtempSync(path.join(tmpdir(), 'airboot-seed-'));
  const control = await TextClient.connect(service.ports.control!);
  const watcher = await TextClient.connect(service.ports.bridge!);
  try {
    control.send('boot\r\n');
    await control.waitFor(/OK bootloader, UART 115200 8E1\r\n/);

    const image = randomBytes(8 * 1024, 41);
    const file = path.join(dir, 'image.bin');
    writeFileSync(file, image);
    const pty = path.join(dir, 'virtualcom0');
    const socat = spawn('socat', [`pty,link=${pty},raw,echo=0`, `tcp:127.0.0.1:${service.ports.bridge}`], {
      stdio: 'ignore',
    });
    try {
      for (let i = 0; i < 100 && !existsSync(pty); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(existsSync(pty), 'socat made the pty');
      const flash = spawnSync('stm32flash', ['-m', '8n1', '-b', '115200', '-w', file, '-v', pty], {
        encoding: 'utf8',
        timeout: 90_000,
      });
      assert.equal(flash.status, 0, `stm32flash failed:\n${flash.stdout}\n${flash.stderr}`);
      assert.match(flash.stdout, /Device ID\s*: 0x0410/);
      assert.match(flash.stdout, /Wrote and verified/);
    } finally {
      socat.kill();
    }

    watcher.text = '';
    control.send('run\r\n');
    await control.waitFor(/OK application running, UART 115200 8N1\r\n/);
    const banner = await watcher.waitFor(/flash CRC 0x([0-9A-F]{8})/);
    // The demo firmware filled the first 4 KiB; stm32flash erased only the 8 pages the image covers.
    const expected = MemoryImage.fromSegments([{ address: FLASH_BASE, data: image }]).crc32(
      FLASH_BASE,
      64 * 1024,
    );
    assert.equal(banner[1], expected.toString(16).toUpperCase().padStart(8, '0'));
  } finally {
    control.close();
    watcher.close();
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
