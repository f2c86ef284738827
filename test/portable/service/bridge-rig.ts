import { UART_8N1 } from '../../../src/io/contracts.js';
import type { LoopbackNetwork, LoopbackSocket } from '../../../src/io/loopback-net.js';
import { SerialLink } from '../../../src/io/serial-link.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { decodeUtf8, encodeUtf8 } from '../../../src/net/encoding/utf8.js';
import { TargetControl } from '../../../src/service/target.js';
import { UartHub, type UartHubOptions } from '../../../src/service/uart-hub.js';
import { demoFirmware } from '../../../src/sim/demo-firmware.js';
import { hostOutput, SimulatedStm32 } from '../../../src/sim/stm32-sim.js';
import { FLASH_BASE } from '../../../src/stm32/chips.js';

/** A blue pill on a simulated wire, its UART shared by a hub, its BOOT0/NRST driven by a TargetControl. */
export function simRig(hubOptions: Partial<UartHubOptions> = {}) {
  const clock = new VirtualClock();
  const link = new SerialLink(clock, { timing: true });
  const chip = new SimulatedStm32({
    model: 'F103C8',
    timer: clock,
    serial: link.b,
    timing: true,
    start: 'pins',
    autobaud: () => link.settings('a')?.baud,
  });
  // An application in flash (an erased vector table would leave the core silent).
  const firmware = demoFirmware('bridge test');
  chip.flash.load(FLASH_BASE, firmware.read(FLASH_BASE, firmware.size));
  chip.powerOn();
  const hub = new UartHub({ provider: link.a, settings: UART_8N1, timer: clock, ...hubOptions });
  hub.open();
  const boot0 = hostOutput(chip.boot0);
  const nrst = hostOutput(chip.nrst);
  const target = new TargetControl({ boot0, nrst, timer: clock });
  return { clock, link, chip, hub, target, boot0, nrst };
}

/** A TCP client on a LoopbackNetwork that reads everything (unless paused) and remembers how it ended. */
export class TestClient {
  readonly socket: LoopbackSocket;
  private readonly chunks: Uint8Array[] = [];
  receivedBytes = 0;
  reading = true;
  closed = false;
  errors: string[] = [];

  constructor(network: LoopbackNetwork, port: number) {
    this.socket = network.connect(port, {
      onReadable: () => {
        if (this.reading) this.drain();
      },
      onClose: () => {
        this.closed = true;
      },
      onError: (error) => this.errors.push((error as { code?: string }).code ?? error.message),
    });
  }

  drain(): void {
    for (let bytes = this.socket.read(); bytes; bytes = this.socket.read()) {
      this.chunks.push(bytes);
      this.receivedBytes += bytes.length;
    }
  }

  received(): Uint8Array {
    const out = new Uint8Array(this.receivedBytes);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  /** What was received as text (byte per character where it is not UTF-8, e.g. after a garbled reset). */
  text(): string {
    const bytes = this.received();
    try {
      return decodeUtf8(bytes);
    } catch {
      let text = '';
      for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
      return text;
    }
  }

  /** Lines received so far (CR LF stripped). */
  lines(): string[] {
    return this.text()
      .split('\r\n')
      .filter((line) => line.length > 0);
  }

  send(text: string | Uint8Array): void {
    this.socket.write(typeof text === 'string' ? encodeUtf8(text) : text);
  }
}
