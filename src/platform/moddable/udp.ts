/** The UdpProvider contract over ECMA-419 `embedded:io/socket/udp` (the captive-portal DNS). */
import UDP from 'embedded:io/socket/udp';
import type { UdpProvider } from '../../io/contracts.js';
import { closeInstance } from './closable.js';
import { DeviceError } from './errors.js';

export const deviceUdp: UdpProvider = (options) => {
  const socket = new UDP({
    port: options.port,
    onReadable: options.onReadable,
    onError: () => options.onError?.(new DeviceError('SOCKET_ERROR', `UDP port ${options.port} failed`)),
  });
  return {
    read() {
      const packet = socket.read();
      if (packet === undefined) return undefined;
      return { bytes: new Uint8Array(packet), address: packet.address, port: packet.port };
    },
    write: (bytes, address, port) => socket.write(bytes, address, port),
    close: () => closeInstance(socket),
  };
};
