/**
 * The query parameters of POST /api/flash (contract: docs "HTTP API"), parsed strictly: an unknown name or a value
 * that does not parse is refused with the parameter's name, rather than guessed — a typo such as `adress=` must not
 * flash a binary to the default address.
 */
import { AirbootError } from '../io/errors.js';
import type { JobOptions } from './flash-service.js';

/** A query parameter is unknown or its value is malformed (HTTP 400). */
export class QueryOptionError extends AirbootError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super('INVALID_OPTION', `query parameter "${option}": ${message}`);
  }
}

export interface FlashRequestOptions {
  /** File name: the source shown in the job, and a tiebreak for format detection. */
  name: string | undefined;
  /** Load address of a raw binary (other formats carry their own), undefined for the default. */
  address: number | undefined;
  /** Answer when the job has ended (true, default) or as soon as it started (false: 202). */
  wait: boolean;
  job: JobOptions;
}

const KNOWN = ['name', 'address', 'verify', 'go', 'skipUnchanged', 'ramCrc', 'erase', 'wait'];

/** Longest `name` kept, characters. */
const MAX_NAME = 128;

/** Parse the query of POST /api/flash. Throws QueryOptionError. */
export function parseFlashQuery(query: ReadonlyMap<string, string>): FlashRequestOptions {
  for (const name of query.keys()) {
    if (KNOWN.indexOf(name) < 0) {
      throw new QueryOptionError(name, `unknown; the options are ${KNOWN.join(', ')}`);
    }
  }
  const name = query.get('name');
  if (name !== undefined && (name.length === 0 || name.length > MAX_NAME)) {
    throw new QueryOptionError('name', `must be 1 to ${MAX_NAME} characters`);
  }
  const addressText = query.get('address');
  const address = addressText === undefined ? undefined : parseAddress(addressText);
  const erase = query.get('erase');
  if (erase !== undefined && erase !== 'all' && erase !== 'pages') {
    throw new QueryOptionError(
      'erase',
      `"${erase}" is not "all" (mass erase) or "pages" (only what the image covers)`,
    );
  }
  const job: JobOptions = {
    verify: flag(query, 'verify', true),
    go: flag(query, 'go', false),
    skipUnchanged: flag(query, 'skipUnchanged', false),
    ramCrc: flag(query, 'ramCrc', true),
    eraseAll: erase === 'all',
  };
  return { name, address, wait: flag(query, 'wait', true), job };
}

/** `0x08000000` or `134217728`: a 32-bit address. */
function parseAddress(text: string): number {
  const value = /^0x[0-9a-f]{1,8}$/i.test(text)
    ? Number.parseInt(text.slice(2), 16)
    : /^\d{1,10}$/.test(text)
      ? Number(text)
      : Number.NaN;
  if (!(value >= 0 && value <= 0xffff_ffff)) {
    throw new QueryOptionError('address', `"${text}" is not a 32-bit address such as 0x08000000`);
  }
  return value;
}

/** `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`; a bare `?verify` means true. */
function flag(query: ReadonlyMap<string, string>, name: string, fallback: boolean): boolean {
  const text = query.get(name);
  if (text === undefined) return fallback;
  if (text === '' || /^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new QueryOptionError(name, `"${text}" is not 1 or 0`);
}
