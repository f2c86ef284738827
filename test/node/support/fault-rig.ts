/**
 * The fault matrix's setup: the whole airboot service (src/app/node.ts: UART hub, flash jobs, raw bridge, control
 * port, HTTP API on real sockets, 127.0.0.1) with a simulated STM32F103C8 in-process behind it, wired or not,
 * powered or not, protected or not, so a test can break one thing, watch what the user is told, and then prove the
 * chip recovers by flashing it again and comparing its flash byte for byte with the image.
 */
import * as http from 'node:http';
import { startNodeBridge } from '../../../src/app/node.js';
import type { Digital } from '../../../src/io/contracts.js';
import { SerialLink } from '../../../src/io/serial-link.js';
import { nodeTimer } from '../../../src/platform/node/timer.js';
import type { FlashJobRecord } from '../../../src/service/flash-service.js';
import { MemoryStorage, SettingsStore } from '../../../src/service/settings.js';
import { demoFirmware } from '../../../src/sim/demo-firmware.js';
import { setRdp } from '../../../src/sim/option-bytes.js';
import { hostOutput, SimulatedStm32 } from '../../../src/sim/stm32-sim.js';
import { FLASH_BASE } from '../../../src/stm32/chips.js';
import { freePorts } from './service.js';

export interface FaultRigOptions {
  /**
   * BOOT0 / NRST wires connected (default true each). The service always believes they are wired (the settings say
   * so); a disconnected wire just never carries the level to the chip, as with a loose jumper. `wires.connect()`
   * fixes it later.
   */
  boot0?: boolean;
  nrst?: boolean;
  /** Power the chip at start (default true). Unpowered, it hears and says nothing. */
  powered?: boolean;
  /**
   * The chip measures the host's baud from 0x7F (AN3155 §2; default true). False: it listens only at 115200, as
   * when the host's speed is outside what the ROM's autobaud can measure.
   */
  autobaud?: boolean;
  /** Start with readout protection (RDP level 1). */
  protected?: boolean;
  /** Settings to apply before the service starts (e.g. `{"bootloader.baud": 57600}`). */
  settings?: Record<string, unknown>;
}

/** A demo application image of `size` bytes, different per label: what the matrix flashes. */
export function firmware(label: string, size = 4096): Uint8Array {
  const image = demoFirmware(label, size);
  return image.read(FLASH_BASE, image.size);
}

export type FaultRig = Awaited<ReturnType<typeof startFaultRig>>;

export async function startFaultRig(options: FaultRigOptions = {}) {
  const link = new SerialLink(nodeTimer, { timing: true });
  const chip = new SimulatedStm32({
    model: 'F103C8',
    timer: nodeTimer,
    serial: link.b,
    timing: true,
    start: 'pins',
    autobaud: options.autobaud === false ? undefined : () => link.settings('a')?.baud,
  });
  chip.flash.load(FLASH_BASE, firmware('factory firmware'));
  if (options.protected) setRdp(chip.flash.layout, chip.flash.options, chip.flash.layout.level1);
  const settings = new SettingsStore(new MemoryStorage());
  if (options.settings) {
    const errors = settings.update(options.settings);
    if (errors) throw new Error(`fault rig settings refused: ${JSON.stringify(errors)}`);
  }
  const boot0 = new Wire(hostOutput(chip.boot0), options.boot0 !== false);
  const nrst = new Wire(hostOutput(chip.nrst), options.nrst !== false);
  const [http, bridge, control, rfc2217] = await freePorts(4);
  const start = () =>
    startNodeBridge({
      uart: link.a,
      boot0,
      nrst,
      settings,
      host: '127.0.0.1',
      version: 'fault-matrix',
      ports: { http: http!, bridge: bridge!, control: control!, rfc2217: rfc2217! },
      bootloaderStartMs: chip.chip.timing.bootloaderStartMs + 20,
      mdns: false,
    });
  let running = await start();
  if (options.powered !== false) chip.powerOn();
  return {
    chip,
    link,
    settings,
    wires: { boot0, nrst },
    get running() {
      return running;
    },
    get flashes() {
      return running.bridge.flashes;
    },
    ports: running.ports as Required<typeof running.ports>,
    base: `http://127.0.0.1:${running.ports.http}`,
    /** Stop the service and start it again on the same ports and chip (settings such as bootloader.baud apply). */
    async restart() {
      running.close();
      running = await start();
    },
    /** The chip's main flash, the first `length` bytes. */
    flashBytes: (length: number) => chip.flash.read(FLASH_BASE, length),
    /** Run `action` once, the first time a job's progress matches `when` (e.g. write past 2 KiB). */
    onProgress(when: (record: FlashJobRecord) => boolean, action: () => void): void {
      const stop = running.bridge.flashes.subscribe((record) => {
        if (record.state !== 'running' || !when(record)) return;
        stop();
        action();
      });
    },
    close() {
      running.close();
      chip.close();
    },
  };
}

/** The service's answer to an upload: status and the JSON body (a JobRecord or an error). */
export interface UploadAnswer {
  status: number;
  body: {
    state?: string;
    error?: { code: string; message: string } | string;
    message?: string;
    result?: { verified: boolean; bytesWritten: number };
  };
}

/** Longest wait for an upload's answer, ms. */
const UPLOAD_TIMEOUT_MS = 45_000;

/**
 * POST the image to /api/flash (wait=1) at `base` and return the answer. One connection per request (no pooled
 * keep-alive socket), so a restarted or cut service never meets a stale connection.
 */
export function upload(base: string, image: Uint8Array, query = 'name=app.bin'): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${base}/api/flash?${query}`,
      { method: 'POST', agent: false, headers: { 'Content-Length': image.length } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          try {
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as UploadAnswer['body'] });
          } catch (error) {
            reject(new Error(`not JSON (${response.statusCode}): ${text.slice(0, 200)} (${String(error)})`));
          }
        });
      },
    );
    request.on('error', reject);
    // A hang must fail the test, not stall the run: no job here takes half as long.
    request.setTimeout(UPLOAD_TIMEOUT_MS, () =>
      request.destroy(new Error(`no answer to POST /api/flash within ${UPLOAD_TIMEOUT_MS} ms`)),
    );
    request.end(image);
  });
}

/** The message of a failed job or refused request, whichever shape the answer has. */
export function messageOf(answer: UploadAnswer): string {
  const error = answer.body.error;
  if (typeof error === 'object' && error) return `${error.code}: ${error.message}`;
  return `${error ?? ''}: ${answer.body.message ?? ''}`;
}

/** Wait (real time) until `condition` holds; throws after `ms` naming `what`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A BOOT0 or NRST line whose wire may be disconnected: the host drives it, the chip sees it only when connected. */
export class Wire implements Digital {
  private level: 0 | 1 = 0;

  constructor(
    private readonly pin: Digital,
    public connected: boolean,
  ) {
    this.level = pin.read();
  }

  read(): 0 | 1 {
    return this.level;
  }

  write(value: 0 | 1): void {
    this.level = value;
    if (this.connected) this.pin.write(value);
  }

  /** Plug the wire in: the chip now sees the level the host drives. */
  connect(): void {
    this.connected = true;
    this.pin.write(this.level);
  }

  close(): void {}
}
