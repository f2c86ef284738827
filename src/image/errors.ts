import { AirbootError } from '../io/errors.js';

/** Where in the file a problem is: a 1-based line for text formats, a byte offset for binary ones. */
export interface ImagePosition {
  readonly line?: number | undefined;
  readonly offset?: number | undefined;
}

/**
 * A firmware file that cannot be turned into a memory image. Nothing is flashed from a file that raised this: the
 * message names the line or offset and what is wrong, so the user can fix or re-export the file.
 */
export class ImageError extends AirbootError {
  readonly line: number | undefined;
  readonly offset: number | undefined;
  constructor(code: string, message: string, position: ImagePosition = {}) {
    const where =
      position.line !== undefined
        ? `line ${position.line}: `
        : position.offset !== undefined
          ? `offset ${position.offset}: `
          : '';
    super(code, where + message);
    this.line = position.line;
    this.offset = position.offset;
  }
}
