/**
 * mDNS / DNS-SD on Node (RFC 6762, RFC 6763) through the `bonjour-service` package: the service announces itself as
 * `_airboot._tcp` (what `airboot discover` looks for) and `_http._tcp` (so a phone's or browser's service browser
 * shows its web page), and the CLI browses for `_airboot._tcp`.
 */
import { Bonjour, type Service } from 'bonjour-service';
import type { Log } from '../../io/contracts.js';

/** DNS-SD service type of an airboot bridge, without the leading underscore and protocol: `_airboot._tcp`. */
export const AIRBOOT_SERVICE_TYPE = 'airboot';
/** The generic web service type (RFC 6763 §7 service names registry): `_http._tcp`. */
export const HTTP_SERVICE_TYPE = 'http';

/** TXT record of an airboot bridge (RFC 6763 §6): short keys, values of a few bytes. */
export interface AirbootTxt {
  /** airboot version of the service, e.g. "0.1.0". */
  version: string;
  /** Part name of the target once known, e.g. "STM32F103C8". */
  chip?: string | undefined;
}

export interface AdvertiseOptions {
  /** Instance name shown by browsers, e.g. the setting device.name ("airboot"). */
  name: string;
  /** TCP port of the HTTP API. */
  port: number;
  txt: AirbootTxt;
  /** Host name in the SRV record and for the A/AAAA records; default `<name>.local`. */
  host?: string;
  /** Where conflicts and socket errors are reported; default: ignored. */
  log?: Log;
}

/** A running advertisement. */
export interface Advertisement {
  /** Replace the TXT record (e.g. the chip became known): the services are withdrawn and announced again. */
  updateTxt(txt: AirbootTxt): Promise<void>;
  /** Withdraw the services (goodbye packets, RFC 6762 §10.1) and close the socket. Idempotent. */
  stop(): Promise<void>;
}

/** Announce a bridge on every interface's multicast group 224.0.0.251:5353. */
export function advertise(options: AdvertiseOptions): Advertisement {
  const log = options.log ?? (() => undefined);
  const bonjour = new Bonjour({}, (error: unknown) => {
    log('warn', `mDNS: ${error instanceof Error ? error.message : String(error)}`);
  });
  const host = options.host ?? `${options.name}.local`;
  let services: Service[] = [];
  let stopped = false;

  // No probing (RFC 6762 §8.1): bonjour-service reports a lost probe with console.log on stdout, which would corrupt
  // a service's --json output, and then withdraws silently. Two bridges with the same device.name therefore both
  // announce; browse() tells them apart by host and port.
  const publish = (txt: AirbootTxt) => {
    const record = txtRecord(txt);
    services = [AIRBOOT_SERVICE_TYPE, HTTP_SERVICE_TYPE].map((type) =>
      bonjour.publish({ name: options.name, type, port: options.port, host, txt: record, probe: false }),
    );
    log('info', `mDNS: announcing ${options.name} (_airboot._tcp, _http._tcp) on port ${options.port}`);
  };
  const withdraw = () =>
    Promise.all(
      services.map((service) => new Promise<void>((resolve) => service.stop?.(() => resolve()) ?? resolve())),
    ).then(() => undefined);

  publish(options.txt);
  return {
    async updateTxt(txt) {
      if (stopped) return;
      await withdraw();
      publish(txt);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await withdraw();
      await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
    },
  };
}

/** A bridge found by `browse`. */
export interface FoundBridge {
  /** Instance name, e.g. "airboot" or "bench-1". */
  name: string;
  /** Host name from the SRV record, e.g. "bench-1.local". */
  host: string;
  /** IPv4 and IPv6 addresses from the A/AAAA records (and the sender's address when those are missing). */
  addresses: string[];
  port: number;
  version: string | undefined;
  chip: string | undefined;
}

/** Look for `_airboot._tcp` services for `timeoutMs` milliseconds; every instance once, sorted by name. */
export async function browse(timeoutMs: number): Promise<FoundBridge[]> {
  const bonjour = new Bonjour({}, () => undefined);
  const found = new Map<string, FoundBridge>();
  const remember = (service: Service) => {
    const txt = (service.txt ?? {}) as Record<string, unknown>;
    const addresses = [...(service.addresses ?? [])];
    if (addresses.length === 0 && service.referer?.address) addresses.push(service.referer.address);
    found.set(`${service.fqdn ?? service.name}@${service.host}:${service.port}`, {
      name: service.name,
      host: service.host,
      addresses,
      port: service.port,
      version: typeof txt['version'] === 'string' ? txt['version'] : undefined,
      chip: typeof txt['chip'] === 'string' && txt['chip'] !== '' ? txt['chip'] : undefined,
    });
  };
  const browser = bonjour.find({ type: AIRBOOT_SERVICE_TYPE, protocol: 'tcp' }, remember);
  browser.on('txt-update', (service) => remember(service));
  browser.on('srv-update', (service) => remember(service));
  await new Promise((resolve) => setTimeout(resolve, timeoutMs));
  browser.stop();
  await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || a.port - b.port);
}

/** TXT key/values; a key without a value is left out rather than sent empty. */
function txtRecord(txt: AirbootTxt): Record<string, string> {
  const record: Record<string, string> = { version: txt.version };
  if (txt.chip) record['chip'] = txt.chip;
  return record;
}
