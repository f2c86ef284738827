/**
 * Over-the-air update of airboot's own firmware — the ESP's, not the STM32's: `POST /api/device/firmware` with the
 * application image as the raw body (`curl --data-binary @airboot.bin`). The bytes stream into the spare OTA
 * partition as they arrive, never whole in RAM; the SDK checks the image when it is complete; then the device
 * restarts into it, after the answer has left. Until `complete()` succeeds the running firmware stays the one that
 * boots, so a cut connection or a wrong file changes nothing.
 *
 * The ESP32 build supplies the updater (Moddable's ECMA-419 `embedded:update`); where there is none (the ESP8266,
 * whose SDK has no OTA module in Moddable 8.2.3; the host) the route does not exist.
 */
import type { Log, Timer } from '../io/contracts.js';
import type { RouteHandler } from '../net/http/router.js';
import type { FlashService } from './flash-service.js';

/** Where a new firmware image goes. */
export interface FirmwareUpdater {
  /** Most bytes an image may have: the spare partition's size. */
  readonly maxBytes: number;
  /** Start writing an image of `byteLength` bytes into the spare partition. */
  begin(byteLength: number): FirmwareWriter;
  /** Restart into the new firmware. */
  restart(): void;
}

export interface FirmwareWriter {
  write(bytes: Uint8Array): void;
  /** The image is whole: check it and make it the one that boots. Throws when the SDK refuses it. */
  complete(): void;
  /** Forget what was written: the running firmware keeps booting. */
  abort(): void;
}

/**
 * An ESP application image starts with 0xE9 (ESP-IDF "App image format", esp_image_header_t.magic; the ESP8266
 * ROM's format has the same first byte).
 */
export const ESP_IMAGE_MAGIC = 0xe9;
/** Milliseconds between the answer and the restart, so the answer leaves first. */
const RESTART_DELAY_MS = 1000;

export interface FirmwareUpdateOptions {
  updater: FirmwareUpdater;
  flashes: FlashService;
  timer: Timer;
  log: Log;
}

export function firmwareUpdateRoute(options: FirmwareUpdateOptions): RouteHandler {
  const { updater, flashes, timer, log } = options;
  let receiving = false;
  return ({ request }, response) => {
    const refuse = (status: number, error: string, message: string) => {
      response.json(status, { error, message }, [['Connection', 'close']]);
    };
    const length = request.head.contentLength;
    if (length === undefined || length === 0) {
      refuse(
        411,
        'LENGTH_REQUIRED',
        'send the image as the body with its Content-Length (curl --data-binary @file)',
      );
      return;
    }
    if (length > updater.maxBytes) {
      refuse(
        413,
        'BODY_TOO_LARGE',
        `the image is ${length} bytes; the update partition holds ${updater.maxBytes}`,
      );
      return;
    }
    if (/^\s*multipart\//i.test(request.head.headers.get('content-type') ?? '')) {
      refuse(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'send the image as the raw body (application/octet-stream), not a form',
      );
      return;
    }
    if (receiving || flashes.running) {
      refuse(
        409,
        'BUSY',
        receiving ? 'another update is being received' : 'a flash job runs: update when it ends',
      );
      return;
    }
    receiving = true;
    let writer: FirmwareWriter | undefined;
    let failed = false;
    const fail = (status: number, error: string, message: string) => {
      if (failed) return;
      failed = true;
      receiving = false;
      writer?.abort();
      log('warn', `http: firmware update from ${request.remoteAddress} refused: ${message}`);
      refuse(status, error, message);
    };
    return new Promise<void>((resolve) => {
      request.read({
        onData(chunk) {
          if (failed || chunk.length === 0) return;
          if (!writer) {
            if (chunk[0] !== ESP_IMAGE_MAGIC) {
              const first = chunk[0]!.toString(16).padStart(2, '0');
              fail(
                400,
                'NOT_FIRMWARE',
                `not an ESP application image (it starts 0x${first}, not 0xe9); the STM32's firmware goes to /api/flash`,
              );
              request.discard();
              resolve();
              return;
            }
            try {
              writer = updater.begin(length);
            } catch (error) {
              fail(500, 'UPDATE_FAILED', `could not start the update: ${(error as Error).message}`);
              request.discard();
              resolve();
              return;
            }
          }
          try {
            writer.write(chunk);
          } catch (error) {
            fail(500, 'UPDATE_FAILED', `writing the update failed: ${(error as Error).message}`);
            request.discard();
            resolve();
          }
        },
        onEnd() {
          if (failed) return resolve();
          try {
            writer!.complete();
          } catch (error) {
            fail(400, 'BAD_FIRMWARE', `the ESP refused the image: ${(error as Error).message}`);
            return resolve();
          }
          receiving = false;
          log(
            'info',
            `http: firmware update of ${length} bytes from ${request.remoteAddress}: restarting into it`,
          );
          response.json(200, { bytes: length, restarting: true, message: 'updated; airboot restarts now' });
          timer.set(() => updater.restart(), RESTART_DELAY_MS);
          resolve();
        },
        onAbort(error) {
          if (!failed) {
            failed = true;
            receiving = false;
            writer?.abort();
            log(
              'info',
              `http: firmware update from ${request.remoteAddress} cut off (${error.message}): nothing changed`,
            );
          }
          resolve();
        },
      });
    });
  };
}
