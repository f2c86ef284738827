/**
 * The captive-portal DNS answer: every A query gets the access point's own address, so a phone that joins the
 * access point and probes "is there internet?" lands on the settings page. Message format from RFC 1035 §4.1.
 *
 * Only what a captive portal needs, and nothing that can be made to loop or grow: a query (QR = 0) with one
 * question is answered; responses and messages that do not parse are dropped; the answer is at most 12 + 260 + 16
 * bytes, inside the 512 bytes RFC 1035 §2.3.4 allows over UDP.
 */

/** RFC 1035 §2.3.4: UDP messages are at most 512 bytes; a longer query is not one a resolver sends here. */
export const MAX_DNS_MESSAGE_BYTES = 512;
/** RFC 1035 §2.3.4: a name is at most 255 bytes on the wire, a label at most 63. */
const MAX_NAME_BYTES = 255;
const MAX_LABEL_BYTES = 63;
const HEADER_BYTES = 12;

/** RFC 1035 §3.2.2–§3.2.4 and RFC 3596 (AAAA). */
const TYPE_A = 1;
const TYPE_ANY = 255;
const CLASS_IN = 1;
const CLASS_ANY = 255;

/** RFC 1035 §4.1.1 RCODE values. */
export const RCODE = Object.freeze({ NO_ERROR: 0, FORMAT_ERROR: 1, NOT_IMPLEMENTED: 4 });

export interface CaptiveAnswerOptions {
  /** The address every A query is answered with, e.g. [192, 168, 4, 1]. */
  address: readonly [number, number, number, number];
  /** Seconds a resolver may cache the answer (RFC 1035 §3.2.1 TTL). Short: the portal is temporary. */
  ttlSeconds?: number;
}

/** A parsed question (RFC 1035 §4.1.2). */
export interface DnsQuestion {
  /** Dotted name, labels as sent (e.g. "connectivitycheck.gstatic.com"). */
  name: string;
  type: number;
  class: number;
  /** Byte just past QCLASS. */
  end: number;
}

/**
 * The question of a query, or undefined when `message` is not a well-formed query with one question: too short, a
 * response (QR = 1), a name that runs past the end, uses compression (a query has nothing to point back to), or
 * breaks the 63/255 limits.
 */
export function parseQuestion(message: Uint8Array): DnsQuestion | undefined {
  if (message.length < HEADER_BYTES || message.length > MAX_DNS_MESSAGE_BYTES) return undefined;
  if ((message[2]! & 0x80) !== 0) return undefined;
  if (readU16(message, 4) !== 1) return undefined;
  let at = HEADER_BYTES;
  let name = '';
  let nameBytes = 0;
  while (true) {
    if (at >= message.length) return undefined;
    const length = message[at]!;
    at++;
    nameBytes++;
    if (length === 0) break;
    // The top two bits set mark a compression pointer (RFC 1035 §4.1.4); 01 and 10 are reserved.
    if (length > MAX_LABEL_BYTES) return undefined;
    if (at + length > message.length) return undefined;
    nameBytes += length;
    if (nameBytes > MAX_NAME_BYTES) return undefined;
    let label = '';
    for (let i = 0; i < length; i++) label += String.fromCharCode(message[at + i]!);
    name += name === '' ? label : `.${label}`;
    at += length;
  }
  if (at + 4 > message.length) return undefined;
  return { name, type: readU16(message, at), class: readU16(message, at + 2), end: at + 4 };
}

/**
 * The response to `query`, or undefined when it must be dropped (a response, a message that is not a query we can
 * read). A standard query for A (or ANY) in class IN gets one A record with `address`; any other type (AAAA, MX, …)
 * gets an empty answer with NOERROR, so the client falls back to IPv4 instead of waiting; a non-standard opcode
 * gets NOTIMP.
 */
export function captiveAnswer(query: Uint8Array, options: CaptiveAnswerOptions): Uint8Array | undefined {
  if (query.length < HEADER_BYTES || query.length > MAX_DNS_MESSAGE_BYTES) return undefined;
  if ((query[2]! & 0x80) !== 0) return undefined;
  const opcode = (query[2]! >> 3) & 0x0f;
  if (opcode !== 0) return header(query, RCODE.NOT_IMPLEMENTED, 0, 0);
  const question = parseQuestion(query);
  if (!question) return header(query, RCODE.FORMAT_ERROR, 0, 0);
  const wantsA =
    (question.type === TYPE_A || question.type === TYPE_ANY) &&
    (question.class === CLASS_IN || question.class === CLASS_ANY);
  const questionBytes = question.end - HEADER_BYTES;
  const answerBytes = wantsA ? 16 : 0;
  const out = new Uint8Array(HEADER_BYTES + questionBytes + answerBytes);
  out.set(header(query, RCODE.NO_ERROR, 1, wantsA ? 1 : 0));
  out.set(query.subarray(HEADER_BYTES, question.end), HEADER_BYTES);
  if (wantsA) {
    let at = question.end;
    // NAME as a pointer to the question's name at offset 12 (RFC 1035 §4.1.4).
    out[at++] = 0xc0;
    out[at++] = HEADER_BYTES;
    at = writeU16(out, at, TYPE_A);
    at = writeU16(out, at, CLASS_IN);
    const ttl = options.ttlSeconds ?? 60;
    at = writeU16(out, at, (ttl >>> 16) & 0xffff);
    at = writeU16(out, at, ttl & 0xffff);
    at = writeU16(out, at, 4);
    for (const octet of options.address) out[at++] = octet;
  }
  return out;
}

/** A response header (RFC 1035 §4.1.1) echoing the query's ID, opcode and RD; AA set, RA clear. */
function header(query: Uint8Array, rcode: number, questions: number, answers: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  out[0] = query[0]!;
  out[1] = query[1]!;
  // QR = 1, opcode as asked, AA = 1 (this server speaks for every name while the portal runs), RD copied.
  out[2] = 0x80 | (query[2]! & 0x78) | 0x04 | (query[2]! & 0x01);
  out[3] = rcode & 0x0f;
  writeU16(out, 4, questions);
  writeU16(out, 6, answers);
  return out;
}

function readU16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function writeU16(bytes: Uint8Array, at: number, value: number): number {
  bytes[at] = (value >> 8) & 0xff;
  bytes[at + 1] = value & 0xff;
  return at + 2;
}

/** "192.168.4.1" → [192, 168, 4, 1]; undefined when it is not a dotted IPv4 address. */
export function parseIpv4(text: string): [number, number, number, number] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  return octets as [number, number, number, number];
}
