import { AirbootError } from '../../io/errors.js';

/**
 * Codes of the errors the remote CLI raises; src/cli/failure.ts maps them to exit codes:
 * REMOTE_UNREACHABLE → 3, REMOTE_INVALID → 2, REMOTE_BUSY / REMOTE_HTTP / REMOTE_PROTOCOL → 1.
 */
export type RemoteErrorCode =
  | 'REMOTE_UNREACHABLE'
  | 'REMOTE_BUSY'
  | 'REMOTE_INVALID'
  | 'REMOTE_HTTP'
  | 'REMOTE_PROTOCOL';

/** Talking to a running airboot service failed: it could not be reached, refused the request, or answered nonsense. */
export class RemoteError extends AirbootError {
  constructor(
    code: RemoteErrorCode,
    message: string,
    /** `http://host:port` of the service. */
    readonly baseUrl: string,
    /** HTTP status of the answer, when there was one. */
    readonly status?: number,
    /** The parsed JSON body of an error answer (`{ error, message, … }`), when there was one. */
    readonly body?: unknown,
  ) {
    super(code, message);
  }
}

/**
 * A flash job ran on the service and failed there. The code is the service's (the flasher's: TIMEOUT, NACK,
 * VERIFY, …), so the exit code is the one a local `airboot flash` would give for the same failure.
 */
export class RemoteJobError extends AirbootError {
  constructor(
    code: string,
    message: string,
    /** The job's id on the service. */
    readonly jobId: string,
  ) {
    super(code, message);
  }
}
