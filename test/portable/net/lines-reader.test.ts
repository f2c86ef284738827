import { LineTooLongError } from '../../../src/net/lines/errors.js';
import { LineReader, type LineReaderOptions } from '../../../src/net/lines/line-reader.js';
import { TelnetCommand } from '../../../src/net/telnet/telnet-constants.js';
import { deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { byteByByte, bytes, concat, splitAt } from './http-test-support.js';

const { IAC, WILL, DO, SB, SE, EC, EL, AYT } = TelnetCommand;

type Options = Partial<Omit<LineReaderOptions, 'onLine' | 'onOverflow'>>;

function read(chunks: Uint8Array[], options: Options = {}) {
  const events: string[] = [];
  let maxBuffered = 0;
  const reader = new LineReader({
    ...options,
    onLine: (line) => events.push(line),
    onOverflow(error) {
      ok(error instanceof LineTooLongError);
      events.push(`overflow@${error.offset}`);
    },
  });
  for (const chunk of chunks) {
    reader.push(chunk);
    maxBuffered = Math.max(maxBuffered, reader.bufferedBytes);
  }
  return { events, maxBuffered, reader };
}

function everySplit(wire: Uint8Array, expected: string[], options: Options = {}) {
  for (let a = 0; a <= wire.length; a++) {
    for (let b = a; b <= wire.length; b++) {
      deepEqual(read(splitAt(wire, a, b), options).events, expected, `split at ${a} and ${b}`);
    }
  }
  deepEqual(read(byteByByte(wire), options).events, expected, 'byte by byte');
}

test('Line reader: CR, LF and CR LF each end one line, however the input is cut', () => {
  everySplit(bytes('help\r\nstatus\nreset\rboot\r\n\r\nrun\n\n'), [
    'help',
    'status',
    'reset',
    'boot',
    '',
    'run',
    '',
  ]);
});

test('Line reader: CR NUL (Telnet bare CR) is one line end; an unfinished line waits', () => {
  const { events, reader } = read([bytes('pins\r\0version\r'), bytes('\0baud 96'), bytes('00')]);
  deepEqual(events, ['pins', 'version']);
  equal(reader.bufferedBytes, 'baud 9600'.length);
});

test('Line reader: a line over the limit is reported once, dropped to its end, and the next line is read', () => {
  const wire = bytes('12345678\nabcdefghijk\nok\n');
  everySplit(wire, ['12345678', 'overflow@17', 'ok'], { maxLineBytes: 8 });
  const { maxBuffered } = read(splitAt(wire, 5, 14), { maxLineBytes: 8 });
  ok(maxBuffered <= 8, `buffered ${maxBuffered}`);
});

test('Line reader: a client that never sends a newline costs the fixed buffer, not memory', () => {
  const chunk = new Uint8Array(1000).fill(0x61);
  const { events, maxBuffered } = read([chunk, chunk, chunk, bytes('\nstatus\n')]);
  deepEqual(events, ['overflow@256', 'status']);
  ok(maxBuffered <= 256 + 16, `buffered ${maxBuffered}`);
});

test('Line reader: BS and DEL erase a character (a whole UTF-8 one), never past the line start', () => {
  everySplit(bytes('hx\belp\n\b\x7fstatuss\x7f\n'), ['help', 'status']);
  // é is C3 A9: one DEL removes both bytes.
  deepEqual(read([bytes('caf\xc3\xa9\x7fe\n')]).events, ['cafe']);
  deepEqual(read([bytes('\xc3\xa9\n')]).events, ['é']);
});

test('Line reader: Telnet commands are stripped; EC and EL edit; negotiations are passed on', () => {
  const commands: Array<[number, number | undefined]> = [];
  const wire = concat(
    bytes('he'),
    Uint8Array.of(IAC, WILL, 31),
    bytes('lx'),
    Uint8Array.of(IAC, EC),
    bytes('p\r\0'),
    bytes('garbage'),
    Uint8Array.of(IAC, EL),
    bytes('status'),
    Uint8Array.of(IAC, SB, 24, 0, ...bytes('XTERM-256COLOR-WITH-A-LONG-NAME'), IAC, SE),
    Uint8Array.of(IAC, AYT, IAC, DO, 1),
    bytes('\r\n'),
  );
  everySplit(wire, ['help', 'status']);
  read([wire], { onTelnetCommand: (command, option) => commands.push([command, option]) });
  deepEqual(commands, [
    [WILL, 31],
    [AYT, undefined],
    [DO, 1],
  ]);
});

test('Line reader: IAC IAC is a 0xFF byte; without Telnet, 0xFF is just a byte', () => {
  deepEqual(read([Uint8Array.of(0x61, IAC, IAC, 0x0a)]).events, ['a\u00ff']);
  deepEqual(read([Uint8Array.of(0x61, IAC, 0x0a)], { telnet: false }).events, ['a\u00ff']);
  // With Telnet on, a lone IAC starts a command: IAC LF is no command and is dropped, with the LF.
  const errors: string[] = [];
  const { events } = read([Uint8Array.of(0x61, IAC, 0x0a, 0x62, 0x0a)], {
    onTelnetError: (error) => errors.push(error.code),
  });
  deepEqual(events, ['ab']);
  deepEqual(errors, ['TELNET_BAD_COMMAND']);
});

test('Line reader: text that is not UTF-8 is kept byte for byte', () => {
  deepEqual(read([bytes('baud \xb5\xff9600\n')], { telnet: false }).events, ['baud \u00b5\u00ff9600']);
});

test('Line reader: EL also ends the dropping of an overlong line', () => {
  const wire = concat(bytes('abcdefghijkl'), Uint8Array.of(IAC, EL), bytes('run\n'));
  deepEqual(read([wire], { maxLineBytes: 8 }).events, ['overflow@8', 'run']);
});
