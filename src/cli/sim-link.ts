import type { Bytes, Serial, SerialProvider, UartSettings } from '../io/contracts.js';
import type { SerialLink } from '../io/serial-link.js';

/**
 * The two ends of a SerialLink for a simulator served over a pty or TCP. Neither carries line settings, and the real
 * host's UART settings are unknown (a pty even drops parity), so the simulated host UART copies the chip's settings
 * every time the chip changes them: the wire-time model then uses the chip's speed and format, and no byte is
 * garbled by a mismatch that only exists inside the simulation. Settings the host side asks for are ignored.
 */
export function followingLink(link: SerialLink): { chip: SerialProvider; host: SerialProvider } {
  let host: Serial | undefined;
  const chipSettings = (): UartSettings | undefined => link.settings('b');
  return {
    chip: (options) => {
      const serial = link.b(options);
      host?.configure(settingsOf(options));
      return {
        read: (max?: number) => serial.read(max),
        write: (bytes: Bytes) => serial.write(bytes),
        configure(settings: UartSettings) {
          serial.configure(settings);
          host?.configure(settings);
        },
        close: () => serial.close(),
      };
    },
    host: (options) => {
      const serial = link.a({ ...options, ...chipSettings() });
      host = serial;
      return {
        read: (max?: number) => serial.read(max),
        write: (bytes: Bytes) => serial.write(bytes),
        configure() {},
        close() {
          if (host === serial) host = undefined;
          serial.close();
        },
      };
    },
  };
}

function settingsOf(settings: UartSettings): UartSettings {
  return {
    baud: settings.baud,
    dataBits: settings.dataBits,
    parity: settings.parity,
    stopBits: settings.stopBits,
  };
}
