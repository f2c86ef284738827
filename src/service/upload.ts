/**
 * Receiving a firmware image from an HTTP request body: raw (`curl --data-binary @app.hex`) or a multipart form
 * with a field named "file" (a browser, RFC 7578). The whole image is collected before anything else happens, so
 * that it can be checked before the target is touched (docs/architecture.md "Flashing, the safe way").
 *
 * On the host the bytes are kept in memory, bounded by `maxBytes`. The device streams them into a flash staging area
 * instead (`staging`, its heap is 32 KB); either way `open()` gives the checked image, and what follows stays the same.
 */
import type { ImageFormat } from '../image/detect.js';
import { parseImage } from '../image/parse-image.js';
import { AirbootError } from '../io/errors.js';
import { HttpError } from '../net/http/errors.js';
import { MultipartParser } from '../net/http/multipart.js';
import type { ServerRequest } from '../net/http/server.js';
import { openStagedImage, type SizedFlashImage } from './staged-image.js';
import type { ImageStaging } from './staging.js';

/** Default most image bytes accepted on the host, 4 MiB (larger than any STM32's flash in a HEX file). */
export const DEFAULT_UPLOAD_BYTES = 4 * 1024 * 1024;

/** The form field that carries the image in a multipart upload. */
export const UPLOAD_FIELD = 'file';

export interface ReceivedImage {
  /** The file's bytes when received into RAM; undefined when they were staged in flash. */
  bytes: Uint8Array | undefined;
  /** The file name the browser gave the "file" part, if any. */
  filename: string | undefined;
  /** Parse and check the image (ImageError when it is bad), from RAM or from the staging area. */
  open(options: OpenImageOptions): { image: SizedFlashImage; format: ImageFormat };
}

export interface OpenImageOptions {
  name?: string | undefined;
  /** Load address of a raw binary. */
  baseAddress?: number | undefined;
  /** Most data bytes the image may hold (for a staged text image: decoded in RAM). */
  maxBytes: number;
}

/** Where an upload's bytes go while they arrive. */
interface UploadSink {
  append(chunk: Uint8Array): boolean;
}

/** Bytes appended into one buffer that grows (by doubling) up to a fixed maximum. */
export class BoundedBytes {
  private buffer: Uint8Array;
  private used = 0;

  /**
   * @param maxBytes the most bytes ever held.
   * @param expected bytes announced (Content-Length), to allocate once up to 1 MiB (a client that announces much
   *   and sends little does not get the rest reserved); grows from 4 KiB when unknown.
   */
  constructor(
    readonly maxBytes: number,
    expected?: number,
  ) {
    this.buffer = new Uint8Array(Math.min(maxBytes, expected ?? 4096, 1024 * 1024));
  }

  get length(): number {
    return this.used;
  }

  /** Append a copy of `chunk`; false (nothing appended) when it would exceed `maxBytes`. */
  append(chunk: Uint8Array): boolean {
    const needed = this.used + chunk.length;
    if (needed > this.maxBytes) return false;
    if (needed > this.buffer.length) {
      let size = Math.max(this.buffer.length, 1024);
      while (size < needed) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.maxBytes));
      grown.set(this.buffer.subarray(0, this.used));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.used);
    this.used = needed;
    return true;
  }

  /** The bytes appended so far (a view, not a copy). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }
}

/** The client went away (or broke the framing) before the body was complete: nothing may be flashed. */
export class UploadAbortedError extends AirbootError {
  constructor(reason: string) {
    super('UPLOAD_ABORTED', `upload cut off: ${reason}`);
  }
}

/**
 * Collect the image in `request`'s body: into RAM, or chunk by chunk into `staging` when given (then `maxBytes` is
 * the most bytes staged, and `open()`'s `maxBytes` the most decoded in RAM). Rejects with HttpError:
 * BODY_TOO_LARGE (413) past `maxBytes` — before reading when Content-Length says so —, the multipart parser's
 * errors (400), BAD_REQUEST when a form has no "file" field or it is empty; with UploadAbortedError when the body
 * never completes.
 */
export function receiveImage(
  request: ServerRequest,
  maxBytes = DEFAULT_UPLOAD_BYTES,
  staging?: ImageStaging,
): Promise<ReceivedImage> {
  const head = request.head;
  const contentType = head.headers.get('content-type') ?? '';
  const multipart = /^\s*multipart\//i.test(contentType);
  const announced = head.contentLength;
  // A multipart body carries part headers and boundaries besides the file: allow a little for them.
  const limit = multipart ? maxBytes + 4096 : maxBytes;
  if (announced !== undefined && announced > limit) {
    return Promise.reject(tooLarge(maxBytes, announced));
  }
  return new Promise((resolve, reject) => {
    let collected: (UploadSink & { bytes(): Uint8Array }) | undefined;
    let sink: UploadSink;
    if (staging) {
      staging.begin();
      sink = staging;
    } else {
      collected = new BoundedBytes(maxBytes, announced);
      sink = collected;
    }
    let settled = false;
    let filename: string | undefined;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      staging?.abandon();
      reject(error);
    };
    let parser: MultipartParser | undefined;
    let inFile = false;
    let fileSeen = false;
    if (multipart) {
      try {
        parser = new MultipartParser({
          contentType,
          onPartHead(part) {
            // The first "file" part is the image; other fields (and further files) are skipped.
            inFile = part.name === UPLOAD_FIELD && !fileSeen;
            if (inFile) filename = part.filename;
          },
          onPartData(chunk) {
            if (inFile && !settled && !sink.append(chunk)) fail(tooLarge(maxBytes));
          },
          onPartEnd() {
            if (inFile) fileSeen = true;
            inFile = false;
          },
          onError: fail,
        });
      } catch (error) {
        request.discard();
        fail(error as Error);
        return;
      }
    }
    request.read({
      onData(chunk) {
        if (settled) return;
        if (parser) parser.push(chunk);
        else if (!sink.append(chunk)) fail(tooLarge(maxBytes));
      },
      onEnd() {
        if (settled) return;
        if (parser) {
          parser.end();
          if (settled) return;
          if (!fileSeen) {
            fail(new HttpError('BAD_REQUEST', `the form has no "${UPLOAD_FIELD}" field with the image`));
            return;
          }
        }
        settled = true;
        if (staging) {
          staging.finish();
          resolve({
            bytes: undefined,
            filename,
            open: (options) => openStagedImage(staging, { ...options, maxDecodedBytes: options.maxBytes }),
          });
          return;
        }
        const bytes = collected!.bytes();
        resolve({ bytes, filename, open: (options) => parseImage(bytes, options) });
      },
      onAbort(error) {
        fail(new UploadAbortedError(error.message));
      },
    });
  });
}

function tooLarge(maxBytes: number, announced?: number): HttpError {
  const size = announced === undefined ? 'the image is' : `the body of ${announced} bytes is`;
  return new HttpError('BODY_TOO_LARGE', `${size} larger than the limit of ${maxBytes} bytes`);
}
