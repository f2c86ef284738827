import { InvalidArgumentError } from 'commander';

/** Port of the airboot service on a PC or Raspberry Pi (`airboot bridge`, `airboot demo`). */
export const DEFAULT_SERVICE_PORT = 8080;
/** Port of the HTTP API on the ESP device itself: give it as `--host name.local:80`. */
export const DEVICE_HTTP_PORT = 80;

/** Help text shared by every `--host` option. */
export const HOST_OPTION_HELP =
  'airboot service to use: name.local, name, IPv4, [IPv6], host:port or http://host:port ' +
  `(default port ${DEFAULT_SERVICE_PORT} for a PC/Pi bridge; the ESP device listens on ${DEVICE_HTTP_PORT})`;

/** Where a running airboot service is. */
export interface RemoteHost {
  /** Host name or address as typed, without brackets (e.g. `bridge.local`, `10.0.0.5`, `fe80::1`). */
  readonly hostname: string;
  /** TCP port of the HTTP API. */
  readonly port: number;
  /** `http://host:port` with no trailing slash; IPv6 addresses in brackets. */
  readonly baseUrl: string;
  /** The service's admin password (--password or AIRBOOT_PASSWORD), sent as HTTP Basic credentials. */
  readonly password?: string;
}

/**
 * Parse `--host`: `name.local`, `name`, `10.0.0.5`, `fe80::1`, `[fe80::1]:8080`, `host:port`, or a URL
 * (`http://10.0.0.5:8080`). A path in a URL is ignored: the API lives at the root. Only http is spoken (the service
 * has no TLS; it is meant for a LAN).
 */
export function parseHost(text: string): RemoteHost {
  const input = text.trim();
  if (input === '') throw new InvalidArgumentError('the host is empty (e.g. airboot.local or 10.0.0.5)');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return fromUrl(input);
  // A bare IPv6 address has two or more colons and no brackets: all of it is the address.
  if ((input.match(/:/g) ?? []).length >= 2 && !input.startsWith('[')) {
    return fromParts(input, DEFAULT_SERVICE_PORT, text);
  }
  const bracketed = /^\[([0-9a-f:.%a-z]+)\](?::(\d+))?$/i.exec(input);
  if (bracketed) return fromParts(bracketed[1]!, portOf(bracketed[2], text), text);
  const plain = /^([a-z0-9.-]+)(?::(\d*))?$/i.exec(input);
  if (!plain)
    throw new InvalidArgumentError(`'${text}' is not a host name, address, host:port or http:// URL`);
  return fromParts(plain[1]!, portOf(plain[2], text), text);
}

function fromUrl(text: string): RemoteHost {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`'${text}' is not a valid URL`);
  }
  if (url.protocol !== 'http:') {
    throw new InvalidArgumentError(`'${text}': only http:// is supported (the service does not speak TLS)`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return fromParts(hostname, url.port === '' ? DEFAULT_SERVICE_PORT : Number(url.port), text);
}

function portOf(digits: string | undefined, text: string): number {
  if (digits === undefined) return DEFAULT_SERVICE_PORT;
  const port = Number(digits);
  if (digits === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`'${text}': the port must be 1–65535`);
  }
  return port;
}

function fromParts(hostname: string, port: number, text: string): RemoteHost {
  const isV6 = hostname.includes(':');
  if (isV6 && !/^[0-9a-f:.]+(%[a-z0-9_.-]+)?$/i.test(hostname)) {
    throw new InvalidArgumentError(`'${text}' is not an IPv6 address`);
  }
  if (!isV6 && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(hostname)) {
    throw new InvalidArgumentError(`'${text}' is not a host name or address`);
  }
  // A zone index (fe80::1%eth0) is written %25 inside a URL (RFC 6874).
  const inUrl = isV6 ? `[${hostname.replace('%', '%25')}]` : hostname;
  return { hostname, port, baseUrl: `http://${inUrl}:${port}` };
}
