/*
 * airboot/serial: the ECMA-419 Serial shape (read, write, onReadable, onWritable, format "buffer") plus what the
 * STM32 bootloader needs (AN3155 §2: 8E1) and Moddable's embedded:io/serial lacks: parity, stop bits, run-time
 * speed/format changes, a software receive buffer and the ESP8266's swapped UART0 pins. Options are read here and
 * passed to the host functions as plain numbers, so the C side needs no property lookups.
 */
const PARITY = Object.freeze({ none: 0, even: 1, odd: 2 });

/** Stop length in half bits: 1 -> 2, 1.5 -> 3, 2 -> 4; 0 (rejected in C) for anything else. */
function stopHalfBits(stopBits) {
  return stopBits === 1 ? 2 : stopBits === 1.5 ? 3 : stopBits === 2 ? 4 : 0;
}

function parityCode(parity) {
  const code = PARITY[parity ?? 'none'];
  if (code === undefined) throw new RangeError(`parity must be none, even or odd, not ${parity}`);
  return code;
}

function callback(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function`);
  return value;
}

class Serial extends Native('xs_airboot_serial_destructor') {
  constructor(options) {
    super();
    native('xs_airboot_serial_constructor').call(
      this,
      options.port ?? 0,
      options.swap ? 1 : 0,
      options.receive ?? -1,
      options.transmit ?? -1,
      options.device ?? '',
      options.receiveBufferBytes ?? 2048,
      options.transmitBufferBytes ?? 512,
      options.baud,
      options.dataBits ?? 8,
      parityCode(options.parity),
      stopHalfBits(options.stopBits ?? 1),
      callback(options.onReadable, 'onReadable'),
      callback(options.onWritable, 'onWritable'),
      callback(options.onError, 'onError'),
    );
  }
  /** Take up to `max` waiting bytes (all when omitted) as a new ArrayBuffer; undefined when none wait. */
  read(max) {
    return native('xs_airboot_serial_read').call(this, max ?? -1);
  }
  /** Queue bytes; returns the transmit space left; throws when they do not all fit. */
  write(bytes) {
    return native('xs_airboot_serial_write').call(this, bytes);
  }
  /** Change speed and format; omitted fields keep 8N1 defaults. */
  configure(format) {
    native('xs_airboot_serial_configure').call(
      this,
      format.baud,
      format.dataBits ?? 8,
      parityCode(format.parity),
      stopHalfBits(format.stopBits ?? 1),
    );
  }
  /** Bytes lost because the receive buffer was full, since open. */
  get overruns() {
    return native('xs_airboot_serial_overruns').call(this);
  }
  get format() {
    return 'buffer';
  }
  set format(value) {
    if (value !== 'buffer') throw new RangeError(`format must be "buffer", not ${value}`);
  }
  close() {
    native('xs_airboot_serial_close').call(this);
  }
}
Object.freeze(Serial.prototype);

export default Serial;
