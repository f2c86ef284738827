import { Command, Option } from 'commander';
import type { UartSettings } from '../../io/contracts.js';
import { sleep, UART_8N1 } from '../../io/contracts.js';
import { SerialLink } from '../../io/serial-link.js';
import { SerialPortError } from '../../platform/node/errors.js';
import { createStderrLog } from '../../platform/node/log.js';
import { openPty } from '../../platform/node/pty.js';
import { SerialStreamBridge } from '../../platform/node/stream-bridge.js';
import { serveSerialOverTcp } from '../../platform/node/tcp-serial.js';
import { nodeTimer } from '../../platform/node/timer.js';
import { setRdp } from '../../sim/option-bytes.js';
import { SimulatedStm32 } from '../../sim/stm32-sim.js';
import { MODELS } from '../../stm32/chips.js';
import { UsageError } from '../failure.js';
import { hex32, parseBaud, parsePort } from '../options.js';
import { waitForSignal } from '../signals.js';
import { followingLink } from '../sim-link.js';

interface SimOptions {
  chip: string;
  tcp?: number;
  pty?: string;
  host: string;
  boot: 'bootloader' | 'app';
  timing?: boolean;
  baud: number;
  protected?: boolean;
  json?: boolean;
  verbose?: boolean;
}

/** `airboot sim`: a simulated STM32 served on a TCP port or a pty, until Ctrl-C. */
export function simCommand(): Command {
  return new Command('sim')
    .description('run a simulated STM32 (ROM bootloader + demo application) on a TCP port or a pty')
    .option('--chip <model>', `part to simulate (${MODELS.map((m) => m.name).join(', ')})`, 'F103C8')
    .option('--tcp <port>', 'serve the UART as raw TCP on this port (0 = any free port)', parsePort)
    .option(
      '--pty <path>',
      'create a pty linked at this path (needs socat); clients must use 8N1, e.g. stm32flash -m 8n1',
    )
    .option('--host <address>', 'interface for --tcp', '127.0.0.1')
    .addOption(
      new Option('--boot <mode>', 'what the chip starts: its bootloader, or the application in its flash')
        .choices(['bootloader', 'app'])
        .default('bootloader'),
    )
    .option('--timing', 'model wire, start-up, programming and erase times (default)')
    .option('--no-timing', 'answer as fast as possible')
    .option(
      '--baud <rate>',
      'UART speed of the simulated wire (bootloader and application)',
      parseBaud,
      115200,
    )
    .option(
      '--protected',
      'start with readout protection on (RDP level 1): reads refused until Readout Unprotect, which erases the flash',
    )
    .option('--json', 'print events (listening, stopped + statistics) as JSON lines on stdout')
    .option('-v, --verbose', 'log what the simulator does on stderr')
    .action((options: SimOptions) => runSim(options));
}

async function runSim(options: SimOptions): Promise<void> {
  if ((options.tcp === undefined) === (options.pty === undefined)) {
    throw new UsageError('give exactly one of --tcp PORT or --pty PATH', 'e.g. airboot sim --tcp 4000');
  }
  const log = createStderrLog({ level: options.verbose ? 'debug' : 'info', prefix: 'airboot sim' });
  const timing = options.timing !== false;
  const timer = nodeTimer;
  const link = new SerialLink(timer, { timing });
  const ends = followingLink(link);
  const appSettings: UartSettings = { ...UART_8N1, baud: options.baud };
  // No modem lines over TCP or a pty: the chip starts as if BOOT0 were strapped (--boot).
  const chip = new SimulatedStm32({
    model: options.chip,
    timer,
    serial: ends.chip,
    timing,
    start: options.boot,
    autobaud: () => link.settings('a')?.baud,
    bootloaderBaud: options.baud,
    appSettings,
    log,
  });
  if (options.protected) {
    // RDP level 1 stored in the option bytes, loaded by the power-on reset (RM0008 §2.5 and peers).
    setRdp(chip.flash.layout, chip.flash.options, chip.flash.layout.level1);
  }
  chip.powerOn();
  if (timing && options.boot === 'bootloader') {
    // Bytes sent during the ROM's start-up are lost, as on a real chip (AN2606); a client that connects the moment
    // we announce ourselves must find the bootloader listening.
    await sleep(timer, chip.chip.timing.bootloaderStartMs + 1);
  }
  const describe = `STM32${chip.model.name} (PID 0x${chip.chip.pid.toString(16)}, ${chip.model.flashBytes / 1024} KiB)`;
  const emit = (event: Record<string, unknown>, human: string) => {
    process.stdout.write(options.json ? `${JSON.stringify(event)}\n` : `${human}\n`);
  };

  const stops: Array<() => Promise<void>> = [];
  const stopReasons: Array<Promise<string>> = [waitForSignal()];
  let stopping = false;
  let started = false;
  try {
    if (options.tcp !== undefined) {
      const server = await serveSerialOverTcp({
        provider: ends.host,
        settings: appSettings,
        port: options.tcp,
        host: options.host,
        log,
      });
      stops.push(() => server.close());
      const url = `tcp://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
      emit(
        {
          event: 'listening',
          url,
          port: server.port,
          chip: chip.model.name,
          pid: chip.chip.pid,
          mode: chip.mode,
          timing,
          readoutProtected: chip.readoutProtected,
        },
        `airboot sim: ${describe} in ${chip.mode} mode, listening on ${url}${timing ? '' : ' (no timing)'}; Ctrl-C stops`,
      );
    } else {
      const pty = await openPty(options.pty!, { log });
      const bridge = new SerialStreamBridge(ends.host, appSettings, log);
      bridge.attach(pty.input, pty.output);
      stops.push(async () => {
        bridge.close();
        await pty.close();
      });
      stopReasons.push(
        pty.exited.then((code) => {
          if (stopping) return 'closed';
          throw new SerialPortError(
            'PTY',
            pty.path,
            `socat exited unexpectedly (code ${code}); the pty is gone`,
          );
        }),
      );
      emit(
        {
          event: 'listening',
          pty: pty.path,
          device: pty.device,
          chip: chip.model.name,
          pid: chip.chip.pid,
          mode: chip.mode,
          timing,
        },
        `airboot sim: ${describe} in ${chip.mode} mode on ${pty.path} (${pty.device}), 8N1 on the pty` +
          `${timing ? '' : ', no timing'}; Ctrl-C stops`,
      );
    }
    started = true;
    const reason = await Promise.race(stopReasons);
    log('debug', `${reason}: stopping`);
  } finally {
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch(() => {});
    chip.close();
    if (started) {
      const stats = { ...chip.stats, flashCrc: hex32(chip.appCrc()) };
      emit(
        { event: 'stopped', stats },
        `airboot sim: stopped; ${stats.commands['Write Memory'] ?? 0} Write Memory, ` +
          `${stats.unitsErased} units erased, ${stats.massErases} mass erases, flash CRC ${stats.flashCrc}`,
      );
    }
  }
}
