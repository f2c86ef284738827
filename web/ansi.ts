/**
 * ANSI escape sequences in the terminal output (ECMA-48): Select Graphic Rendition (`ESC [ … m`, §8.3.117) becomes
 * CSS classes — bold, dim, italic, underline, inverse, the 8 standard and 8 bright colours for text and
 * background; every other control sequence (cursor moves, erase) is dropped rather than shown as garbage. A
 * sequence split across WebSocket frames is held until its end arrives.
 */

/** A run of text in one style; `style` is a space-separated list of CSS classes ('' = plain). */
export interface StyledText {
  text: string;
  style: string;
}

const ESC = '\x1b';
/** Longest escape sequence held while waiting for its end; a longer one is not a sequence we know: dropped. */
const MAX_SEQUENCE = 32;

export class AnsiParser {
  /** Colour indexes 0–15, or -1 for the terminal's default. */
  private foreground = -1;
  private background = -1;
  private bold = false;
  private dim = false;
  private italic = false;
  private underline = false;
  private inverse = false;
  /** The start of an escape sequence whose end has not arrived yet. */
  private pending = '';

  /** Split decoded UART text into styled runs, applying and removing the escape sequences in it. */
  feed(input: string): StyledText[] {
    const text = this.pending + input;
    this.pending = '';
    const out: StyledText[] = [];
    let plainFrom = 0;
    let i = 0;
    const flush = (end: number) => {
      if (end > plainFrom) out.push({ text: text.slice(plainFrom, end), style: this.style() });
    };
    while (i < text.length) {
      const escapeAt = text.indexOf(ESC, i);
      if (escapeAt < 0) break;
      flush(escapeAt);
      const end = sequenceEnd(text, escapeAt);
      if (end === undefined) {
        // Incomplete: keep it for the next frame, unless it is already too long to be one.
        if (text.length - escapeAt <= MAX_SEQUENCE) this.pending = text.slice(escapeAt);
        plainFrom = i = text.length;
        break;
      }
      if (text[escapeAt + 1] === '[' && text[end - 1] === 'm') this.select(text.slice(escapeAt + 2, end - 1));
      plainFrom = i = end;
    }
    flush(text.length - this.pending.length);
    return out.filter((run) => run.text.length > 0).map((run) => ({ ...run, text: stripControls(run.text) }));
  }

  /** Apply SGR parameters, e.g. "1;31" (ECMA-48 §8.3.117; 90–97/100–107 are the common bright extension). */
  private select(parameters: string): void {
    const codes = parameters === '' ? [0] : parameters.split(/[;:]/).map((part) => Number(part || '0'));
    for (let k = 0; k < codes.length; k++) {
      const code = codes[k]!;
      if (code === 0) this.reset();
      else if (code === 1) this.bold = true;
      else if (code === 2) this.dim = true;
      else if (code === 3) this.italic = true;
      else if (code === 4) this.underline = true;
      else if (code === 7) this.inverse = true;
      else if (code === 22) this.bold = this.dim = false;
      else if (code === 23) this.italic = false;
      else if (code === 24) this.underline = false;
      else if (code === 27) this.inverse = false;
      else if (code >= 30 && code <= 37) this.foreground = code - 30;
      else if (code === 39) this.foreground = -1;
      else if (code >= 40 && code <= 47) this.background = code - 40;
      else if (code === 49) this.background = -1;
      else if (code >= 90 && code <= 97) this.foreground = code - 90 + 8;
      else if (code >= 100 && code <= 107) this.background = code - 100 + 8;
      else if (code === 38 || code === 48) {
        // 38;5;n (256 colours: the first 16 are the basic ones) or 38;2;r;g;b (true colour, not shown).
        const mode = codes[k + 1];
        const colour = mode === 5 && codes[k + 2]! < 16 ? codes[k + 2]! : undefined;
        if (colour !== undefined) {
          if (code === 38) this.foreground = colour;
          else this.background = colour;
        }
        k += mode === 5 ? 2 : mode === 2 ? 4 : 1;
      }
    }
  }

  private reset(): void {
    this.foreground = this.background = -1;
    this.bold = this.dim = this.italic = this.underline = this.inverse = false;
  }

  private style(): string {
    const classes: string[] = [];
    if (this.foreground >= 0) classes.push(`f${this.foreground}`);
    if (this.background >= 0) classes.push(`g${this.background}`);
    if (this.bold) classes.push('b');
    if (this.dim) classes.push('d');
    if (this.italic) classes.push('i');
    if (this.underline) classes.push('u');
    if (this.inverse) classes.push('v');
    return classes.join(' ');
  }
}

/**
 * The index just after the escape sequence starting at `start`, or undefined when it is not complete yet. CSI
 * (`ESC [`): parameter and intermediate bytes 0x20–0x3F, ended by a final byte 0x40–0x7E (ECMA-48 §5.4). Any other
 * `ESC x` is two characters.
 */
function sequenceEnd(text: string, start: number): number | undefined {
  if (start + 1 >= text.length) return undefined;
  if (text[start + 1] !== '[') return start + 2;
  for (let i = start + 2; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x40 && code <= 0x7e) return i + 1;
    if (code < 0x20 || code > 0x3f) return i; // Not a CSI after all: drop what came so far.
  }
  return undefined;
}

/** Drop C0 controls a terminal would act on but a page cannot show (bell, backspace…), keeping tab and newlines. */
function stripControls(text: string): string {
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g, '');
}
