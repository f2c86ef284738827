/**
 * mDNS on the device (Moddable's `mdns` module): the host name `airboot-XXXX.local` (service/device-name.ts) and
 * the same DNS-SD services as on Node — `_airboot._tcp` and `_http._tcp` on the HTTP port, TXT `version` and, once
 * a flash job has identified it, `chip`.
 */
import MDNS from 'mdns';
import type { Log } from '../../io/contracts.js';
import { silentLog } from '../../io/contracts.js';
import { closeInstance } from './closable.js';

/** One DNS-SD service as Moddable's `mdns` takes it (modules/network/mdns/mdns.js `add`). */
interface MdnsService {
  name: string;
  protocol: 'tcp' | 'udp';
  port: number;
  txt: Record<string, string>;
}

export interface DeviceAdvertisement {
  /** Replace the TXT record (e.g. the chip became known). */
  updateTxt(txt: Record<string, string>): void;
  close(): void;
}

export function advertiseDevice(options: {
  hostName: string;
  port: number;
  txt: Record<string, string>;
  log?: Log;
}): DeviceAdvertisement {
  const log = options.log ?? silentLog;
  const services: MdnsService[] = ['airboot', 'http'].map((name) => ({
    name,
    protocol: 'tcp',
    port: options.port,
    txt: { ...options.txt },
  }));
  let claimed = false;
  const mdns = new MDNS({ hostName: options.hostName }, (message, value) => {
    // Message 1: the host name was claimed (as given, or renamed after a conflict).
    if (message !== 1 || claimed) return;
    claimed = true;
    for (const service of services) mdns.add(service);
    log('info', `mDNS: ${String(value)}.local (_airboot._tcp, _http._tcp) on port ${options.port}`);
  });
  return {
    updateTxt(txt) {
      for (const service of services) {
        service.txt = { ...txt };
        if (claimed) mdns.update(service);
      }
    },
    close: () => closeInstance(mdns),
  };
}
