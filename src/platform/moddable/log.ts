/**
 * The Log contract over Moddable's `trace`. On ESP8266 trace output leaves by UART0 — the STM32's link — so the
 * board profile turns it off unless the build asks for it (manifest config `trace`); see README "Build the firmware".
 */
import type { Log, LogLevel } from '../../io/contracts.js';

const RANK: Readonly<Record<LogLevel, number>> = Object.freeze({ debug: 0, info: 1, warn: 2, error: 3 });

/** Lines at `minLevel` and above, as `airboot <level>: <message>`; nothing when `minLevel` is 'off'. */
export function deviceLog(minLevel: LogLevel | 'off', write: (line: string) => void = traceLine): Log {
  if (minLevel === 'off') return () => {};
  const min = RANK[minLevel];
  return (level, message) => {
    if (RANK[level] >= min) write(`airboot ${level}: ${message}\n`);
  };
}

function traceLine(line: string): void {
  trace(line);
}
