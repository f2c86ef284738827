import {
  CONTROL_COMMANDS,
  errReply,
  helpText,
  okReply,
  parseControlLine,
  replyLine,
} from '../../../src/net/lines/control-commands.js';
import { bytesEqual, deepEqual, equal, match, ok } from '../assert.js';
import { test } from '../harness.js';
import { bytes } from './http-test-support.js';

test('Control commands: every command without arguments, in any case, with any spacing', () => {
  for (const name of ['help', 'status', 'reset', 'boot', 'run', 'pins', 'version']) {
    deepEqual(parseControlLine(name), { kind: name });
    deepEqual(parseControlLine(`  ${name.toUpperCase()} \t`), { kind: name });
    deepEqual(parseControlLine(name[0]!.toUpperCase() + name.slice(1)), { kind: name });
  }
});

test('Control commands: a command that takes no argument refuses one, with its usage', () => {
  deepEqual(parseControlLine('reset now'), {
    kind: 'error',
    message: "'reset' takes no argument — usage: reset",
  });
  equal(parseControlLine('STATUS all').kind, 'error');
});

test('Control commands: baud N for whole numbers 300..4000000', () => {
  deepEqual(parseControlLine('baud 115200'), { kind: 'baud', baud: 115200 });
  deepEqual(parseControlLine('  BAUD\t9600  '), { kind: 'baud', baud: 9600 });
  deepEqual(parseControlLine('baud 300'), { kind: 'baud', baud: 300 });
  deepEqual(parseControlLine('baud 4000000'), { kind: 'baud', baud: 4_000_000 });
  deepEqual(parseControlLine('baud 0009600'), { kind: 'baud', baud: 9600 });
});

test('Control commands: bad baud arguments explain what would work', () => {
  const hint = /N is a whole number from 300 to 4000000, e\.g\. baud 115200/;
  for (const line of ['baud', 'baud 9600 8N1']) {
    const result = parseControlLine(line);
    equal(result.kind, 'error', line);
    if (result.kind === 'error') {
      match(result.message, /^usage: baud N/);
      match(result.message, hint);
    }
  }
  const cases: Array<[string, RegExp]> = [
    ['baud 299', /^299 baud is out of range/],
    ['baud 4000001', /^4000001 baud is out of range/],
    ['baud 99999999999999999999', /out of range/],
    ['baud 9k6', /^'9k6' is not a whole number/],
    ['baud -9600', /not a whole number/],
    ['baud 1e6', /not a whole number/],
    ['baud 115200.0', /not a whole number/],
  ];
  for (const [line, pattern] of cases) {
    const result = parseControlLine(line);
    equal(result.kind, 'error', line);
    if (result.kind === 'error') {
      match(result.message, pattern);
      match(result.message, hint);
    }
  }
});

test('Control commands: format takes what parseFormat takes', () => {
  deepEqual(parseControlLine('format 8N1'), {
    kind: 'format',
    format: { dataBits: 8, parity: 'none', stopBits: 1 },
    name: '8N1',
  });
  deepEqual(parseControlLine('FORMAT 8e1'), {
    kind: 'format',
    format: { dataBits: 8, parity: 'even', stopBits: 1 },
    name: '8E1',
  });
  const expected: Array<[string, number, string, number]> = [
    ['7E1', 7, 'even', 1],
    ['8O1', 8, 'odd', 1],
    ['8N2', 8, 'none', 2],
    ['5M1.5', 5, 'mark', 1.5],
    ['6s2', 6, 'space', 2],
  ];
  for (const [text, dataBits, parity, stopBits] of expected) {
    const result = parseControlLine(`format ${text}`);
    deepEqual(
      result,
      { kind: 'format', format: { dataBits, parity, stopBits }, name: text.toUpperCase() },
      text,
    );
  }
  for (const line of ['format', 'format 9N1', 'format 8X1', 'format 8N3', 'format 8 N 1', 'format 8N1 8E1']) {
    const result = parseControlLine(line);
    equal(result.kind, 'error', line);
    if (result.kind === 'error') match(result.message, /e\.g\. format 8N1 or format 8E1/);
  }
});

test('Control commands: unknown commands point to help; what was typed is echoed safely', () => {
  deepEqual(parseControlLine('xyz'), { kind: 'error', message: "unknown command 'xyz' — try: help" });
  deepEqual(parseControlLine('flash 0x08000000'), {
    kind: 'error',
    message: "unknown command 'flash' — try: help",
  });
  const escaped = parseControlLine('\x1b[A');
  deepEqual(escaped, { kind: 'error', message: "unknown command '\\x1b[A' — try: help" });
  const long = parseControlLine('a'.repeat(300));
  ok(long.kind === 'error' && long.message.length < 80, 'a long word is clipped');
});

test('Control commands: a blank line is nothing to do', () => {
  for (const line of ['', '   ', '\t \t']) deepEqual(parseControlLine(line), { kind: 'blank' });
});

test('Control commands: help lists every command on one line', () => {
  const help = helpText();
  for (const info of CONTROL_COMMANDS) ok(help.includes(info.usage), info.usage);
  equal(
    help,
    'commands: help, status, reset, boot, run, baud N, format 8N1, pins, version, login PASSWORD, logout',
  );
});

test('Control commands: login takes the rest of the line as the password, spaces inside kept', () => {
  deepEqual(parseControlLine('login s3cret'), { kind: 'login', password: 's3cret' });
  deepEqual(parseControlLine('  LOGIN   two  words \t'), { kind: 'login', password: 'two  words' });
  deepEqual(parseControlLine('login'), { kind: 'error', message: 'usage: login PASSWORD' });
  deepEqual(parseControlLine('logout'), { kind: 'logout' });
});

test('Control replies: one line each, OK or ERR, CR LF, UTF-8', () => {
  bytesEqual(okReply(), bytes('OK\r\n'));
  bytesEqual(okReply('baud 9600'), bytes('OK baud 9600\r\n'));
  bytesEqual(errReply('no\r\nsecond line\x00!'), bytes('ERR no second line !\r\n'));
  bytesEqual(errReply('— try'), bytes('ERR \xe2\x80\x94 try\r\n'));
  equal(replyLine('OK', '  padded  '), 'OK padded\r\n');
  equal(replyLine('ERR'), 'ERR\r\n');
});
