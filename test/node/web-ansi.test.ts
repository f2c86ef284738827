/**
 * web/ansi.ts, the terminal's ANSI SGR parser (ECMA-48 §8.3.117), run on Node: the page's own module bundled by
 * esbuild as the build does, imported from memory (web/ is compiled for the browser only).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { build } from 'esbuild';
import { ROOT } from './support/cli.js';

interface StyledText {
  text: string;
  style: string;
}
let AnsiParser: new () => { feed(input: string): StyledText[] };

before(async () => {
  const result = await build({
    entryPoints: [path.join(ROOT, 'web/ansi.ts')],
    bundle: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  ({ AnsiParser } = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`));
});

test('ansi: colours, bold and underline become classes; reset ends them', () => {
  const parser = new AnsiParser();
  assert.deepEqual(parser.feed('a \x1b[1;31mred\x1b[0m b \x1b[4;92;44mx\x1b[24;39;49my'), [
    { text: 'a ', style: '' },
    { text: 'red', style: 'f1 b' },
    { text: ' b ', style: '' },
    { text: 'x', style: 'f10 g4 u' },
    { text: 'y', style: '' },
  ]);
  // ESC[m is a reset (no parameters = 0); 38;5;n with n < 16 is a basic colour; true colour is skipped whole.
  assert.deepEqual(parser.feed('\x1b[33mq\x1b[mr\x1b[38;5;9ms\x1b[38;2;1;2;3;1mt'), [
    { text: 'q', style: 'f3' },
    { text: 'r', style: '' },
    { text: 's', style: 'f9' },
    { text: 't', style: 'f9 b' },
  ]);
});

test('ansi: a sequence split across frames is held until its end arrives', () => {
  const parser = new AnsiParser();
  assert.deepEqual(parser.feed('one \x1b'), [{ text: 'one ', style: '' }]);
  assert.deepEqual(parser.feed('[3'), []);
  assert.deepEqual(parser.feed('2mgreen\x1b[0'), [{ text: 'green', style: 'f2' }]);
  assert.deepEqual(parser.feed('m plain'), [{ text: ' plain', style: '' }]);
});

test('ansi: other control sequences and controls are dropped, tab and newlines kept', () => {
  const parser = new AnsiParser();
  assert.deepEqual(parser.feed('\x1b[2J\x1b[Hclear\x07ed\x08\tline\r\n\x1bcnext'), [
    { text: 'cleared\tline\r\n', style: '' },
    { text: 'next', style: '' },
  ]);
  // Not an escape sequence after all (a control inside it): dropped up to there, the rest shown.
  assert.deepEqual(parser.feed('\x1b[12\nafter'), [{ text: '\nafter', style: '' }]);
  // Longer than any sequence we know: not held forever.
  assert.deepEqual(parser.feed(`\x1b[${'1;'.repeat(40)}`), []);
  assert.deepEqual(parser.feed('visible'), [{ text: 'visible', style: '' }]);
});
