import { ImageError } from './errors.js';
import { LineSplitter, MAX_LINE_CHARS } from './line-splitter.js';
import type { MemoryImage } from './memory-image.js';
import { DEFAULT_MAX_IMAGE_BYTES, SegmentBuilder } from './segment-builder.js';

/**
 * What Intel HEX and S-record parsing share: text arrives in chunks of any size, is cut into bounded lines, each
 * line is one record placed through a SegmentBuilder; end() finishes the image. After the first error the parser
 * stays failed and throws that error again, so a caller streaming an upload cannot go on past a damaged record.
 */
export abstract class TextRecordParser {
  protected readonly lines: LineSplitter;
  protected readonly builder: SegmentBuilder;
  /** One record's bytes, decoded from the line's hex pairs. */
  protected readonly record = new Uint8Array(MAX_LINE_CHARS / 2);
  private failure: unknown;
  private finished = false;

  /**
   * @param formatName for messages, e.g. "HEX", "S-record".
   * @param lineTooLongCode the ImageError code of a line longer than MAX_LINE_CHARS.
   * @param maxBytes most data bytes the image may hold.
   */
  protected constructor(
    private readonly formatName: string,
    lineTooLongCode: string,
    maxBytes = DEFAULT_MAX_IMAGE_BYTES,
  ) {
    this.builder = new SegmentBuilder(maxBytes);
    this.lines = new LineSplitter(
      (line, number, column) => this.onLine(line, number, column),
      lineTooLongCode,
    );
  }

  /** Parse the next bytes of the file. */
  push(chunk: Uint8Array): void {
    this.guard(() => this.lines.push(chunk));
  }

  /** The file is complete: the image, or the ImageError that tells what is missing. */
  end(): MemoryImage {
    return this.guard(() => {
      this.lines.end();
      this.finished = true;
      return this.finish();
    });
  }

  /** One line of the file (without its line end), 1-based line number, column of its first character. */
  protected abstract onLine(text: Uint8Array, line: number, column: number): void;

  /** The end of the file: check what must have been seen, build the image. */
  protected abstract finish(): MemoryImage;

  private guard<T>(work: () => T): T {
    if (this.failure !== undefined) throw this.failure;
    if (this.finished)
      throw new ImageError('PARSER_FINISHED', `the ${this.formatName} parser was already ended`);
    try {
      return work();
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }
}
