import { AirbootError } from '../../io/errors.js';

/** Something the device's hardware or SDK refused, with what was asked. */
export class DeviceError extends AirbootError {
  constructor(
    code:
      | 'UART_FORMAT'
      | 'UART_ERROR'
      | 'SOCKET_ERROR'
      | 'PREFERENCE_KEY_TOO_LONG'
      | 'PREFERENCE_VALUE_TOO_LONG'
      | 'BOARD_UNKNOWN',
    message: string,
  ) {
    super(code, message);
  }
}
